/**
 * One attempt's life in the read model and at the carrier (SPEC §7 "at most once per attempt, and
 * every attempt is settled"): begin (attempt row committed before any dial), dial (idempotent per
 * attempt), look up (when the callback never came), settle (attempt, number and webhook events in
 * one transaction).
 */
import { randomBytes } from 'node:crypto';
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { DbOrTx } from '../db/client';
import { accounts, attempts, campaignNumbers, campaigns, dialWaiters } from '../db/schema';
import { attemptToken, newSid } from '../domain/ids';
import { CALLER_ID_REFUSAL_LIMIT, REASONS, type AttemptStatus } from '../domain/attempt-status';
import { callSchedulePayload, callStatusPayload } from '../domain/webhook-payloads';
import { callingWindow, deferToWindow, windowState, type CallingWindow } from '../domain/calling-window';
import { leaseLimitMs } from '../domain/throttle';
import type { CarrierFactory, CallOutcome } from './carriers/carrier';
import { simulatorGreetingFlowUrl } from '../simulator/contract';
import { emitWebhook, eventId } from '../db/queries/webhooks';
import type { WebhookEventsOutput } from './campaign-store';
import { acquireDialSlot, dropWaiter, releaseDialSlot, returnLease, waiterId, type GateWake } from './dial-gate';
import { createChannelWakeups } from './channel-wakeups';
import { reserveSendSlot, waitForSendInstant } from './send-spacer';

export interface AttemptDeps {
  db: Db;
  carriers: CarrierFactory;
  publicUrl: string;
}

/** Campaign statuses in which a new attempt may start. */
const DIALLABLE = new Set(['InProgress']);

/** The longest a dial waits for its spacer instant inside the activity (its timeout is 60 s). */
const MAX_SEND_WAIT_MS = 20_000;
/**
 * A staged dial (SPEC §4.5: granted, waiting for a channel) that has not sent this long after its
 * grant is withdrawn and asks the gate again; with `MAX_SEND_WAIT_MS` it stays inside the timeout.
 */
const MAX_STAGE_MS = 20_000;
/** A staged dial looks again this often even when no release wakes it. */
const CHANNEL_POLL_MS = 1_000;

/** SPEC §7: settle by lookup once `ring_timeout_s + call_time_limit_s + 2 minutes` pass without a callback. */
export const SETTLE_GRACE_MS = 120_000;

export interface BeginAttemptInput {
  campaignId: string;
  position: number;
  attemptNumber: number;
  nowMs: number;
}
export type BeginAttemptOutput =
  /**
   * The attempt row is committed and holds a channel: dial now (the dial waits for its send instant),
   * and wake `wake`, the number whose turn comes next (SPEC §4.5), and `wakes`, numbers ahead of this
   * one in its campaign's order that were granted slots in its place.
   */
  | { kind: 'dial'; callSid: string; token: string; settleTimeoutMs: number; wake?: GateWake; wakes?: GateWake[] }
  /**
   * SPEC §4.5: the account's dial gate has no slot (rate, channels, turn) yet; ask again after the
   * wait. A slot it asked for may have gone to numbers ahead of it in order: wake `wakes`.
   */
  | { kind: 'wait'; retryInMs: number; wakes?: GateWake[] }
  /** The campaign is paused: the number hands itself back to the campaign, which restarts it on resume. */
  | { kind: 'hold' }
  /** The calling window is closed at the workflow's `now`: wait for `nextOpenMs` (null: no calling day). */
  | { kind: 'window'; nextOpenMs: number | null }
  /** The campaign no longer dials (ending, ended, deleted) or the number is already final. */
  | { kind: 'stop'; reason: string };

export interface DialAttemptInput {
  callSid: string;
}
export type DialAttemptOutput =
  | { kind: 'accepted'; carrierSid: string }
  /**
   * `reason`, when the refusal is about the campaign rather than the number (SPEC §4.1: the same
   * caller-id refusal on `CALLER_ID_REFUSAL_LIMIT` dials in a row), is the reason the numbers fail with.
   */
  | { kind: 'refused'; httpStatus: number; message: string; accountLevel: boolean; reason?: string }
  /** A dial was started before (a crash mid-request): never dialled again; settle by callback or lookup. */
  | { kind: 'ambiguous' }
  /** SPEC §4.5 (ext): the carrier rate-limited the request (no call); dial again after the wait. */
  | { kind: 'wait'; retryInMs: number }
  /**
   * Not sent, and the attempt is undone (row deleted, number back to `pending`/`retry`, lease back to a
   * waiter): the campaign stopped dialling, or no channel came free in time. Begin the attempt again.
   */
  | { kind: 'withdrawn' };

