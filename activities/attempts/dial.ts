/**
 * SPEC §4.5/§7: the dial request, at most once per attempt. `dial_started_at` is committed before the
 * carrier is called, so a retry after a crash (or an error with no answer) never dials again. The
 * claim takes the next instant of the account's (and a custom campaign's) send spacer; the request
 * leaves at that instant.
 */
import { log } from '@temporalio/activity';
import {
  attemptContext,
  countCallerIdRefusal,
  markAccepted,
  markDialled,
  markMaybeSent,
  markSending,
  releaseClaim,
  resetCallerIdRefusals,
} from '../../db/queries/attempts';
import { isOnDncList } from '../../db/queries/dnc';
import { CALLER_ID_REFUSAL_LIMIT, REASONS } from '../../domain/attempt-status';
import { CARRIER_BACKOFF_DEFAULT_MS, carrierConnection } from '../../domain/carrier-pacing';
import { leaseLimitMs } from '../../domain/throttle';
import { simulatorGreetingFlowUrl } from '../../simulator/contract';
import type { PlaceCallResult } from '../carriers/carrier';
import type { ChannelWakeups } from '../channel-wakeups';
import {
  backOffConnection,
  connectionBackedOffMs,
  reserveSendSlot,
  waitForSendInstant,
  type ReserveSendSlotOutput,
} from '../send-spacer';
import { leaseOf } from './channel';
import type { AttemptDeps, DialAttemptInput, DialAttemptOutput } from './types';
import { withdrawAttempt } from './withdraw';

/** A staged dial (SPEC §4.5: granted, waiting for a channel) not sent this long after its grant is withdrawn. */
const MAX_STAGE_MS = 20_000;
/** A staged dial looks again this often even when no release wakes it. */
const CHANNEL_POLL_MS = 1_000;

function customFieldText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

type AttemptContext = NonNullable<Awaited<ReturnType<typeof attemptContext>>>;
type Claimed = Extract<ReserveSendSlotOutput, { kind: 'claimed' }>;

/**
 * Waits at the spacer until the attempt is claimed for sending (a channel free for it, its instant
 * reserved), or is not to be sent: `withdrawn` (undone) or `ambiguous` (claimed before).
 */
async function claimSend(
  deps: AttemptDeps,
  wakeups: ChannelWakeups,
  { a, c, acct }: AttemptContext,
): Promise<Claimed | DialAttemptOutput> {
  for (;;) {
    const send = await reserveSendSlot(deps.db, {
      callSid: a.callSid,
      accountSid: acct.sid,
      callsPerMinute: acct.callsPerMinute,
      campaignId: c.id,
      campaignThrottle: c.mode === 'custom' ? c.throttle : null,
      channels: acct.channels,
      leaseId: leaseOf(a),
      leaseLimitMs: leaseLimitMs(acct.ringTimeoutS, acct.callTimeLimitS),
      carrier: carrierConnection(acct.carrier, acct.sid),
    });
    if (send.kind === 'claimed') return send;
    if (send.kind === 'taken') return { kind: 'ambiguous' };
    // SPEC §4.5 (ext): the carrier connection is backed off: nothing was claimed; the dial keeps its
    // grant and asks again when the connection is due (the workflow sleeps, no retry consumed).
    if (send.kind === 'carrier_busy') return { kind: 'wait', retryInMs: send.retryInMs };
    // SPEC §4.1/§4.4: a dial not sent when its campaign stops dialling, or staged so long that its
    // begin-time checks (window, turn) are stale, goes back to the gate unsent.
    if (send.kind === 'not_dialable' || send.stagedMs > MAX_STAGE_MS) {
      return (await withdrawAttempt(deps.db, a.callSid)) ? { kind: 'withdrawn' } : { kind: 'ambiguous' };
    }
    await wakeups.wait(acct.sid, send.grantedAtMs ?? 0, CHANNEL_POLL_MS);
  }
}

