/**
 * SPEC §8 `/metrics` of a worker process, on its own port (`OUTCALL_WORKER_METRICS_PORT`): dials sent
 * per account and carrier answer (the carrier factory wrapped), activity executions and attempt
 * outcomes (an activity interceptor on the settle step), webhook deliveries by result, and the
 * Temporal workers' task slots in use. Observes from the outside: no activity or workflow code changes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActivityInterceptorsFactory, Worker } from '@temporalio/worker';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Carrier, CarrierFactory } from '../activities/carriers/carrier';

export interface WorkerMetrics {
  registry: Registry;
  dials: Counter<'account_sid' | 'outcome'>;
  activities: Counter<'activity' | 'outcome'>;
  activityDuration: Histogram<'activity'>;
  attempts: Counter<'status' | 'next'>;
  webhooks: Counter<'result'>;
  /** Reports the task slots of these workers at every scrape. */
  watch(workers: Array<{ taskQueue: string; worker: Worker; activitySlots: number }>): void;
}

export function createWorkerMetrics(opts: { processMetrics?: boolean } = {}): WorkerMetrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'outcall_worker_' });
  const registers = [registry];
  let watched: Array<{ taskQueue: string; worker: Worker; activitySlots: number }> = [];
  new Gauge({
    name: 'outcall_worker_task_slots_used',
    help: 'Temporal task slots in use per task queue: workflow activations and activities in flight',
    labelNames: ['task_queue', 'kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const w of watched) {
        const status = w.worker.getStatus();
        this.set({ task_queue: w.taskQueue, kind: 'workflow' }, status.numInFlightWorkflowActivations);
        this.set({ task_queue: w.taskQueue, kind: 'activity' }, status.numInFlightActivities);
      }
    },
  });
  new Gauge({
    name: 'outcall_worker_activity_slots',
    help: 'Activity slots per task queue (maxConcurrentActivityTaskExecutions)',
    labelNames: ['task_queue'] as const,
    registers,
    collect() {
      this.reset();
      for (const w of watched) this.set({ task_queue: w.taskQueue }, w.activitySlots);
    },
  });
  return {
    registry,
    dials: new Counter({
      name: 'outcall_dials_total',
      help: 'Dial requests sent to a carrier, by account and answer (accepted, refused, rate_limited, error)',
      labelNames: ['account_sid', 'outcome'] as const,
      registers,
    }),
    activities: new Counter({
      name: 'outcall_activity_executions_total',
      help: 'Activity executions by type and outcome (completed, failed)',
      labelNames: ['activity', 'outcome'] as const,
      registers,
    }),
    activityDuration: new Histogram({
      name: 'outcall_activity_duration_seconds',
      help: 'Activity execution time by type',
      labelNames: ['activity'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    attempts: new Counter({
      name: 'outcall_attempt_outcomes_total',
      help: 'Settled call attempts by status, and whether a retry or the final status followed',
      labelNames: ['status', 'next'] as const,
      registers,
    }),
    webhooks: new Counter({
      name: 'outcall_webhook_delivery_results_total',
      help: 'Webhook delivery tries by result: delivered, retrying (a failed try), abandoned (SPEC §6.2)',
      labelNames: ['result'] as const,
      registers,
    }),
    watch(workers) {
      watched = workers;
    },
  };
}

/** The carrier factory, with every dial request counted by its account and the carrier's answer. */
export function instrumentCarriers(factory: CarrierFactory, metrics: WorkerMetrics): CarrierFactory {
  return (config, accountSid) => {
    const carrier = factory(config, accountSid);
    const wrapped: Carrier = {
      async placeCall(input) {
        try {
          const result = await carrier.placeCall(input);
          metrics.dials.inc({ account_sid: accountSid, outcome: result.kind });
          return result;
        } catch (err) {
          // The request's fate is unknown to us (SPEC §7): counted as sent, answered with an error.
          metrics.dials.inc({ account_sid: accountSid, outcome: 'error' });
          throw err;
        }
      },
      lookupCall: (input) => carrier.lookupCall(input),
    };
    return wrapped;
  };
}

interface SettleShape {
  outcome?: { status?: string };
}
interface SettledShape {
  next?: { kind?: string };
}

/**
 * Counts every activity execution, and from `settleAttempt` (the one step that records an attempt's
 * outcome) the attempt outcomes; from `deliverWebhook` / `abandonWebhook` the delivery results.
 * Counted where the activity completes, so a rare re-run after a lost completion counts twice.
 */
export function activityMetricsInterceptor(metrics: WorkerMetrics): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const activity = ctx.info.activityType;
        const stop = metrics.activityDuration.startTimer({ activity });
        try {
          const out = await next(input);
          metrics.activities.inc({ activity, outcome: 'completed' });
          if (activity === 'settleAttempt') {
            const status = (input.args[0] as SettleShape | undefined)?.outcome?.status ?? 'unknown';
            metrics.attempts.inc({ status, next: (out as SettledShape | undefined)?.next?.kind ?? 'unknown' });
          } else if (activity === 'deliverWebhook' && (out as { status?: string })?.status === 'delivered') {
            metrics.webhooks.inc({ result: 'delivered' });
          } else if (activity === 'abandonWebhook') {
            metrics.webhooks.inc({ result: 'abandoned' });
          }
          return out;
        } catch (err) {
          metrics.activities.inc({ activity, outcome: 'failed' });
          if (activity === 'deliverWebhook') metrics.webhooks.inc({ result: 'retrying' });
          throw err;
        } finally {
          stop();
        }
      },
    },
  });
}

/** Serves `GET /metrics` of `registry` on `port` (0: any free port); resolves with its URL. */
export async function serveMetrics(registry: Registry, port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://localhost:${actual}/metrics`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
