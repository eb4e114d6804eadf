/**
 * Signals, queries and updates of the campaign and number workflows, with their argument types
 * (STYLE G6). Wire names are the bare verbs, identical to the REST `action` values, so
 * `temporal workflow signal --workflow-id campaign/<id> --name pause` does what the API does.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AttemptStatus } from '../domain/attempt-status';
import type { CallOutcome } from '../domain/call-outcome';
import type { CampaignPatch } from '../domain/campaign-patch';

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const completeSignal = defineSignal('complete');

/** A number workflow tells its campaign it is final (sent to the campaign's workflow id, no run id). */
export interface NumberFinishedInput {
  position: number;
  /**
   * Set when the number stopped because the campaign is paused: the attempt it was about to make.
   * The number then records it on its row (`markNumberHeld`) and the campaign claims the row and
   * restarts the number from that attempt on resume.
   */
  heldAtAttempt?: number;
}
export const numberFinishedSignal = defineSignal<[NumberFinishedInput]>('numberFinished');

/**
 * Issue 10: a number done dialling that still delivers its webhook events (a receiver that is down
 * can take hours) gives its dialling slot back; it reports `numberFinished` once they are delivered.
 */
export interface NumberDeliveringInput {
  position: number;
}
export const numberDeliveringSignal = defineSignal<[NumberDeliveringInput]>('numberDelivering');

/**
 * A number goes to sleep until its retry is due (`numberSleeping`) and wakes for it (`numberAwake`):
 * a sleeping number gives its dialling slot back, so first attempts keep flowing (workflows/number-window.ts).
 */
export interface NumberSleepingInput {
  position: number;
  /** When the retry is due (epoch ms, workflow time). */
  untilMs: number;
}
export const numberSleepingSignal = defineSignal<[NumberSleepingInput]>('numberSleeping');
export interface NumberAwakeInput {
  position: number;
}
export const numberAwakeSignal = defineSignal<[NumberAwakeInput]>('numberAwake');

/**
 * The carrier's final status for one attempt, relayed by the API from the carrier's callback after
 * recording it (signals recorded before the outcome type was unified carry `startTime`/`endTime`;
 * only `token` and `status` steer the workflow).
 */
export type CallStatusInput = Omit<CallOutcome, 'reason'> & { token: string };
export const callStatusSignal = defineSignal<[CallStatusInput]>('callStatus');

/**
 * SPEC §4.5 baton passing: a number just granted a dial slot (or whose call freed a channel) wakes the
 * number whose turn comes next, so it asks the dial gate in `askInMs` instead of after its estimate.
 */
export interface GateWakeInput {
  askInMs: number;
}
export const gateWakeSignal = defineSignal<[GateWakeInput]>('gateWake');

export interface CampaignStatusOutput {
  campaignId: string;
  status: string;
  live: number;
  started: number;
  finished: number;
  cursor: number;
  exhausted: boolean;
  /** Numbers sleeping until a retry is due (they hold no slot). */
  sleeping: number;
  /** Numbers awake for a retry (counted in `live`). */
  retrying: number;
  /** Numbers a pause handed back, not yet restarted. */
  held: number;
  /** Numbers done dialling that still deliver their webhook events (they hold no slot). */
  delivering?: number;
}
export const campaignStatusQuery = defineQuery<CampaignStatusOutput>('status');

export interface NumberStatusOutput {
  position: number;
  number: string;
  attempt: number;
  phase: 'waiting' | 'dialling' | 'awaiting_outcome' | 'retry_wait' | 'webhooks' | 'done';
  lastStatus: AttemptStatus | null;
}
export const numberStatusQuery = defineQuery<NumberStatusOutput>('status');

/**
 * SPEC §4.1 "Who decides": every PUT action, field update and DELETE is a Temporal Update on the
 * campaign workflow. Its validator runs the domain state machine and rejects (→ 409) before anything
 * is written; its handler applies the patch and the action in one read-model transaction.
 */
export interface ControlInput {
  action: 'pause' | 'resume' | 'complete' | 'delete' | null;
  /** Wire names of the fields this request really changes (a value equal to the stored one is no change). */
  changedFields: string[];
  patch: CampaignPatch;
}
export interface ControlOutput {
  status: string;
  /** True while a drain is under way (SPEC §4.1 `"closing": true`). */
  closing: boolean;
}
/** The failure `type` of a rejected control update; `details[0]` is a `ControlConflict`. */
export const CONTROL_CONFLICT = 'CampaignConflict';
export interface ControlConflict {
  status: string;
  description: string;
  /** The actions allowed in `status`. */
  allowed: string[];
  /** The field that may not change now, when that is the conflict. */
  field?: string;
}
export const controlUpdate = defineUpdate<ControlOutput, [ControlInput]>('control');

/** An account-level carrier error reported by a number (SPEC §4.1 `Failed`): stops the campaign at once. */
export interface AccountFailureInput {
  reason: string;
}
export const accountFailureSignal = defineSignal<[AccountFailureInput]>('accountFailure');