export function dialAttempt(deps: AttemptDeps, wakeups: ChannelWakeups) {
  const { db } = deps;
  const statusCallbackUrl = (token: string) =>
    `${deps.publicUrl.replace(/\/$/, '')}/carriers/exotel/status?token=${token}`;

  return async (input: DialAttemptInput): Promise<DialAttemptOutput> => {
    const ctx = await attemptContext(db, input.callSid);
    // Only a withdrawal deletes an attempt row: an earlier run of this activity withdrew it.
    if (!ctx) return { kind: 'withdrawn' };
    const { a, c, acct } = ctx;
    if (a.carrierSid) return { kind: 'accepted', carrierSid: a.carrierSid };
    if (a.dialStartedAt) return claimedBefore(deps, a.callSid);
    const send = await claimSend(deps, wakeups, ctx);
    if (send.kind === 'ambiguous') return claimedBefore(deps, a.callSid);
    if (send.kind !== 'claimed') return send;
    if (send.freeChannels > 0) wakeups.passOn(acct.sid);
    // SPEC §4.2: listed do-not-call while the dial was staged: undone unsent (its channel free at
    // once); the attempt begins again and the begin's check ends the number `failed`, reason `dnc`.
    if (await isOnDncList(db, acct.sid, a.number))
      return (await withdrawAttempt(db, a.callSid, 'before-sending'))
        ? { kind: 'withdrawn' }
        : ambiguousClaim(deps, a.callSid);
    // The instant the request leaves (this host's clock): it replaces the reserved one, so
    // dial_started_at says when the dial was really sent (SPEC §4.5 counts that moment).
    const sentAt = new Date(await waitForSendInstant(db, send));
    // SPEC §4.5 (ext): booked before its connection was told to slow down: not sent, asked again after.
    const backedOffMs = await connectionBackedOffMs(db, carrierConnection(acct.carrier, acct.sid));
    if (backedOffMs > 0) {
      await releaseClaim(db, a.callSid);
      return { kind: 'wait', retryInMs: backedOffMs };
    }
    // Another run of this activity took over meanwhile (this one timed out): only one may send.
    if (!(await markSending(db, a.callSid))) return ambiguousClaim(deps, a.callSid);
    const carrier = deps.carriers(acct.carrier, acct.sid);
    const isGreeting = c.readViaText !== null;
    const result = await carrier
      .placeCall({
        to: a.number,
        callerId: a.callerId,
        url: isGreeting ? simulatorGreetingFlowUrl(deps.publicUrl) : (c.url ?? ''),
        customField: isGreeting ? a.token : customFieldText(c.customField),
        ringTimeoutS: acct.ringTimeoutS,
        callTimeLimitS: acct.callTimeLimitS,
        statusCallbackUrl: statusCallbackUrl(a.token),
      })
      .catch((err: unknown): PlaceCallResult => ({ kind: 'unknown', cause: `the adapter threw: ${String(err)}` }));
    logClassification(a, result);
    return applyDialResult(deps, ctx, result, sentAt);
  };
}

/**
 * Claimed by an earlier run of this activity that stopped (a crash, a timeout). When it stopped before
 * handing the request over (no `sending_at`), the request never left: undone, to be dialled again.
 */
async function claimedBefore(deps: AttemptDeps, callSid: string): Promise<DialAttemptOutput> {
  if (!(await withdrawAttempt(deps.db, callSid, 'before-sending'))) return ambiguousClaim(deps, callSid);
  const cause = 'claimed by an earlier run that stopped before sending';
  try {
    log.warn('Dial request classified', { callSid, result: 'not_sent', cause });
  } catch {
    // outside an activity's context there is no logger
  }
  return { kind: 'not_sent', cause, retryAfterMs: null };
}

/** Handed over by an earlier run that never said what became of its request: it may have left. */
async function ambiguousClaim(deps: AttemptDeps, callSid: string): Promise<DialAttemptOutput> {
  await markMaybeSent(deps.db, callSid);
  try {
    log.warn('Dial request classified', { callSid, result: 'ambiguous', cause: 'claimed by an earlier run' });
  } catch {
    // outside an activity's context there is no logger
  }
  return { kind: 'ambiguous' };
}

