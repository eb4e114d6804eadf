/**
 * SPEC §4.1/§4.2/§4.4/§4.5/§7: an attempt begins — the campaign's state, the calling window and the
 * do-not-call list are checked again, the account's dial gate grants a slot, then the attempt row is
 * committed (before any dial).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/client';
import { findAccount, findAttempt, findNumber, insertAttempt, shareCampaign } from '../../db/queries/attempts';
import { windowSettingsOf } from '../../db/queries/accounts';
import { failWaitingNumber, isOnDncList } from '../../db/queries/dnc';
import { REASONS } from '../../domain/attempt-status';
import { callingWindow, windowState } from '../../domain/calling-window';
import { NO_WINDOW_REASON, recipientWindow } from '../../domain/recipient-window';
import { carrierConnection, effectiveCallsPerMinute } from '../../domain/carrier-pacing';
import { attemptToken, newSid } from '../../domain/ids';
import { leaseLimitMs } from '../../domain/throttle';
import type { ChannelWakeups } from '../channel-wakeups';
import { acquireDialSlot, type GateWake } from '../dial-gate';
import { dropWaiter } from '../dial-release';
import type { BeginAttemptInput, BeginAttemptOutput } from './types';

/** Campaign statuses in which a new attempt may start. */
const DIALLABLE = new Set(['InProgress']);

/** SPEC §7: settle by lookup once `ring_timeout_s + call_time_limit_s + 2 minutes` pass without a callback. */
export const SETTLE_GRACE_MS = 120_000;

/**
 * Issue 10 (waiting costs nothing): a wait at the gate shorter than what is left of this is spent
 * inside the activity, asking again when woken (NOTIFY) or when due; the workflow sees none of it.
 * Well inside the activity's 30 s start-to-close timeout.
 */
export const IN_ACTIVITY_WAIT_MS = 20_000;

/**
 * Commits the attempt row (with its callback token) and marks the number `in-progress`, unless the
 * campaign no longer dials. Idempotent: a retry returns the row the first run wrote. With
 * `waitInActivity`, short waits for a slot are spent here; a long one comes back as a sleep.
 */
export function beginAttempt(db: Db, wakeups: ChannelWakeups) {
  return async (input: BeginAttemptInput): Promise<BeginAttemptOutput> => {
    const startedMs = Date.now();
    const wakes = new Map<string, GateWake>();
    for (;;) {
      const elapsedMs = Date.now() - startedMs;
      const leftMs = IN_ACTIVITY_WAIT_MS - elapsedMs;
      // "Now" is the workflow's, moved on by the time spent here (SPEC §4.4: time-skipping tests see it).
      const out = await beginOnce(
        db,
        { ...input, nowMs: input.nowMs + elapsedMs },
        input.waitInActivity ? leftMs : undefined,
      );
      if (out.kind === 'wait' || out.kind === 'dial')
        for (const w of out.wakes ?? []) wakes.set(`${w.campaignId}/${w.position}`, w);
      if (out.kind !== 'wait' || !input.waitInActivity || out.long) return withWakes(out, [...wakes.values()]);
      const askInMs = await wakeups.waitForTurn(input.campaignId, input.position, out.retryInMs);
      if (askInMs) await new Promise((resolve) => setTimeout(resolve, Math.min(askInMs, Math.max(0, leftMs))));
    }
  };
}

/** The numbers this request's slots were handed to, over every ask it made (the workflow signals them). */
function withWakes(out: BeginAttemptOutput, wakes: GateWake[]): BeginAttemptOutput {
  if (out.kind !== 'wait' && out.kind !== 'dial') return out;
  const { wakes: _own, long: _long, ...rest } = out as typeof out & { long?: true };
  return wakes.length > 0 ? { ...rest, wakes } : rest;
}

/** One ask: the campaign's checks, the gate, and the attempt row when granted. */
async function beginOnce(
  db: Db,
  input: BeginAttemptInput,
  sleepIfLongerThanMs: number | undefined,
): Promise<BeginAttemptOutput & { long?: true }> {
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
    // SPEC §4.4 (ext): with `recipient_local_time` the window is the recipient's, checked below.
    const recipientLocal = acct !== undefined && acct.recipientLocalTime && input.recipientWindow === true;
    if (acct && !recipientLocal) {
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
    // SPEC §4.2: a number put on the do-not-call list while its campaign runs is never dialled
    // again: `failed`, reason `dnc`, before it asks the gate (so it holds no slot and no channel).
    if (await isOnDncList(tx, c.accountSid, n.number)) {
      await dropWaiter(tx, ticketOf);
      await failWaitingNumber(tx, input.campaignId, input.position, REASONS.dnc, now);
      return { kind: 'stop', reason: 'number_dnc' };
    }
    if (!acct) return { kind: 'stop', reason: 'account_missing' };
    if (recipientLocal) {
      // SPEC §4.4 (ext): the window in the recipient's own zone(s); none at all ends the number.
      const w = recipientWindow(windowSettingsOf(acct), n.number, n.vars, input.nowMs);
      if (w.kind === 'none') {
        await dropWaiter(tx, ticketOf);
        await failWaitingNumber(tx, input.campaignId, input.position, NO_WINDOW_REASON, now);
        return { kind: 'stop', reason: `number_${NO_WINDOW_REASON}` };
      }
      const state = windowState(w.window, input.nowMs);
      if (!state.open) {
        await dropWaiter(tx, ticketOf);
        return { kind: 'window', nextOpenMs: state.nextOpenMs };
      }
    }
    // SPEC §4.5: the number stays pending (or retry) while it waits for a slot; the attempt row is
    // written, and the number becomes in-progress, only once the gate grants one.
    const slot = await acquireDialSlot(tx, {
      accountSid: c.accountSid,
      campaignId: c.id,
      position: input.position,
      attemptNumber: input.attemptNumber,
      retryDueAtMs: input.attemptNumber > 1 ? (n.nextAttemptAt?.getTime() ?? input.nowMs) : null,
      // SPEC §4.5 (ext): no faster than the carrier connection's ceiling either.
      callsPerMinute: effectiveCallsPerMinute(acct.callsPerMinute, carrierConnection(acct.carrier, acct.sid)),
      channels: acct.channels,
      campaignThrottle: c.mode === 'custom' ? c.throttle : null,
      leaseLimitMs: leaseLimitMs(acct.ringTimeoutS, acct.callTimeLimitS),
      nowMs: input.nowMs,
      ...(sleepIfLongerThanMs !== undefined && { sleepIfLongerThanMs }),
    });
    if (slot.kind === 'wait')
      return {
        kind: 'wait',
        retryInMs: slot.retryInMs,
        ...(slot.wakes && { wakes: slot.wakes }),
        ...(slot.long && { long: true as const }),
      };
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
}
