/**
 * SPEC §4.2/§4.3/§4.9: an attempt settles — its outcome, its number's new status, the channel's release
 * and the webhook events in one transaction. Idempotent: a settled attempt is never changed again.
 */
import type { Db, DbOrTx } from '../../db/client';
import {
  attemptsOfNumber,
  findAccount,
  findNumber,
  lockAttempt,
  outcomeOfRow,
  recordOutcome,
  shareCampaign,
  updateNumberAfterAttempt,
  type AccountRowForAttempt,
  type AttemptRow,
  type CampaignRowForAttempt,
} from '../../db/queries/attempts';
import { emitWebhook, eventId } from '../../db/queries/webhooks';
import { awaitsSettle, decideNext, nextOfSettledNumber, type AttemptNext } from '../../domain/attempt-next';
import type { CallOutcome } from '../../domain/call-outcome';
import { callingWindow, type CallingWindow } from '../../domain/calling-window';
import { recipientWindow } from '../../domain/recipient-window';
import { windowSettingsOf } from '../../db/queries/accounts';
import { callSchedulePayload, callStatusPayload } from '../../domain/webhook-payloads';
import { releaseChannel } from './channel';
import { attemptNotFound } from './not-found';
import type { SettleAttemptInput, SettleAttemptOutput } from './types';

interface Settling {
  a: AttemptRow;
  c: CampaignRowForAttempt;
  acct: AccountRowForAttempt;
  now: Date;
}

const statusEventId = (a: AttemptRow) => eventId(a.callSid, 'call_status');
const scheduleEventId = (a: AttemptRow) => eventId(a.campaignId, String(a.position), 'call_schedule');

/** SPEC §6.1 `call_status_callback` of the attempt. */
function emitCallStatus(tx: DbOrTx, { a, c, acct, now }: Settling, o: CallOutcome): Promise<string | null> {
  return emitWebhook(tx, {
    id: statusEventId(a),
    accountSid: c.accountSid,
    campaignId: a.campaignId,
    kind: 'call_status',
    url: c.callStatusCallback,
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
        customField: c.customField,
        // SPEC §4.10: the moment the dial request left (every settled attempt may have been sent).
        dateCreated: a.sentAt ?? a.dateCreated,
        dateUpdated: now,
      },
      acct.timezone,
    ),
  });
}

/** SPEC §6.1 `call_schedule_callback` of a number that became final. */
async function emitCallSchedule(
  tx: DbOrTx,
  { a, c, acct, now }: Settling,
  numberStatus: string,
): Promise<string | null> {
  const all = await attemptsOfNumber(tx, a.campaignId, a.position);
  return emitWebhook(tx, {
    id: scheduleEventId(a),
    accountSid: c.accountSid,
    campaignId: a.campaignId,
    kind: 'call_schedule',
    url: c.callScheduleCallback,
    payload: callSchedulePayload(
      {
        campaignSid: a.campaignId,
        number: a.number,
        callerId: a.callerId,
        callSids: all.map((x) => x.callSid),
        status: numberStatus,
        attempts: all.length,
        dateCreated: all[0]?.sentAt ?? all[0]?.dateCreated ?? a.dateCreated,
        dateUpdated: now,
      },
      acct.timezone,
    ),
  });
}

/**
 * SPEC §4.3/§4.4: the window a retry is deferred to: the recipient's when the account sets
 * `recipient_local_time` (issue 15), else the account's. A recipient without any window gets the
 * account's here; the begin of its next attempt ends it `no_window`.
 */
function retryWindow(
  acct: AccountRowForAttempt,
  n: { number: string; vars: Record<string, string> | null } | undefined,
  input: SettleAttemptInput,
): CallingWindow {
  const account = callingWindow(acct.callingWindow, acct.timezone, acct.callingDays);
  if (!n || !acct.recipientLocalTime || input.recipientWindow !== true) return account;
  const w = recipientWindow(windowSettingsOf(acct), n.number, n.vars, input.nowMs);
  return w.kind === 'window' ? w.window : account;
}