/** SPEC §7: every classification is logged with its cause (the adapters' causes carry no credential). */
function logClassification(a: AttemptContext['a'], r: PlaceCallResult): void {
  const fields = { callSid: a.callSid, campaignId: a.campaignId, position: a.position, attempt: a.attemptNumber };
  try {
    if (r.kind === 'not_sent' || r.kind === 'unknown')
      log.warn('Dial request classified', {
        ...fields,
        result: r.kind === 'unknown' ? 'ambiguous' : r.kind,
        cause: r.cause,
      });
    else if (r.kind === 'refused')
      log.info('Dial request classified', { ...fields, result: r.kind, httpStatus: r.httpStatus, cause: r.message });
    else if (r.kind === 'rate_limited')
      log.info('Dial request classified', { ...fields, result: r.kind, retryAfterMs: r.retryAfterMs });
    else log.info('Dial request classified', { ...fields, result: r.kind, carrierSid: r.carrierSid });
  } catch {
    // outside an activity's context (unit tests calling the function directly) there is no logger
  }
}

/** Records what the carrier's answer (or its absence) means for the attempt, and says what follows. */
async function applyDialResult(
  deps: AttemptDeps,
  { a, c, acct }: AttemptContext,
  result: PlaceCallResult,
  sentAt: Date,
): Promise<DialAttemptOutput> {
  const { db } = deps;
  switch (result.kind) {
    case 'accepted':
      await markAccepted(db, a.callSid, result.carrierSid, sentAt);
      await resetCallerIdRefusals(db, c.id);
      return { kind: 'accepted', carrierSid: result.carrierSid };
    case 'rate_limited':
      // No call was made: release the claim; the number dials again after the carrier's delay,
      // through the spacer again (the refused request counted as a dial), keeping its channel. The
      // whole connection backs off as long (SPEC §4.5 ext), so other dials on it wait too.
      await backOff(deps, acct, result.retryAfterMs);
      await releaseClaim(db, a.callSid);
      return { kind: 'wait', retryInMs: Math.max(1000, result.retryAfterMs) };
    case 'not_sent':
      // A carrier that said it is unavailable (503) backs its connection off, `Retry-After` honoured.
      if (result.carrierBusy) await backOff(deps, acct, result.retryAfterMs ?? CARRIER_BACKOFF_DEFAULT_MS);
      // Not a call: undone like an unsent dial, so its channel is free at once and no record shows it.
      if (await withdrawAttempt(db, a.callSid, 'proven'))
        return { kind: 'not_sent', cause: result.cause, retryAfterMs: result.retryAfterMs ?? null };
      return { kind: 'ambiguous' };
    case 'unknown':
      // A call may or may not exist. Never dial again; the callback (it carries our token) or a
      // lookup by number and time window settles it.
      await markDialled(db, a.callSid, sentAt);
      return { kind: 'ambiguous' };
    case 'refused':
      return refused(db, a.callSid, c.id, result, sentAt);
  }
}

/** SPEC §4.5 (ext): backs the account's carrier connection off, when it has one (best effort). */
async function backOff(deps: AttemptDeps, acct: AttemptContext['acct'], delayMs: number): Promise<void> {
  await backOffConnection(deps.db, carrierConnection(acct.carrier, acct.sid), delayMs).catch(() => undefined);
}

async function refused(
  db: AttemptDeps['db'],
  callSid: string,
  campaignId: string,
  result: Extract<PlaceCallResult, { kind: 'refused' }>,
  sentAt: Date,
): Promise<DialAttemptOutput> {
  await markDialled(db, callSid, sentAt);
  const out = {
    kind: 'refused',
    httpStatus: result.httpStatus,
    message: result.message,
    accountLevel: result.accountLevel,
  } as const;
  if (!result.callerIdRefused) {
    await resetCallerIdRefusals(db, campaignId);
    // SPEC §7: an invalid or unreachable number fails at once; the settle schedules no retry for it.
    return result.invalidNumber ? { ...out, reason: REASONS.invalidNumber } : out;
  }
  // SPEC §4.1: the same caller-id refusal on 20 dials in a row stops the campaign at once.
  return (await countCallerIdRefusal(db, campaignId)) >= CALLER_ID_REFUSAL_LIMIT
    ? { ...out, accountLevel: true, reason: REASONS.callerIdRefused }
    : out;
}