export interface LookupAttemptInput {
  callSid: string;
  nowMs: number;
}
export type LookupAttemptOutput = { kind: 'final'; outcome: AttemptOutcome } | { kind: 'live' } | { kind: 'not_found' };

/** The settled outcome of one attempt, as stored and reported. Times are epoch milliseconds. */
export interface AttemptOutcome {
  status: AttemptStatus;
  reason: string | null;
  carrierSid: string | null;
  startTimeMs: number | null;
  endTimeMs: number | null;
  duration: number;
  digits: string | null;
  recordingUrl: string | null;
}

export interface SettleAttemptInput {
  callSid: string;
  outcome: AttemptOutcome;
  /**
   * The retry rules' answer (SPEC §4.3, from the workflow): wait `retryDelayMs` before the next
   * attempt, or null when the number is final after this attempt.
   */
  retryDelayMs: number | null;
  /** 0..60 s from the workflow's deterministic random source, for a retry moved to the next window. */
  jitterMs: number;
  nowMs: number;
}

/** What follows a settled attempt: a retry at `atMs` (window-deferred), or the number's final status. */
export type AttemptNext = { kind: 'retry'; atMs: number } | { kind: 'final'; numberStatus: 'completed' | 'failed' };

export interface SettleAttemptOutput extends WebhookEventsOutput {
  next: AttemptNext;
  /** SPEC §4.5: the channel this attempt held went to this waiting number; wake it. */
  wake?: GateWake;
}

export function outcomeFromCarrier(o: CallOutcome): AttemptOutcome {
  return {
    status: o.status,
    reason: null,
    carrierSid: o.carrierSid,
    startTimeMs: o.startTime ? o.startTime.getTime() : null,
    endTimeMs: o.endTime ? o.endTime.getTime() : null,
    duration: o.duration,
    digits: o.digits,
    recordingUrl: o.recordingUrl,
  };
}

function customFieldText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export type RecordCallOutcomeResult =
  | { kind: 'unknown_token' }
  /** The attempt is settled already (its number moved on): nothing to tell. */
  | { kind: 'settled' }
  /**
   * The outcome is recorded (now, or by an earlier delivery of the same callback) and the number
   * workflow still has to settle the number: tell it. `wake`: a waiting number to wake for the freed lease.
   */
  | { kind: 'recorded'; callSid: string; campaignId: string; position: number; wake?: GateWake };

/**
 * SPEC §4.5, §7: the carrier's callback records the attempt's final status, and the call stops
 * holding its channel, in one transaction, the moment the callback arrives (the API calls this). The
 * number workflow, told by a signal, then settles the number (retry, final status, webhooks) with
 * `settleAttempt`, which takes this recorded outcome. A callback that arrives after the attempt was
 * settled by a lookup changes nothing.
 */
export async function recordCallOutcome(
  db: Db,
  input: { token: string; outcome: CallOutcome; nowMs: number },
): Promise<RecordCallOutcomeResult> {
  const outcome = outcomeFromCarrier(input.outcome);
  return db.transaction(async (tx) => {
    const [a] = await tx.select().from(attempts).where(eq(attempts.token, input.token)).for('update');
    if (!a) return { kind: 'unknown_token' };
    const recorded = { kind: 'recorded', callSid: a.callSid, campaignId: a.campaignId, position: a.position } as const;
    if (a.status !== null) return (await numberAwaitsSettle(tx, a)) ? recorded : { kind: 'settled' };
    const [acct] = await tx
      .select({
        sid: accounts.sid,
        channels: accounts.channels,
        ringTimeoutS: accounts.ringTimeoutS,
        callTimeLimitS: accounts.callTimeLimitS,
      })
      .from(campaigns)
      .innerJoin(accounts, eq(accounts.sid, campaigns.accountSid))
      .where(eq(campaigns.id, a.campaignId));
    await tx
      .update(attempts)
      .set(outcomeColumns(a.carrierSid, outcome, new Date(input.nowMs)))
      .where(eq(attempts.callSid, a.callSid));
    const wake = acct
      ? await releaseDialSlot(tx, {
          accountSid: acct.sid,
          id: waiterId(a.campaignId, a.position, a.attemptNumber),
          nowMs: input.nowMs,
          channels: acct.channels,
          leaseLimitMs: leaseLimitMs(acct.ringTimeoutS, acct.callTimeLimitS),
        })
      : null;
    return { ...recorded, ...(wake && { wake }) };
  });
}

