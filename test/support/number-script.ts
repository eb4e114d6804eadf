/**
 * The number workflow on the time-skipping server with scripted fake activities (STYLE G14): the
 * carrier's callback is a real signal, lookups and dials answer as the script says.
 */
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { AttemptStatus } from '../../domain/attempt-status';
import type { RetryPolicy } from '../../domain/retry-schedule';
import { callStatusSignal } from '../../workflows/definitions';
import type { Activities } from '../../workflows/options';
import { numberWorkflow, type NumberWorkflowInput } from '../../workflows/number';
import type { SettleAttemptInput } from '../../activities/attempts';
import { withWorkers } from './workflow-env';

export interface Script {
  /** Outcome of each attempt in order; the carrier "calls back" with it right after the dial. */
  outcomes: AttemptStatus[];
  /** Attempts whose callback never comes; the lookup then answers with the outcome. */
  silent?: number[];
  /** Attempts the carrier refuses (HTTP 4xx). */
  refused?: number[];
  /** Attempts whose first dial is withdrawn unsent (SPEC §4.5 staged dial: campaign paused, no channel in time). */
  withdrawn?: number[];
  /** Attempts whose first `n` dial requests never left (SPEC §7: refused connection), by attempt. */
  notSent?: Record<number, number>;
  /** Attempts whose dial request may have left with no answer (SPEC §7 ambiguous); no callback comes. */
  ambiguous?: number[];
  /** Each webhook delivery takes this long (real time: the server does not skip while it runs). */
  webhookTakesMs?: number;
  /** What the carrier's lookups of an attempt see, in order; after the list, the call's final outcome. */
  lookupsSee?: Record<number, Array<'live' | 'not_found' | 'error'>>;
}

export interface Recorded {
  begins: Array<{ attempt: number; nowMs: number }>;
  dials: string[];
  settles: SettleAttemptInput[];
  /** Each lookup: the attempt and the workflow's clock when it asked. */
  lookups: Array<{ attempt: number; nowMs: number }>;
  delivered: string[];
  finishedSignalled: boolean;
}

/** Fake activities that play a scripted carrier: the callback is a real signal to the workflow. */
export function scriptedActivities(env: TestWorkflowEnvironment, script: Script, rec: Recorded): Partial<Activities> {
  const tokenOf = (attempt: number) => `${attempt}_${'a'.repeat(32)}`;
  const sidOf = (attempt: number) => `call${attempt}`.padEnd(32, '0');
  return {
    async beginAttempt(input) {
      rec.begins.push({ attempt: input.attemptNumber, nowMs: input.nowMs });
      return {
        kind: 'dial',
        callSid: sidOf(input.attemptNumber),
        token: tokenOf(input.attemptNumber),
        settleTimeoutMs: 3_720_000,
        ringTimeoutMs: RING_MS,
      };
    },
    async dialAttempt(input) {
      const attempt = Number(input.callSid.slice(4, 5));
      rec.dials.push(input.callSid);
      if (script.withdrawn?.includes(attempt) && rec.dials.filter((d) => d === input.callSid).length === 1)
        return { kind: 'withdrawn' };
      if (rec.dials.filter((d) => d === input.callSid).length <= (script.notSent?.[attempt] ?? 0))
        return { kind: 'not_sent', cause: 'ECONNREFUSED connect', retryAfterMs: null };
      if (script.ambiguous?.includes(attempt)) return { kind: 'ambiguous' };
      if (script.refused?.includes(attempt))
        return { kind: 'refused', httpStatus: 400, message: 'bad number', accountLevel: false };
      if (!script.silent?.includes(attempt)) {
        const wfId = Context.current().info.workflowExecution!.workflowId; // always set for workflow activities
        await env.client.workflow.getHandle(wfId).signal(callStatusSignal, {
          token: tokenOf(attempt),
          carrierSid: `carrier-${attempt}`,
          status: script.outcomes[attempt - 1]!,
          startTimeMs: null,
          endTimeMs: null,
          duration: 0,
          digits: null,
          recordingUrl: null,
        });
      }
      return { kind: 'accepted', carrierSid: `carrier-${attempt}` };
    },
    async lookupAttempt(input) {
      const attempt = Number(input.callSid.slice(4, 5));
      const seen = script.lookupsSee?.[attempt]?.[rec.lookups.filter((l) => l.attempt === attempt).length];
      rec.lookups.push({ attempt, nowMs: input.nowMs });
      // A call the carrier does not know stops holding its channel: the waiter it went to is woken.
      if (seen === 'not_found')
        return { kind: 'not_found', wake: { campaignId: 'w'.repeat(32), position: 9, askInMs: 0 } };
      if (seen === 'error') return { kind: 'error', message: 'carrier unreachable' };
      if (seen === 'live') return { kind: 'live' };
      const status = script.outcomes[attempt - 1]!;
      return {
        kind: 'final',
        outcome: {
          status,
          reason: null,
          carrierSid: `carrier-${attempt}`,
          startTimeMs: null,
          endTimeMs: null,
          duration: 0,
          digits: null,
          recordingUrl: null,
        },
      };
    },
    async settleAttempt(input) {
      rec.settles.push(input);
      // The read model's answer when the window is always open and there is no end_at.
      const next =
        input.retryDelayMs === null
          ? {
              kind: 'final' as const,
              numberStatus: input.outcome.status === 'completed' ? ('completed' as const) : ('failed' as const),
            }
          : { kind: 'retry' as const, atMs: input.nowMs + input.retryDelayMs };
      return { next, deliveryIds: [`${input.callSid}-event`] };
    },
    async deliverWebhook(input) {
      if (script.webhookTakesMs) await new Promise((r) => setTimeout(r, script.webhookTakesMs));
      rec.delivered.push(input.deliveryId);
      return { status: 'delivered' as const, httpStatus: 200 };
    },
    async abandonWebhook() {},
  };
}

