/** Inputs and outputs of the attempt activities (SPEC §7), shared with the workflows as types. */
import type { Db } from '../../db/client';
import type { AttemptNext } from '../../domain/attempt-next';
import type { CallOutcome } from '../../domain/call-outcome';
import type { CarrierFactory } from '../carriers/carrier';
import type { WebhookEventsOutput } from '../campaign-store';
import type { GateWake } from '../dial-gate';

export type { AttemptNext, CallOutcome, GateWake };

export interface AttemptDeps {
  db: Db;
  carriers: CarrierFactory;
  publicUrl: string;
}

export interface BeginAttemptInput {
  campaignId: string;
  position: number;
  attemptNumber: number;
  nowMs: number;
  /**
   * Issue 10 (waiting costs nothing): spend short waits for a slot inside the activity, and answer a
   * long one with how long to sleep (to the computed turn, or until woken), not half of it.
   */
  waitInActivity?: boolean;
  /**
   * Issue 15 (SPEC §4.4 ext): apply the calling window in the recipient's zone when the account sets
   * `recipient_local_time` (number workflows from before `15-recipient-window` use the account's).
   */
  recipientWindow?: boolean;
}
export type BeginAttemptOutput =
  /**
   * The attempt row is committed and holds a channel: dial now (the dial waits for its send instant),
   * and wake `wake`, the number whose turn comes next (SPEC §4.5), and `wakes`, numbers ahead of this
   * one in its campaign's order that were granted slots in its place.
   */
  | {
      kind: 'dial';
      callSid: string;
      token: string;
      settleTimeoutMs: number;
      /** The account's `ring_timeout_s` (SPEC §7: a missing callback is looked up from then + 1 min). */
      ringTimeoutMs?: number;
      wake?: GateWake;
      wakes?: GateWake[];
    }
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
   * caller-id refusal on `CALLER_ID_REFUSAL_LIMIT` dials in a row), is the reason the numbers fail with;
   * for a number the carrier calls invalid (SPEC §7), `invalid_number`, which is never retried.
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
  | { kind: 'withdrawn' }
  /**
   * SPEC §7: the request provably never left, or the carrier said it created no call. Not a call: the
   * attempt is withdrawn like an unsent one (its channel free at once) and begins again after a
   * back-off (`retryAfterMs` when the carrier said when), consuming no retry.
   */
  | { kind: 'not_sent'; cause: string; retryAfterMs: number | null };

export interface LookupAttemptInput {
  callSid: string;
  nowMs: number;
}
/**
 * `final`: the carrier's outcome (settle with it); `live`: the call holds its channel; `not_found`:
 * the carrier does not know the call (its channel is free); `error`: the carrier did not answer.
 * `wake`: the waiting number the freed channel went to.
 */
export type LookupAttemptOutput =
  | { kind: 'final'; outcome: CallOutcome; wake?: GateWake }
  | { kind: 'live' }
  | { kind: 'not_found'; wake?: GateWake }
  | { kind: 'error'; message: string };

export interface SettleAttemptInput {
  callSid: string;
  outcome: CallOutcome;
  /**
   * The retry rules' answer (SPEC §4.3, from the workflow): wait `retryDelayMs` before the next
   * attempt, or null when the number is final after this attempt.
   */
  retryDelayMs: number | null;
  /** 0..60 s from the workflow's deterministic random source, for a retry moved to the next window. */
  jitterMs: number;
  nowMs: number;
  /** As `BeginAttemptInput.recipientWindow`: a retry is deferred to the recipient's window. */
  recipientWindow?: boolean;
}

export interface SettleAttemptOutput extends WebhookEventsOutput {
  next: AttemptNext;
  /** SPEC §4.5: the channel this attempt held went to this waiting number; wake it. */
  wake?: GateWake;
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