/** Settled by an earlier run of this activity: the same decision and events again. */
function settledBefore(c: CampaignRowForAttempt, a: AttemptRow, next: AttemptNext): SettleAttemptOutput {
  const ids = [
    c.callStatusCallback ? statusEventId(a) : null,
    next.kind === 'final' && c.callScheduleCallback ? scheduleEventId(a) : null,
  ];
  return { next, deliveryIds: ids.filter((x): x is string => x !== null) };
}

/**
 * SPEC §4.1: a drain ended the campaign while this attempt's fate was still unknown (its call was not
 * live, so the drain did not wait for it) and made its number final. The attempt still settles: its
 * call-details record and its `call_status_callback` report the outcome; the number stays as it is.
 */
async function settleAfterDrain(
  tx: DbOrTx,
  s: Settling,
  input: SettleAttemptInput,
  next: AttemptNext,
): Promise<SettleAttemptOutput> {
  await recordOutcome(tx, s.a, input.outcome, s.now);
  const wake = await releaseChannel(tx, { ...s.acct, sid: s.c.accountSid }, s.a, input.nowMs);
  const id = await emitCallStatus(tx, s, input.outcome);
  return { next, deliveryIds: id ? [id] : [], ...(wake && { wake }) };
}

export function settleAttempt(db: Db) {
  return async (input: SettleAttemptInput): Promise<SettleAttemptOutput> => {
    const now = new Date(input.nowMs);
    return db.transaction(async (tx) => {
      const a = await lockAttempt(tx, input.callSid);
      if (!a) throw attemptNotFound(input.callSid);
      const c = await shareCampaign(tx, a.campaignId);
      const acct = c && (await findAccount(tx, c.accountSid));
      if (!c || !acct) throw attemptNotFound(input.callSid);
      // The carrier's callback may have recorded the outcome already (recordCallOutcome): then that
      // outcome, not the one passed in (a lookup racing the callback), settles the number.
      const n = await findNumber(tx, a.campaignId, a.position);
      const numberWaits = n !== undefined && awaitsSettle(n, a.attemptNumber);
      const recordedFirst = a.status !== null && numberWaits;
      if (a.status !== null && !recordedFirst) return settledBefore(c, a, nextOfSettledNumber(n));
      if (!numberWaits) return settleAfterDrain(tx, { a, c, acct, now }, input, nextOfSettledNumber(n));
      const o = recordedFirst ? outcomeOfRow(a) : input.outcome;
      const next = decideNext({
        outcome: o.status,
        reason: o.reason,
        retryDelayMs: input.retryDelayMs,
        jitterMs: input.jitterMs,
        nowMs: input.nowMs,
        draining: c.closing !== null || (c.status !== 'InProgress' && c.status !== 'Paused'),
        endAtMs: c.endAt ? c.endAt.getTime() : null,
        window: retryWindow(acct, n, input),
      });
      if (!recordedFirst) await recordOutcome(tx, a, o, now);
      await updateNumberAfterAttempt(
        tx,
        a,
        {
          status: next.kind === 'retry' ? 'retry' : next.numberStatus,
          reason: next.kind === 'final' && next.numberStatus === 'failed' ? o.reason : null,
          lastStatus: o.status,
          lastDuration: o.duration,
          nextAttemptAt: next.kind === 'retry' ? new Date(next.atMs) : null,
        },
        now,
      );
      // SPEC §4.5: the call stops holding its channel in the transaction that records its final status.
      const wake = await releaseChannel(tx, { ...acct, sid: c.accountSid }, a, input.nowMs);
      const s: Settling = { a, c, acct, now };
      const deliveryIds = [await emitCallStatus(tx, s, o)];
      if (next.kind === 'final') deliveryIds.push(await emitCallSchedule(tx, s, next.numberStatus));
      return {
        next,
        deliveryIds: deliveryIds.filter((x): x is string => x !== null),
        ...(wake && { wake }),
      };
    });
  };
}
