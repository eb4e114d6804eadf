/**
 * SPEC §4.1/§4.4/§4.5/§7: an attempt begins — the campaign's state and the calling window are checked
 * again, the account's dial gate grants a slot, then the attempt row is committed (before any dial).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client';
import { findAccount, findAttempt, findNumber, insertAttempt, shareCampaign } from '../../db/queries/attempts';
import { callingWindow, windowState } from '../../domain/calling-window';
import { attemptToken, newSid } from '../../domain/ids';
import { leaseLimitMs } from '../../domain/throttle';
import { acquireDialSlot, dropWaiter } from '../dial-gate';
import type { BeginAttemptInput, BeginAttemptOutput } from './types';

/** Campaign statuses in which a new attempt may start. */
const DIALLABLE = new Set(['InProgress']);

/** SPEC §7: settle by lookup once `ring_timeout_s + call_time_limit_s + 2 minutes` pass without a callback. */
export const SETTLE_GRACE_MS = 120_000;

/**
 * Commits the attempt row (with its callback token) and marks the number `in-progress`, unless the
 * campaign no longer dials. Idempotent: a retry returns the row the first run wrote.
 */
export function beginAttempt(db: Db) {
  return async (input: BeginAttemptInput): Promise<BeginAttemptOutput> => {
    const now = new Date(input.nowMs);
    return db.transaction(async (tx) => {
      const c = await shareCampaign(tx, input.campaignId);
      if (!c) return { kind: 'stop', reason: 'campaign_missing' };
      const acct = await findAccount(tx, c.accountSid);
      const settleTimeoutMs = ((acct?.ringTimeoutS ?? 30) + (acct?.callTimeLimitS ?? 3600)) * 1000 + SETTLE_GRACE_MS;
      const ringTimeoutMs = (acct?.ringTimeoutS ?? 30) * 1000;
      const existing = await findAttempt(tx, input);
      if (existing)
        return { kind: 'dial', callSid: existing.callSid, token: existing.token, settleTimeoutMs, ringTimeoutMs };
      // Checked again immediately before each dial (SPEC §4.1, §4.4): abandoned children outlive
      // pause, complete and end_at, so the read model, not the child's memory, decides.
      const ticketOf = {
        accountSid: c.accountSid,
        campaignId: input.campaignId,
        position: input.position,
        attemptNumber: input.attemptNumber,
      };
      if (c.closing !== null || !DIALLABLE.has(c.status)) {
        await dropWaiter(tx, ticketOf);
        return c.status === 'Paused' && c.closing === null
          ? { kind: 'hold' }
          : { kind: 'stop', reason: `campaign_${c.closing ? 'closing' : c.status}` };
      }
      // SPEC §4.7: a started campaign rolled to a later send_at (while paused) starts no attempt before it.
      if (c.sendAt !== null && c.sendAt.getTime() > input.nowMs) {
        await dropWaiter(tx, ticketOf);
        return { kind: 'window', nextOpenMs: c.sendAt.getTime() };
      }
      if (acct) {
        const w = windowState(callingWindow(acct.callingWindow, acct.timezone, acct.callingDays), input.nowMs);
        if (!w.open) {
          await dropWaiter(tx, ticketOf);
          return { kind: 'window', nextOpenMs: w.nextOpenMs };
        }
      }
      const n = await findNumber(tx, input.campaignId, input.position, { forUpdate: true });
      if (!n) return { kind: 'stop', reason: 'number_missing' };
      if (!['pending', 'retry'].includes(n.status)) {
        await dropWaiter(tx, ticketOf);
        return { kind: 'stop', reason: `number_${n.status}` };
      }
      // SPEC §4.5: the number stays pending (or retry) while it waits for a slot; the attempt row is
      // written, and the number becomes in-progress, only once the gate grants one.
      if (!acct) return { kind: 'stop', reason: 'account_missing' };
      const slot = await acquireDialSlot(tx, {
        accountSid: c.accountSid,
        campaignId: c.id,
        position: input.position,
        attemptNumber: input.attemptNumber,
        retryDueAtMs: input.attemptNumber > 1 ? (n.nextAttemptAt?.getTime() ?? input.nowMs) : null,
        callsPerMinute: acct.callsPerMinute,
        channels: acct.channels,
        campaignThrottle: c.mode === 'custom' ? c.throttle : null,
        leaseLimitMs: leaseLimitMs(acct.ringTimeoutS, acct.callTimeLimitS),
        nowMs: input.nowMs,
      });
      if (slot.kind === 'wait')
        return { kind: 'wait', retryInMs: slot.retryInMs, ...(slot.wakes && { wakes: slot.wakes }) };
      const callSid = newSid();
      const token = attemptToken(input.attemptNumber, randomBytes(16).toString('hex'));
      await insertAttempt(tx, {
        callSid,
        campaignId: input.campaignId,
        position: input.position,
        attemptNumber: input.attemptNumber,
        number: n.number,
        callerId: c.callerId,
        token,
        now,
        firstAttemptAt: n.firstAttemptAt,
      });
      return {
        kind: 'dial',
        callSid,
        token,
        settleTimeoutMs,
        ringTimeoutMs,
        ...(slot.wake && { wake: slot.wake }),
        ...(slot.wakes && { wakes: slot.wakes }),
      };
    });
  };
}