/** The attempt's outcome as stored on its row (`settled_at`: when its final status was recorded). */
function outcomeColumns(carrierSid: string | null, o: AttemptOutcome, settledAt: Date) {
  return {
    status: o.status,
    reason: o.reason,
    carrierSid: carrierSid ?? o.carrierSid,
    startTime: o.startTimeMs !== null ? new Date(o.startTimeMs) : null,
    endTime: o.endTimeMs !== null ? new Date(o.endTimeMs) : null,
    duration: o.duration,
    digits: o.digits,
    recordingUrl: o.recordingUrl,
    settledAt,
  };
}

/** The outcome recorded on an attempt row (which has one). */
function storedOutcome(a: typeof attempts.$inferSelect): AttemptOutcome {
  return {
    status: a.status as AttemptStatus,
    reason: a.reason,
    carrierSid: a.carrierSid,
    startTimeMs: a.startTime ? a.startTime.getTime() : null,
    endTimeMs: a.endTime ? a.endTime.getTime() : null,
    duration: a.duration ?? 0,
    digits: a.digits,
    recordingUrl: a.recordingUrl,
  };
}

/**
 * Whether an attempt with a recorded outcome still waits for its number to be settled: the number is
 * `in-progress` at this attempt until `settleAttempt` moves it on (a drain never finalises an
 * `in-progress` number).
 */
async function numberAwaitsSettle(
  tx: DbOrTx,
  a: { campaignId: string; position: number; attemptNumber: number },
): Promise<boolean> {
  const [n] = await tx
    .select({ status: campaignNumbers.status, attempts: campaignNumbers.attempts })
    .from(campaignNumbers)
    .where(and(eq(campaignNumbers.campaignId, a.campaignId), eq(campaignNumbers.position, a.position)));
  return n !== undefined && awaitsSettle(n, a.attemptNumber);
}

function awaitsSettle(n: { status: string; attempts: number }, attemptNumber: number): boolean {
  return n.status === 'in-progress' && n.attempts === attemptNumber;
}

