import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { gateWakeSignal } from '../../workflows/definitions';
import type { Activities } from '../../workflows/options';
import { numberWorkflow, type NumberWorkflowInput } from '../../workflows/number';
import { timeSkippingEnv, withWorkers } from '../support/workflow-env';
import { policy, runNumber, scriptedActivities, type Recorded } from '../support/number-script';
import { numberWorkflowId } from '../../domain/ids';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/**
 * Seconds from each settled attempt to the start of the next one, as the workflow's clock saw them
 * (SPEC §4.3 measures a retry's gap from the moment the previous outcome is known; the attempt itself
 * takes real time on a loaded machine, so starts are not exactly an interval apart).
 */
const gaps = (rec: Recorded) => rec.begins.slice(1).map((b, i) => Math.round((b.nowMs - rec.settles[i]!.nowMs) / 1000));

describe('§4.3 retries (time-skipping)', () => {
  it('spaces three Linear retries of a busy number 10, 10 and 10 minutes apart', async () => {
    const { out, timers, rec } = await runNumber(env, policy({}), { outcomes: ['busy', 'busy', 'busy', 'busy'] });
    expect(out.attempts).toBe(4);
    expect(out.lastStatus).toBe('busy');
    expect(timers).toEqual([600, 600, 600]);
    expect(gaps(rec)).toEqual([600, 600, 600]);
    expect(rec.settles.map((s) => s.retryDelayMs)).toEqual([600_000, 600_000, 600_000, null]);
  });

  it('spaces three Exponential retries 10, 20 and 40 minutes apart (due at +10, +30, +70)', async () => {
    const { timers, rec } = await runNumber(env, policy({ mechanism: 'Exponential' }), {
      outcomes: ['no-answer', 'no-answer', 'failed', 'busy'],
    });
    expect(timers).toEqual([600, 1200, 2400]);
    const t0 = rec.begins[0]!.nowMs;
    expect(rec.begins.map((b) => Math.round((b.nowMs - t0) / 60_000))).toEqual([0, 10, 30, 70]);
  });

  it('starts each retry exactly the interval after the previous attempt settled, to the second', async () => {
    const { rec } = await runNumber(env, policy({ numberOfRetries: 2, intervalMins: 1 }), {
      outcomes: ['busy', 'busy', 'busy'],
    });
    expect(rec.settles.map((s) => s.retryDelayMs)).toEqual([60_000, 60_000, null]);
    expect(rec.begins.slice(1).map((b, i) => Math.round((b.nowMs - rec.settles[i]!.nowMs) / 1000))).toEqual([60, 60]);
  });

  it('does not retry an outcome outside on_status', async () => {
    const { out, timers, rec } = await runNumber(env, policy({ onStatus: ['busy'] }), { outcomes: ['no-answer'] });
    expect(out.attempts).toBe(1);
    expect(timers).toEqual([]);
    expect(rec.settles[0]!.retryDelayMs).toBeNull();
  });

  it('retries a busy number and completes it on its second attempt', async () => {
    const { out, timers, rec } = await runNumber(env, policy({ numberOfRetries: 2, intervalMins: 5 }), {
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
    const { out, timers } = await runNumber(env, policy({}), { outcomes: ['completed'] });
    expect(out.attempts).toBe(1);
    expect(timers).toEqual([]);
  });

  it('retries a carrier-refused dial as a failed attempt with reason carrier_refused', async () => {
    const { rec } = await runNumber(env, policy({ numberOfRetries: 1, intervalMins: 1 }), {
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
  it('looks a call whose callback never comes up at ring_timeout_s + 1 minute, and settles it', async () => {
    const { rec } = await runNumber(env, policy({ numberOfRetries: 0 }), { outcomes: ['completed'], silent: [1] });
    expect(rec.lookups.map((l) => Math.round((l.nowMs - rec.begins[0]!.nowMs) / 1000))).toEqual([90]);
    expect(rec.settles.map((x) => x.outcome.status)).toEqual(['completed']);
  });

  it('begins the same attempt again when its dial was withdrawn unsent; settles only the sent dial', async () => {
    const { out, rec } = await runNumber(env, policy({ numberOfRetries: 1, intervalMins: 1 }), {
      outcomes: ['busy', 'completed'],
      withdrawn: [1, 2],
    });
    expect(out).toMatchObject({ attempts: 2, lastStatus: 'completed' });
    expect(rec.begins.map((b) => b.attempt)).toEqual([1, 1, 2, 2]);
    expect(rec.settles.map((s) => s.outcome.status)).toEqual(['busy', 'completed']);
  });

  it('dials a request that never left again after 2 s, then 4 s, without consuming a retry', async () => {
    const { out, rec, timers } = await runNumber(env, policy({ numberOfRetries: 0 }), {
      outcomes: ['completed'],
      notSent: { 1: 2 },
    });
    expect(out).toMatchObject({ attempts: 1, lastStatus: 'completed' });
    expect(rec.begins.map((b) => b.attempt)).toEqual([1, 1, 1]);
    expect(timers).toEqual([2, 4]);
    expect(rec.settles.map((s) => s.outcome.status)).toEqual(['completed']);
  });

  it('wakes the numbers its gate slot went to (SPEC §4.5 from order), when told to wait and when granted', async () => {
    // The gate hands number 1's slot to number 0 (ahead of it in order) and tells 1 to wait; on its
    // next ask 1 is granted, and a slot went to number 2's retry ahead of it as well. Each handed-on
    // slot is a wake signal to that number's workflow.
    const campaignId = 'd'.repeat(32);
    const rec: Recorded = { begins: [], dials: [], settles: [], lookups: [], delivered: [], finishedSignalled: false };
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

  it('gives its slot back once done dialling when its webhook events take longer than 10 s (issue 10)', async () => {
    const slow = await runNumber(env, policy({ numberOfRetries: 0 }), {
      outcomes: ['completed'],
      webhookTakesMs: 12_000,
    });
    expect(slow.signalNames).toEqual(['numberDelivering', 'numberFinished']);
    const quick = await runNumber(env, policy({ numberOfRetries: 0 }), { outcomes: ['completed'] });
    expect(quick.signalNames).toEqual(['numberFinished']);
  });

  it('delivers each attempt webhook event in order', async () => {
    const { rec } = await runNumber(env, policy({ numberOfRetries: 1, intervalMins: 1 }), {
      outcomes: ['busy', 'completed'],
    });
    expect(rec.delivered).toEqual(rec.settles.map((s) => `${s.callSid}-event`));
  });
});
