import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { AttemptStatus } from '../../domain/attempt-status';
import type { RetryPolicy } from '../../domain/retry-schedule';
import { callStatusSignal, gateWakeSignal } from '../../workflows/definitions';
import type { Activities } from '../../workflows/options';
import { numberWorkflow, type NumberWorkflowInput } from '../../workflows/number';
import type { SettleAttemptInput } from '../../activities/attempts';
import { timeSkippingEnv, withWorkers } from '../support/workflow-env';
import { numberWorkflowId } from '../../domain/ids';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

interface Script {
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
}

interface Recorded {
  begins: Array<{ attempt: number; nowMs: number }>;
  dials: string[];
  settles: SettleAttemptInput[];
  lookups: number;
  delivered: string[];
  finishedSignalled: boolean;
}

/** Fake activities that play a scripted carrier: the callback is a real signal to the workflow. */
function scriptedActivities(env: TestWorkflowEnvironment, script: Script, rec: Recorded): Partial<Activities> {
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
      };
    },
    async dialAttempt(input) {
      const attempt = Number(input.callSid.slice(4, 5));
      rec.dials.push(input.callSid);
      if (script.withdrawn?.includes(attempt) && rec.dials.filter((d) => d === input.callSid).length === 1)
        return { kind: 'withdrawn' };
      if (rec.dials.filter((d) => d === input.callSid).length <= (script.notSent?.[attempt] ?? 0))
        return { kind: 'not_sent', cause: 'ECONNREFUSED connect', retryAfterMs: null };
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
      rec.lookups++;
      const attempt = Number(input.callSid.slice(4, 5));
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
      rec.delivered.push(input.deliveryId);
      return { status: 'delivered' as const, httpStatus: 200 };
    },
    async abandonWebhook() {},
  };
}

async function runNumber(retries: RetryPolicy, script: Script) {
  const rec: Recorded = { begins: [], dials: [], settles: [], lookups: 0, delivered: [], finishedSignalled: false };
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
    // Waiting for the callback starts a timer of the settle timeout (then cancelled when the
    // callback comes); every other timer is a retry's.
    return {
      out,
      timers: timers.filter((t) => t !== SETTLE_S),
      settleTimers: timers.filter((t) => t === SETTLE_S).length,
    };
  });
  return { ...result, rec };
}

const SETTLE_S = 3720;

const policy = (p: Partial<RetryPolicy>): RetryPolicy => ({
  numberOfRetries: 3,
  intervalMins: 10,
  mechanism: 'Linear',
  onStatus: ['busy', 'no-answer', 'failed'],
  ...p,
});

/**
 * Seconds from each settled attempt to the start of the next one, as the workflow's clock saw them
 * (SPEC §4.3 measures a retry's gap from the moment the previous outcome is known; the attempt itself
 * takes real time on a loaded machine, so starts are not exactly an interval apart).
 */
const gaps = (rec: Recorded) => rec.begins.slice(1).map((b, i) => Math.round((b.nowMs - rec.settles[i]!.nowMs) / 1000));

describe('§4.3 retries (time-skipping)', () => {
  it('spaces three Linear retries of a busy number 10, 10 and 10 minutes apart', async () => {
    const { out, timers, rec } = await runNumber(policy({}), { outcomes: ['busy', 'busy', 'busy', 'busy'] });
    expect(out.attempts).toBe(4);
    expect(out.lastStatus).toBe('busy');
    expect(timers).toEqual([600, 600, 600]);
    expect(gaps(rec)).toEqual([600, 600, 600]);
    expect(rec.settles.map((s) => s.retryDelayMs)).toEqual([600_000, 600_000, 600_000, null]);
  });

  it('spaces three Exponential retries 10, 20 and 40 minutes apart (due at +10, +30, +70)', async () => {
    const { timers, rec } = await runNumber(policy({ mechanism: 'Exponential' }), {
      outcomes: ['no-answer', 'no-answer', 'failed', 'busy'],
    });
    expect(timers).toEqual([600, 1200, 2400]);
    const t0 = rec.begins[0]!.nowMs;
    expect(rec.begins.map((b) => Math.round((b.nowMs - t0) / 60_000))).toEqual([0, 10, 30, 70]);
  });

  it('starts each retry exactly the interval after the previous attempt settled, to the second', async () => {
    const { rec } = await runNumber(policy({ numberOfRetries: 2, intervalMins: 1 }), {
      outcomes: ['busy', 'busy', 'busy'],
    });
    expect(rec.settles.map((s) => s.retryDelayMs)).toEqual([60_000, 60_000, null]);
    expect(rec.begins.slice(1).map((b, i) => Math.round((b.nowMs - rec.settles[i]!.nowMs) / 1000))).toEqual([60, 60]);
  });

  it('does not retry an outcome outside on_status', async () => {
    const { out, timers, rec } = await runNumber(policy({ onStatus: ['busy'] }), { outcomes: ['no-answer'] });
    expect(out.attempts).toBe(1);
    expect(timers).toEqual([]);
    expect(rec.settles[0]!.retryDelayMs).toBeNull();
  });

  it('retries a busy number and completes it on its second attempt', async () => {
    const { out, timers, rec } = await runNumber(policy({ numberOfRetries: 2, intervalMins: 5 }), {
      outcomes: ['busy', 'completed'],
    });
    expect(out).toMatchObject({ attempts: 2, lastStatus: 'completed' });
    expect(timers).toEqual([300]);
    expect(rec.settles.map((s) => [s.outcome.status, s.retryDelayMs])).toEqual([
      ['busy', 300_000],
      ['completed', null],
    ]);
    expect(Math.round((rec.begins[1]!.nowMs - rec.settles[0]!.nowMs) / 1000)).toBe(300);
  });

  it('never retries a completed attempt, even with retries left', async () => {
    const { out, timers } = await runNumber(policy({}), { outcomes: ['completed'] });
    expect(out.attempts).toBe(1);
    expect(timers).toEqual([]);
  });

  it('retries a carrier-refused dial as a failed attempt with reason carrier_refused', async () => {
    const { rec } = await runNumber(policy({ numberOfRetries: 1, intervalMins: 1 }), {
      outcomes: ['failed', 'failed'],
      refused: [1, 2],
    });
    expect(rec.settles.map((s) => [s.outcome.status, s.outcome.reason, s.retryDelayMs])).toEqual([
      ['failed', 'carrier_refused', 60_000],
      ['failed', 'carrier_refused', null],
    ]);
  });
});