export async function runNumber(env: TestWorkflowEnvironment, retries: RetryPolicy, script: Script) {
  const rec: Recorded = { begins: [], dials: [], settles: [], lookups: [], delivered: [], finishedSignalled: false };
  const taskQueue = `tq-${Math.random().toString(16).slice(2)}`;
  const workflowId = `campaign/test/number/${Math.random().toString(16).slice(2)}`;
  const input: NumberWorkflowInput = {
    campaignId: 'c'.repeat(32),
    position: 0,
    number: '+919876543210',
    retries,
    parentWorkflowId: 'no-such-parent',
  };
  const result = await withWorkers(env, taskQueue, scriptedActivities(env, script, rec), async () => {
    const handle = await env.client.workflow.start(numberWorkflow, { taskQueue, workflowId, args: [input] });
    const out = await handle.result();
    const history = await handle.fetchHistory();
    const timers = (history.events ?? [])
      .filter((e) => e.timerStartedEventAttributes)
      .map((e) => {
        // To the second: the timer is set a few milliseconds after the outcome was known.
        const d = e.timerStartedEventAttributes!.startToFireTimeout!;
        return Math.round(Number(d.seconds) + Number(d.nanos ?? 0) / 1e9);
      });
    // Waiting for the callback starts a timer of ring + 1 minute (then cancelled when the callback
    // comes), the lookups' waits follow it, and a number done dialling waits up to 10 s for its
    // events. Every other timer is a retry's or a back-off's.
    const waits = history.events ?? [];
    const signalled = waits
      .map((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId)
      .filter((x): x is string => typeof x === 'string');
    const signalNames = waits
      .map((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName)
      .filter((x): x is string => typeof x === 'string');
    return {
      out,
      timers:
        script.silent || script.ambiguous ? [] : timers.filter((t) => t !== CALLBACK_WAIT_S && t !== DELIVERY_GRACE_S),
      signalled,
      signalNames,
    };
  });
  return { ...result, rec };
}

export const RING_MS = 30_000;
const CALLBACK_WAIT_S = 90;
/** A number done dialling waits this long for its events before it gives its slot back. */
const DELIVERY_GRACE_S = 10;

export const policy = (p: Partial<RetryPolicy>): RetryPolicy => ({
  numberOfRetries: 3,
  intervalMins: 10,
  mechanism: 'Linear',
  onStatus: ['busy', 'no-answer', 'failed'],
  ...p,
});
