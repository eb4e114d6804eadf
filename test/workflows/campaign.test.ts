import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { callStatusSignal } from '../../workflows/definitions';
import type { Activities } from '../../workflows/options';
import { campaignWorkflow } from '../../workflows/campaign';
import { campaignWorkflowId } from '../../domain/ids';
import { timeSkippingEnv, withWorkers } from '../support/workflow-env';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

interface CampaignRecord {
  startedAtMs: number | null;
  pages: Array<{ fromPosition: number; limit: number }>;
  dialled: number[];
  finished: Array<{ status: string; nowMs: number }>;
  delivered: string[];
}

/** A campaign of `count` numbers whose every call completes at once; the store is in memory. */
function fakeCampaign(
  env: TestWorkflowEnvironment,
  count: number,
  sendAtMs: number | null,
  rec: CampaignRecord,
): Partial<Activities> {
  const numbers = Array.from({ length: count }, (_, i) => ({
    position: i,
    number: `+9198765432${String(i).padStart(2, '0')}`,
  }));
  return {
    async loadCampaign() {
      return {
        found: true,
        accountSid: 'acme',
        status: 'Created',
        started: false,
        sendAtMs,
        endAtMs: null,
        pausedAtMs: null,
        closing: null,
        retries: {
          numberOfRetries: 0,
          intervalMins: null,
          mechanism: 'Linear',
          onStatus: ['busy', 'no-answer', 'failed'],
        },
      };
    },
    async markCampaignStarted(input) {
      rec.startedAtMs = input.nowMs;
      return { started: true, deliveryIds: ['started-event'] };
    },
    async loadNumberPage(input) {
      rec.pages.push({ fromPosition: input.fromPosition, limit: input.limit });
      return { numbers: numbers.filter((n) => n.position >= input.fromPosition).slice(0, input.limit) };
    },
    async finishCampaign(input) {
      rec.finished.push({ status: input.status, nowMs: input.nowMs });
      return { status: input.status, deliveryIds: ['finished-event'] };
    },
    async campaignWindow() {
      return { open: true, closesAtMs: null };
    },
    async beginDrain() {},
    async countLiveCalls() {
      return { live: 0 };
    },
    async beginAttempt(input) {
      rec.dialled.push(input.position);
      return {
        kind: 'dial',
        callSid: `sid-${input.position}`,
        token: `1_${String(input.position).padStart(32, '0')}`,
        settleTimeoutMs: 60_000,
      };
    },
    async dialAttempt(input) {
      const position = Number(input.callSid.slice(4));
      const wfId = Context.current().info.workflowExecution!.workflowId; // always set for workflow activities
      await env.client.workflow.getHandle(wfId).signal(callStatusSignal, {
        token: `1_${String(position).padStart(32, '0')}`,
        carrierSid: `carrier-${position}`,
        status: 'completed',
        startTimeMs: null,
        endTimeMs: null,
        duration: 1,
        digits: null,
        recordingUrl: null,
      });
      return { kind: 'accepted', carrierSid: `carrier-${position}` };
    },
    async settleAttempt(input) {
      return {
        next: { kind: 'final', numberStatus: input.outcome.status === 'completed' ? 'completed' : 'failed' },
        deliveryIds: [],
      };
    },
    async deliverWebhook(input) {
      rec.delivered.push(input.deliveryId);
      return { status: 'delivered' as const };
    },
    async abandonWebhook() {},
  };
}

async function runCampaign(count: number, sendInMs: number | null, maxLive: number) {
  const rec: CampaignRecord = { startedAtMs: null, pages: [], dialled: [], finished: [], delivered: [] };
  const taskQueue = `tq-${Math.random().toString(16).slice(2)}`;
  const campaignId = Math.random().toString(16).slice(2).padEnd(32, '0');
  const t0 = await env.currentTimeMs();
  const sendAtMs = sendInMs === null ? null : t0 + sendInMs;
  const out = await withWorkers(env, taskQueue, fakeCampaign(env, count, sendAtMs, rec), async () => {
    const handle = await env.client.workflow.start(campaignWorkflow, {
      taskQueue,
      workflowId: campaignWorkflowId(campaignId),
      args: [{ campaignId, accountSid: 'acme', maxLive }],
    });
    const result = await handle.result();
    const history = await handle.fetchHistory();
    const started = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
    const timers = started.map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds));
    // When each timer fires, from the event's own time: independent of how long the worker took to start.
    const firesAtMs = started.map(
      (e, i) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6) + timers[i]! * 1000,
    );
    return { result, timers, firesAtMs };
  });
  return { ...out, rec, t0, sendAtMs };
}

describe('§4.1 a campaign runs from Created to Completed (time-skipping)', () => {
  it('waits for send_at with a durable timer before it starts', async () => {
    const { rec, timers, firesAtMs, sendAtMs } = await runCampaign(3, 3 * 3600_000, 10);
    expect(timers[0]).toBeGreaterThan(3 * 3600 - 60);
    expect(timers[0]).toBeLessThanOrEqual(3 * 3600);
    // The timer fires at send_at, to the second.
    expect(Math.abs(firesAtMs[0]! - sendAtMs!)).toBeLessThan(1000);
    expect(rec.startedAtMs).toBeGreaterThanOrEqual(sendAtMs!);
    expect(rec.startedAtMs! - sendAtMs!).toBeLessThan(2000);
  });

  it('starts at once without send_at', async () => {
    const { rec, timers, t0 } = await runCampaign(2, null, 10);
    expect(timers).toEqual([]);
    // No timer at all, so the start waits only for the first workflow task (seconds on a loaded machine).
    expect(rec.startedAtMs! - t0).toBeLessThan(15_000);
  });

  it('dials every number exactly once with a bounded window of live numbers, then completes once', async () => {
    const { result, rec } = await runCampaign(7, null, 3);
    expect(result).toEqual({ status: 'Completed', numbersStarted: 7 });
    expect([...rec.dialled].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(rec.pages.every((p) => p.limit <= 3)).toBe(true);
    expect(rec.finished).toHaveLength(1);
    expect(rec.finished[0]!.status).toBe('Completed');
  });

  it('sends the start and the terminal status events', async () => {
    const { rec } = await runCampaign(1, null, 5);
    // The delivery child runs apart from the campaign; give it a moment to finish.
    for (let i = 0; i < 50 && rec.delivered.length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect(rec.delivered).toEqual(['started-event', 'finished-event']);
  });
});