export function createAttemptActivities(deps: AttemptDeps) {
  const { db } = deps;
  const statusCallbackUrl = (token: string) =>
    `${deps.publicUrl.replace(/\/$/, '')}/carriers/exotel/status?token=${token}`;
  const wakeups = createChannelWakeups(db.$client, (err) => {
    try {
      log.warn('Cannot listen for freed channels; staged dials poll instead', { error: String(err) });
    } catch {
      // outside an activity's context there is no logger to tell; polling goes on regardless
    }
  });

  /**
   * Undoes an attempt that was never sent (SPEC §4.5 "attempts skipped before dialling don't count"):
   * deletes its row, puts the number back as it was before the attempt began (`pending`, or `retry`
   * at its place among retries), and turns the lease back into a waiter. False when the attempt was
   * claimed for dialling meanwhile (it must then be settled, never undone).
   */
  async function withdrawAttempt(callSid: string): Promise<boolean> {
    return db.transaction(async (tx) => {
      const [a] = await tx.select().from(attempts).where(eq(attempts.callSid, callSid)).for('update');
      if (!a) return true;
      if (a.dialStartedAt || a.carrierSid || a.status !== null) return false;
      const [c] = await tx
        .select({ accountSid: campaigns.accountSid })
        .from(campaigns)
        .where(eq(campaigns.id, a.campaignId));
      const leaseId = waiterId(a.campaignId, a.position, a.attemptNumber);
      const [lease] = await tx
        .select({ orderAt: dialWaiters.orderAt })
        .from(dialWaiters)
        .where(eq(dialWaiters.id, leaseId));
      await tx.delete(attempts).where(eq(attempts.callSid, callSid));
      const [before] = await tx
        .select({
          first: sql<Date | null>`min(${attempts.dateCreated})`.mapWith(attempts.dateCreated),
          last: sql<Date | null>`max(${attempts.dateCreated})`.mapWith(attempts.dateCreated),
        })
        .from(attempts)
        .where(and(eq(attempts.campaignId, a.campaignId), eq(attempts.position, a.position)));
      const isRetry = a.attemptNumber > 1;
      await tx
        .update(campaignNumbers)
        .set({
          status: isRetry ? 'retry' : 'pending',
          attempts: a.attemptNumber - 1,
          nextAttemptAt: isRetry ? (lease?.orderAt ?? a.dateCreated) : null,
          firstAttemptAt: before?.first ?? null,
          lastAttemptAt: before?.last ?? null,
          dateUpdated: new Date(),
        })
        .where(
          and(
            eq(campaignNumbers.campaignId, a.campaignId),
            eq(campaignNumbers.position, a.position),
            eq(campaignNumbers.status, 'in-progress'),
          ),
        );
      if (c) await returnLease(tx, { accountSid: c.accountSid, id: leaseId });
      return true;
    });
  }

  async function attemptContext(callSid: string) {
    const rows = await db
      .select({ a: attempts, c: campaigns, acct: accounts })
      .from(attempts)
      .innerJoin(campaigns, eq(campaigns.id, attempts.campaignId))
      .innerJoin(accounts, eq(accounts.sid, campaigns.accountSid))
      .where(eq(attempts.callSid, callSid));
    const row = rows[0];
    if (!row) throw ApplicationFailure.nonRetryable(`attempt ${callSid} does not exist`, 'AttemptNotFound');
    return row;
  }

  /** Any answer but a caller-id refusal ends a run of them (one indexed read when there is none). */
  async function resetCallerIdRefusals(campaignId: string): Promise<void> {
    await db
      .update(campaigns)
      .set({ callerIdRefusals: 0 })
      .where(and(eq(campaigns.id, campaignId), gt(campaigns.callerIdRefusals, 0)));
  }

  return {
    /**
     * Commits the attempt row (with its callback token) and marks the number `in-progress`, unless
     * the campaign no longer dials. Idempotent: a retry returns the row the first run wrote.
     */
    async beginAttempt(input: BeginAttemptInput): Promise<BeginAttemptOutput> {
      const now = new Date(input.nowMs);
      return db.transaction(async (tx) => {
        const [c] = await tx.select().from(campaigns).where(eq(campaigns.id, input.campaignId)).for('share');
        if (!c) return { kind: 'stop', reason: 'campaign_missing' };
        const [acct] = await tx.select().from(accounts).where(eq(accounts.sid, c.accountSid));
        const settleTimeoutMs = ((acct?.ringTimeoutS ?? 30) + (acct?.callTimeLimitS ?? 3600)) * 1000 + SETTLE_GRACE_MS;
        const [existing] = await tx
          .select()
          .from(attempts)
          .where(
            and(
              eq(attempts.campaignId, input.campaignId),
              eq(attempts.position, input.position),
              eq(attempts.attemptNumber, input.attemptNumber),
            ),
          );
        if (existing) return { kind: 'dial', callSid: existing.callSid, token: existing.token, settleTimeoutMs };
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
        const [n] = await tx
          .select()
          .from(campaignNumbers)
          .where(and(eq(campaignNumbers.campaignId, input.campaignId), eq(campaignNumbers.position, input.position)))
          .for('update');
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
        await tx.insert(attempts).values({
          callSid,
          campaignId: input.campaignId,
          position: input.position,
          attemptNumber: input.attemptNumber,
          number: n.number,
          callerId: c.callerId,
          token,
          dateCreated: now,
        });
        await tx
          .update(campaignNumbers)
          .set({
            status: 'in-progress',
            attempts: input.attemptNumber,
            nextAttemptAt: null,
            firstAttemptAt: n.firstAttemptAt ?? now,
            lastAttemptAt: now,
            dateUpdated: now,
          })
          .where(and(eq(campaignNumbers.campaignId, input.campaignId), eq(campaignNumbers.position, input.position)));
        return {
          kind: 'dial',
          callSid,
          token,
          settleTimeoutMs,
          ...(slot.wake && { wake: slot.wake }),
          ...(slot.wakes && { wakes: slot.wakes }),
        };
      });
    },

    /**
     * Sends the dial request at most once per attempt: `dial_started_at` is committed before the
     * carrier is called, so a retry after a crash (or an error with no answer) never dials again.
     * The claim takes the next instant of the account's (and a custom campaign's) send spacer
     * (SPEC §4.5); the request leaves at that instant.
     */
    async dialAttempt(input: DialAttemptInput): Promise<DialAttemptOutput> {
      const ctx = await attemptContext(input.callSid).catch((err: unknown) => {
        // Only a withdrawal deletes an attempt row: an earlier run of this activity withdrew it.
        if (err instanceof ApplicationFailure && err.type === 'AttemptNotFound') return null;
        throw err;
      });
      if (!ctx) return { kind: 'withdrawn' };
      const { a, c, acct } = ctx;
      if (a.carrierSid) return { kind: 'accepted', carrierSid: a.carrierSid };
      if (a.dialStartedAt) return { kind: 'ambiguous' };
      const leaseId = waiterId(a.campaignId, a.position, a.attemptNumber);
      let send;
      for (;;) {
        send = await reserveSendSlot(db, {
          callSid: a.callSid,
          accountSid: acct.sid,
          callsPerMinute: acct.callsPerMinute,
          campaignId: c.id,
          campaignThrottle: c.mode === 'custom' ? c.throttle : null,
          channels: acct.channels,
          leaseId,
          leaseLimitMs: leaseLimitMs(acct.ringTimeoutS, acct.callTimeLimitS),
        });
        if (send.kind === 'claimed' || send.kind === 'taken') break;
        // SPEC §4.1/§4.4: a dial not sent when its campaign stops dialling, or staged so long that its
        // begin-time checks (window, turn) are stale, goes back to the gate unsent.
        if (send.kind === 'not_dialable' || send.stagedMs > MAX_STAGE_MS) {
          return (await withdrawAttempt(a.callSid)) ? { kind: 'withdrawn' } : { kind: 'ambiguous' };
        }
        await wakeups.wait(acct.sid, send.grantedAtMs ?? 0, CHANNEL_POLL_MS);
      }
      if (send.kind === 'taken') return { kind: 'ambiguous' };
      if (send.freeChannels > 0) wakeups.passOn(acct.sid);
      // The instant the request leaves (this host's clock): it replaces the reserved one, so
      // dial_started_at says when the dial was really sent (SPEC §4.5 counts that moment).
      const sentAt = new Date(await waitForSendInstant(db, send));
      const carrier = deps.carriers(acct.carrier, acct.sid);
      const isGreeting = c.readViaText !== null;
      let result;
      try {
        result = await carrier.placeCall({
          to: a.number,
          callerId: a.callerId,
          url: isGreeting ? simulatorGreetingFlowUrl(deps.publicUrl) : (c.url ?? ''),
          customField: isGreeting ? a.token : customFieldText(c.customField),
          ringTimeoutS: acct.ringTimeoutS,
          callTimeLimitS: acct.callTimeLimitS,
          statusCallbackUrl: statusCallbackUrl(a.token),
        });
      } catch {
        // No answer from the carrier: a call may or may not exist. Never dial again; the callback
        // (it carries our token) or a lookup by number and time window settles it.
        return { kind: 'ambiguous' };
      }
      if (result.kind === 'accepted') {
        await db
          .update(attempts)
          .set({ carrierSid: result.carrierSid, dialStartedAt: sentAt })
          .where(eq(attempts.callSid, a.callSid));
        await resetCallerIdRefusals(c.id);
        return { kind: 'accepted', carrierSid: result.carrierSid };
      }
      if (result.kind === 'rate_limited') {
        // No call was made: release the claim; the number dials again after the carrier's delay,
        // through the spacer again (the refused request counted as a dial), keeping its channel.
        await db.update(attempts).set({ dialStartedAt: null }).where(eq(attempts.callSid, a.callSid));
        return { kind: 'wait', retryInMs: Math.max(1000, result.retryAfterMs) };
      }
      await db.update(attempts).set({ dialStartedAt: sentAt }).where(eq(attempts.callSid, a.callSid));
      const refused = {
        kind: 'refused',
        httpStatus: result.httpStatus,
        message: result.message,
        accountLevel: result.accountLevel,
      } as const;
      if (!result.callerIdRefused) {
        await resetCallerIdRefusals(c.id);
        return refused;
      }
      // SPEC §4.1: the same caller-id refusal on 20 dials in a row stops the campaign at once.
      const [row] = await db
        .update(campaigns)
        .set({ callerIdRefusals: sql`${campaigns.callerIdRefusals} + 1` })
        .where(eq(campaigns.id, c.id))
        .returning({ n: campaigns.callerIdRefusals });
      return (row?.n ?? 0) >= CALLER_ID_REFUSAL_LIMIT
        ? { ...refused, accountLevel: true, reason: REASONS.callerIdRefused }
        : refused;
    },

    /** Asks the carrier what became of an attempt whose callback never came (SPEC §7). */
    async lookupAttempt(input: LookupAttemptInput): Promise<LookupAttemptOutput> {
      const { a, acct } = await attemptContext(input.callSid);
      if (!a.dialStartedAt && !a.carrierSid) return { kind: 'not_found' };
      const carrier = deps.carriers(acct.carrier, acct.sid);
      const after = new Date((a.dialStartedAt ?? a.dateCreated).getTime() - 60_000);
      const r = await carrier.lookupCall({
        carrierSid: a.carrierSid,
        to: a.number,
        after,
        before: new Date(Math.max(input.nowMs, Date.now()) + 60_000),
        token: a.token,
      });
      if (r.kind === 'final') return { kind: 'final', outcome: outcomeFromCarrier(r.outcome) };
      return { kind: r.kind };
    },

    /**
     * Records the attempt's outcome, the number's new status and the webhook events in one
     * transaction (SPEC §4.9). Idempotent: a settled attempt is never changed again.
     */
    async settleAttempt(input: SettleAttemptInput): Promise<SettleAttemptOutput> {
      const now = new Date(input.nowMs);
      return db.transaction(async (tx) => {
        const [a] = await tx.select().from(attempts).where(eq(attempts.callSid, input.callSid)).for('update');
        if (!a) throw ApplicationFailure.nonRetryable(`attempt ${input.callSid} does not exist`, 'AttemptNotFound');
        const [c] = await tx.select().from(campaigns).where(eq(campaigns.id, a.campaignId)).for('share');
        const [acct] = await tx.select().from(accounts).where(eq(accounts.sid, c!.accountSid));
        const tz = acct!.timezone;
        const statusId = eventId(a.callSid, 'call_status');
        const scheduleId = eventId(a.campaignId, String(a.position), 'call_schedule');
        const numberWhere = and(eq(campaignNumbers.campaignId, a.campaignId), eq(campaignNumbers.position, a.position));
        // The carrier's callback may have recorded the outcome already (recordCallOutcome): then that
        // outcome, not the one passed in (a lookup racing the callback), settles the number.
        const [n] = a.status !== null ? await tx.select().from(campaignNumbers).where(numberWhere) : [];
        const recordedFirst = n !== undefined && awaitsSettle(n, a.attemptNumber);
        if (a.status !== null && !recordedFirst) {
          // Settled by an earlier run of this activity: report the same decision and events again.
          const next: AttemptNext =
            n?.status === 'retry' && n.nextAttemptAt
              ? { kind: 'retry', atMs: n.nextAttemptAt.getTime() }
              : { kind: 'final', numberStatus: n?.status === 'completed' ? 'completed' : 'failed' };
          const ids = [
            c!.callStatusCallback ? statusId : null,
            next.kind === 'final' && c!.callScheduleCallback ? scheduleId : null,
          ];
          return { next, deliveryIds: ids.filter((x): x is string => x !== null) };
        }
        const o = recordedFirst ? storedOutcome(a) : input.outcome;
        const next = decideNext({
          outcome: o.status,
          retryDelayMs: input.retryDelayMs,
          jitterMs: input.jitterMs,
          nowMs: input.nowMs,
          draining: c!.closing !== null || (c!.status !== 'InProgress' && c!.status !== 'Paused'),
          endAtMs: c!.endAt ? c!.endAt.getTime() : null,
          window: callingWindow(acct!.callingWindow, acct!.timezone, acct!.callingDays),
        });
        if (!recordedFirst)
          await tx
            .update(attempts)
            .set(outcomeColumns(a.carrierSid, o, now))
            .where(eq(attempts.callSid, a.callSid));
        await tx
          .update(campaignNumbers)
          .set({
            status: next.kind === 'retry' ? 'retry' : next.numberStatus,
            reason: next.kind === 'final' && next.numberStatus === 'failed' ? o.reason : null,
            lastStatus: o.status,
            lastDuration: o.duration,
            nextAttemptAt: next.kind === 'retry' ? new Date(next.atMs) : null,
            dateUpdated: now,
          })
          .where(numberWhere);
        // SPEC §4.5: the call stops holding its channel in the transaction that records its final status.
        const wake = await releaseDialSlot(tx, {
          accountSid: c!.accountSid,
          id: waiterId(a.campaignId, a.position, a.attemptNumber),
          nowMs: input.nowMs,
          channels: acct!.channels,
          leaseLimitMs: leaseLimitMs(acct!.ringTimeoutS, acct!.callTimeLimitS),
        });
        const deliveryIds: string[] = [];
        const sent = await emitWebhook(tx, {
          id: statusId,
          accountSid: c!.accountSid,
          campaignId: a.campaignId,
          kind: 'call_status',
          url: c!.callStatusCallback,
          payload: callStatusPayload(
            {
              campaignSid: a.campaignId,
              callSid: a.callSid,
              number: a.number,
              callerId: a.callerId,
              status: o.status,
              reason: o.reason,
              attemptNumber: a.attemptNumber,
              duration: o.duration,
              recordingUrl: o.recordingUrl,
              customField: c!.customField,
              dateCreated: a.dateCreated,
              dateUpdated: now,
            },
            tz,
          ),
        });
        if (sent) deliveryIds.push(sent);
        if (next.kind === 'final') {
          const all = await tx
            .select({ callSid: attempts.callSid, dateCreated: attempts.dateCreated })
            .from(attempts)
            .where(and(eq(attempts.campaignId, a.campaignId), eq(attempts.position, a.position)))
            .orderBy(asc(attempts.attemptNumber));
          const scheduled = await emitWebhook(tx, {
            id: scheduleId,
            accountSid: c!.accountSid,
            campaignId: a.campaignId,
            kind: 'call_schedule',
            url: c!.callScheduleCallback,
            payload: callSchedulePayload(
              {
                campaignSid: a.campaignId,
                number: a.number,
                callerId: a.callerId,
                callSids: all.map((x) => x.callSid),
                status: next.numberStatus,
                attempts: all.length,
                dateCreated: all[0]?.dateCreated ?? a.dateCreated,
                dateUpdated: now,
              },
              tz,
            ),
          });
          if (scheduled) deliveryIds.push(scheduled);
        }
        return { next, deliveryIds, ...(wake && { wake }) };
      });
    },
  };
}

/**
 * SPEC §4.2/§4.3 after an attempt settles: during a drain the outcome is final (no retry); else a
 * retry is due `retryDelayMs` after now, moved to the next window opening (+ jitter) when it falls
 * outside the calling window, and the number is `failed` at once when that is at or after `end_at`.
 */
export function decideNext(x: {
  outcome: AttemptStatus;
  retryDelayMs: number | null;
  jitterMs: number;
  nowMs: number;
  draining: boolean;
  endAtMs: number | null;
  window: CallingWindow;
}): AttemptNext {
  const final: AttemptNext = { kind: 'final', numberStatus: x.outcome === 'completed' ? 'completed' : 'failed' };
  if (x.outcome === 'completed' || x.retryDelayMs === null || x.draining) return final;
  const atMs = deferToWindow(x.window, x.nowMs + x.retryDelayMs, x.jitterMs);
  if (atMs === null || (x.endAtMs !== null && atMs >= x.endAtMs)) return final;
  return { kind: 'retry', atMs };
}