describe('§7 every attempt is settled', () => {
  it('looks the call up when the callback never comes, after ring + limit + 2 minutes', async () => {
    const { rec, timers, settleTimers } = await runNumber(policy({ numberOfRetries: 0 }), {
      outcomes: ['completed'],
      silent: [1],
    });
    expect(rec.lookups).toBe(1);
    expect(settleTimers).toBe(1);
    expect(timers).toEqual([]);
    expect(rec.settles[0]!.outcome.status).toBe('completed');
  });

  it('begins the same attempt again when its dial was withdrawn unsent, and settles only the dial that was sent', async () => {
    const { out, rec } = await runNumber(policy({ numberOfRetries: 1, intervalMins: 1 }), {
      outcomes: ['busy', 'completed'],
      withdrawn: [1, 2],
    });
    expect(out).toMatchObject({ attempts: 2, lastStatus: 'completed' });
    expect(rec.begins.map((b) => b.attempt)).toEqual([1, 1, 2, 2]);
    expect(rec.settles.map((s) => s.outcome.status)).toEqual(['busy', 'completed']);
  });

  it('dials a request that never left again after 2 s, then 4 s, without consuming a retry', async () => {
    const { out, rec, timers } = await runNumber(policy({ numberOfRetries: 0 }), {
      outcomes: ['completed'],
      notSent: { 1: 2 },
    });
    expect(out).toMatchObject({ attempts: 1, lastStatus: 'completed' });
    expect(rec.begins.map((b) => b.attempt)).toEqual([1, 1, 1]);
    expect(timers).toEqual([2, 4]);
    expect(rec.settles.map((s) => s.outcome.status)).toEqual(['completed']);
  });

  it('wakes the numbers its gate slot was handed to (SPEC §4.5 from order), when told to wait and when granted', async () => {
    // The gate hands number 1's slot to number 0 (ahead of it in order) and tells 1 to wait; on its
    // next ask 1 is granted, and a slot went to number 2's retry ahead of it as well. Each handed-on
    // slot is a wake signal to that number's workflow.
    const campaignId = 'd'.repeat(32);
    const rec: Recorded = { begins: [], dials: [], settles: [], lookups: 0, delivered: [], finishedSignalled: false };
    const scripted = scriptedActivities(env, { outcomes: ['completed'] }, rec);
    let asks = 0;
    const handOn: Partial<Activities> = {
      ...scripted,
      async beginAttempt(i) {
        if (++asks === 1) return { kind: 'wait', retryInMs: 30_000, wakes: [{ campaignId, position: 0, askInMs: 0 }] };
        const begun = await scripted.beginAttempt!(i);
        return { ...begun, wakes: [{ campaignId, position: 2, askInMs: 0 }] };
      },
    };
    const taskQueue = `tq-${Math.random().toString(16).slice(2)}`;
    const input: NumberWorkflowInput = {
      campaignId,
      position: 1,
      number: '+919876543211',
      retries: policy({ numberOfRetries: 0 }),
      parentWorkflowId: 'no-such-parent',
    };
    const signalled = await withWorkers(env, taskQueue, handOn, async () => {
      const handle = await env.client.workflow.start(numberWorkflow, {
        taskQueue,
        workflowId: numberWorkflowId(campaignId, 1),
        args: [input],
      });
      await handle.result();
      const history = await handle.fetchHistory();
      return (history.events ?? [])
        .map((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes)
        .filter((x) => x?.signalName === gateWakeSignal.name)
        .map((x) => x!.workflowExecution!.workflowId);
    });
    expect(signalled).toEqual([numberWorkflowId(campaignId, 0), numberWorkflowId(campaignId, 2)]);
    expect(rec.settles.map((x) => x.outcome.status)).toEqual(['completed']);
  });

  it('delivers each attempt webhook event in order', async () => {
    const { rec } = await runNumber(policy({ numberOfRetries: 1, intervalMins: 1 }), {
      outcomes: ['busy', 'completed'],
    });
    expect(rec.delivered).toEqual(rec.settles.map((s) => `${s.callSid}-event`));
  });
});
