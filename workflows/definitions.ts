/**
 * Signals, queries and updates of the campaign and number workflows, with their argument types
 * (STYLE G6). Wire names are the bare verbs, identical to the REST `action` values, so
 * `temporal workflow signal --workflow-id campaign/<id> --name pause` does what the API does.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AttemptStatus } from '../domain/attempt-status';

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const completeSignal = defineSignal('complete');

/** A number workflow tells its campaign it is final (sent to the campaign's workflow id, no run id). */
export interface NumberFinishedInput {
  position: number;
}
export const numberFinishedSignal = defineSignal<[NumberFinishedInput]>('numberFinished');

/** The carrier's final status for one attempt, relayed by the API from the carrier's callback. */
export interface CallStatusInput {
  token: string;
  carrierSid: string;
  status: AttemptStatus;
  /** Epoch milliseconds, or null when the carrier did not say. */
  startTime: number | null;
  endTime: number | null;
  duration: number;
  digits: string | null;
  recordingUrl: string | null;
}
export const callStatusSignal = defineSignal<[CallStatusInput]>('callStatus');

export interface CampaignStatusOutput {
  campaignId: string;
  status: string;
  live: number;
  started: number;
  finished: number;
  cursor: number;
  exhausted: boolean;
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
