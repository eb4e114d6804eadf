/**
 * SPEC §4.2, §4.3, §7: one number of a campaign, from its first attempt to its final status.
 * Each attempt: begin (row committed) → dial (at most once) → wait for the carrier's callback
 * (or look the call up when it never comes) → settle → webhooks → durable retry timer.
 */
import { condition, getExternalWorkflowHandle, log, setHandler, sleep } from '@temporalio/workflow';
import type { AttemptStatus } from '../domain/attempt-status';
import { afterAttempt, type RetryPolicy } from '../domain/retry-schedule';
import type { AttemptOutcome } from '../activities/attempts';
import {
  callStatusSignal,
  numberFinishedSignal,
  numberStatusQuery,
  type CallStatusInput,
  type NumberStatusOutput,
} from './definitions';
import { deliverInOrder, store } from './options';

export interface NumberWorkflowInput {
  campaignId: string;
  position: number;
  /** E.164; numbers arrive normalised so the workflow bundle never loads phone metadata. */
  number: string;
  retries: RetryPolicy;
  /** The campaign workflow's id, signalled (without run id) when this number is final. */
  parentWorkflowId: string;
}

export interface NumberWorkflowOutput {
  attempts: number;
  lastStatus: AttemptStatus | null;
  skipped: string | null;
}

/** SPEC §7: after the settle timeout, look the call up every 5 minutes for an hour. */
const LOOKUP_EVERY_MS = 5 * 60_000;
const LOOKUPS = 12;

export async function numberWorkflow(input: NumberWorkflowInput): Promise<NumberWorkflowOutput> {
  const callbacks = new Map<string, CallStatusInput>();
  const state: NumberStatusOutput = { position: input.position, number: input.number, attempt: 0, phase: 'waiting', lastStatus: null };
  setHandler(callStatusSignal, (s) => void callbacks.set(s.token, s));
  setHandler(numberStatusQuery, () => state);

  let webhookChain: Promise<void> = Promise.resolve();
  let skipped: string | null = null;

  for (let attempt = 1; ; attempt++) {
    state.attempt = attempt;
    state.phase = 'dialling';
    const begun = await store.beginAttempt({ campaignId: input.campaignId, position: input.position, attemptNumber: attempt, nowMs: Date.now() });
    if (begun.kind === 'skip') {
      skipped = begun.reason;
      state.attempt = attempt - 1;
      break;
    }
    const dial = await store.dialAttempt({ callSid: begun.callSid });
    let outcome: AttemptOutcome;
    if (dial.kind === 'refused') {
      outcome = refusedOutcome();
    } else {
      state.phase = 'awaiting_outcome';
      outcome = await awaitOutcome(begun.callSid, begun.token, begun.settleTimeoutMs, callbacks);
    }
    state.lastStatus = outcome.status;
    const next = afterAttempt(input.retries, attempt, outcome.status);
    const settled = await store.settleAttempt({
      callSid: begun.callSid,
      outcome,
      next: next.kind === 'retry' ? { kind: 'retry', nextAttemptAtMs: Date.now() + next.delayMs } : next,
      nowMs: Date.now(),
    });
    // Events of one number are delivered in order, without holding up the next attempt.
    webhookChain = webhookChain.then(() => deliverInOrder(settled.deliveryIds));
    if (next.kind === 'final') break;
    state.phase = 'retry_wait';
    await sleep(next.delayMs);
  }

  state.phase = 'webhooks';
  await webhookChain;
  state.phase = 'done';
  try {
    await getExternalWorkflowHandle(input.parentWorkflowId).signal(numberFinishedSignal, { position: input.position });
  } catch (err) {
    log.warn('Campaign workflow not reachable to report a final number', { position: input.position, error: String(err) });
  }
  return { attempts: state.attempt, lastStatus: state.lastStatus, skipped };
}

function refusedOutcome(): AttemptOutcome {
  return { status: 'failed', reason: 'carrier_refused', carrierSid: null, startTimeMs: null, endTimeMs: null, duration: 0, digits: null, recordingUrl: null };
}

function fromCallback(s: CallStatusInput): AttemptOutcome {
  return {
    status: s.status,
    reason: null,
    carrierSid: s.carrierSid,
    startTimeMs: s.startTime,
    endTimeMs: s.endTime,
    duration: s.duration,
    digits: s.digits,
    recordingUrl: s.recordingUrl,
  };
}

/**
 * Waits for the carrier's callback; when none arrives within the settle timeout, asks the carrier
 * every 5 minutes for an hour, then gives up as `failed` / `dial_unknown` (SPEC §7).
 */
async function awaitOutcome(
  callSid: string,
  token: string,
  settleTimeoutMs: number,
  callbacks: Map<string, CallStatusInput>,
): Promise<AttemptOutcome> {
  if (await condition(() => callbacks.has(token), settleTimeoutMs)) return fromCallback(callbacks.get(token)!);
  for (let i = 0; i < LOOKUPS; i++) {
    // A carrier that rejects the lookup outright (non-retryable) is treated as "not found yet".
    const found = await store.lookupAttempt({ callSid, nowMs: Date.now() }).catch(() => ({ kind: 'not_found' as const }));
    if (found.kind === 'final') return found.outcome;
    if (await condition(() => callbacks.has(token), LOOKUP_EVERY_MS)) return fromCallback(callbacks.get(token)!);
  }
  return { ...refusedOutcome(), reason: 'dial_unknown' };
}
