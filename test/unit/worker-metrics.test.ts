/**
 * SPEC §8 a worker's `/metrics` (bin/worker-metrics.ts), the module alone: the carrier wrapper counts
 * dials by account and answer, the activity interceptor attempt outcomes and webhook deliveries by
 * result (abandoned too, which a real run reaches only after 24 h), the slot gauges read the workers
 * at scrape time. Carrier, activity context and worker are stand-ins (metrics_follow_campaign: a real stack).
 */
import type { ActivityExecuteInput, Next, ActivityInboundCallsInterceptor, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { Carrier, CarrierFactory } from '../../activities/carriers/carrier';
import { activityMetricsInterceptor, createWorkerMetrics, instrumentCarriers } from '../../bin/worker-metrics';
import { parsePrometheus, total } from '../support/prometheus';

type Execute = Next<ActivityInboundCallsInterceptor, 'execute'>;

/** Runs one activity execution through the interceptor, with `body` as the activity itself. */
async function run(
  metrics: ReturnType<typeof createWorkerMetrics>,
  activityType: string,
  args: unknown[],
  body: Execute,
): Promise<unknown> {
  const factory = activityMetricsInterceptor(metrics);
  // Only `info.activityType` is read from the context.
  const interceptors = factory({ info: { activityType } } as Parameters<typeof factory>[0]);
  const input = { args, headers: {} } as ActivityExecuteInput;
  return interceptors.inbound!.execute!(input, body);
}

async function samples(metrics: ReturnType<typeof createWorkerMetrics>) {
  return parsePrometheus(await metrics.registry.metrics());
}

describe('§8 worker metrics', () => {
  it('counts webhook deliveries by result: delivered, retrying (a failed try), abandoned', async () => {
    const m = createWorkerMetrics();
    await run(m, 'deliverWebhook', [{ deliveryId: 'd1' }], async () => ({ status: 'delivered' }));
    await expect(
      run(m, 'deliverWebhook', [{ deliveryId: 'd2' }], async () => {
        throw new Error('receiver answered HTTP 503');
      }),
    ).rejects.toThrow('HTTP 503');
    await run(m, 'abandonWebhook', [{ deliveryId: 'd2', error: 'receiver answered HTTP 503' }], async () => undefined);
    // A delivery the activity found already settled is not counted as delivered again.
    await run(m, 'deliverWebhook', [{ deliveryId: 'd1' }], async () => ({ status: 'already_final' }));
    const s = await samples(m);
    for (const [result, n] of [
      ['delivered', 1],
      ['retrying', 1],
      ['abandoned', 1],
    ] as const)
      expect(total(s, 'outcall_webhook_delivery_results_total', { result }), result).toBe(n);
    expect(total(s, 'outcall_activity_executions_total', { activity: 'deliverWebhook', outcome: 'failed' })).toBe(1);
    expect(total(s, 'outcall_activity_executions_total', { activity: 'deliverWebhook', outcome: 'completed' })).toBe(2);
    expect(total(s, 'outcall_activity_duration_seconds_count', { activity: 'abandonWebhook' })).toBe(1);
  });

  it('counts settled attempts by status and by what follows them', async () => {
    const m = createWorkerMetrics();
    await run(m, 'settleAttempt', [{ outcome: { status: 'busy' } }], async () => ({ next: { kind: 'retry' } }));
    await run(m, 'settleAttempt', [{ outcome: { status: 'busy' } }], async () => ({ next: { kind: 'final' } }));
    await run(m, 'settleAttempt', [{ outcome: { status: 'completed' } }], async () => ({ next: { kind: 'final' } }));
    const s = await samples(m);
    expect(total(s, 'outcall_attempt_outcomes_total', { status: 'busy', next: 'retry' })).toBe(1);
    expect(total(s, 'outcall_attempt_outcomes_total', { status: 'busy', next: 'final' })).toBe(1);
    expect(total(s, 'outcall_attempt_outcomes_total', { next: 'final' })).toBe(2);
  });

  it('counts every dial request by account and the carrier’s answer, a thrown one as an error', async () => {
    const m = createWorkerMetrics();
    const answers = [{ kind: 'accepted' }, { kind: 'rate_limited' }, new Error('socket hang up')];
    const carrier = {
      placeCall: async () => {
        const next = answers.shift();
        if (next instanceof Error) throw next;
        return next;
      },
      lookupCall: async () => ({ kind: 'unknown' }),
    } as unknown as Carrier;
    const factory: CarrierFactory = () => carrier;
    const wrapped = instrumentCarriers(factory, m)({ type: 'simulator' } as Parameters<CarrierFactory>[0], 'acme');
    const input = {} as Parameters<Carrier['placeCall']>[0];
    await wrapped.placeCall(input);
    await wrapped.placeCall(input);
    await expect(wrapped.placeCall(input)).rejects.toThrow('socket hang up');
    const s = await samples(m);
    for (const outcome of ['accepted', 'rate_limited', 'error'])
      expect(total(s, 'outcall_dials_total', { account_sid: 'acme', outcome }), outcome).toBe(1);
  });

  it('reads the task slots in use from the watched workers at each scrape', async () => {
    const m = createWorkerMetrics();
    const status = { numInFlightWorkflowActivations: 2, numInFlightActivities: 7 };
    const worker = { getStatus: () => status } as unknown as Worker;
    m.watch([{ taskQueue: 'outcall-dial', worker, activitySlots: 200 }]);
    let s = await samples(m);
    expect(total(s, 'outcall_worker_task_slots_used', { task_queue: 'outcall-dial', kind: 'activity' })).toBe(7);
    expect(total(s, 'outcall_worker_task_slots_used', { task_queue: 'outcall-dial', kind: 'workflow' })).toBe(2);
    expect(total(s, 'outcall_worker_activity_slots', { task_queue: 'outcall-dial' })).toBe(200);
    status.numInFlightActivities = 3;
    s = await samples(m);
    expect(total(s, 'outcall_worker_task_slots_used', { kind: 'activity' })).toBe(3);
  });
});
