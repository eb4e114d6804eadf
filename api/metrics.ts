/**
 * SPEC §8 `/metrics` of the API process (prom-client): the request-duration histogram by route and status, and the
 * read-model gauges read at scrape time (`db/queries/metrics.ts`, listed in docs/api-surfaces.md). One registry per
 * app, never the global one.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/client';
import { channelFigures, csvImportFigures, unfinishedNumbers, webhookFigures } from '../db/queries/metrics';

export interface ApiMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Reads the read model into the gauges; call before rendering a scrape. */
  refresh(): Promise<void>;
}

export function createApiMetrics(db: Db, opts: { processMetrics?: boolean } = {}): ApiMetrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'outcall_api_' });
  const httpDuration = new Histogram({
    name: 'outcall_http_request_duration_seconds',
    help: 'API request duration by route pattern, method and HTTP status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const channels = new Gauge({
    name: 'outcall_channels_live',
    help: 'Calls live per account: dial request sent, final status not yet recorded (SPEC §4.5)',
    labelNames: ['account_sid'] as const,
    registers: [registry],
  });
  const staged = new Gauge({
    name: 'outcall_dial_slots_staged',
    help: 'Slots granted per account whose dial request has not left yet',
    labelNames: ['account_sid'] as const,
    registers: [registry],
  });
  const waiters = new Gauge({
    name: 'outcall_gate_waiters',
    help: 'Numbers waiting at the dial gate per account',
    labelNames: ['account_sid'] as const,
    registers: [registry],
  });
  const numbers = new Gauge({
    name: 'outcall_numbers_unfinished',
    help: 'Numbers pending, in progress or waiting for a retry, by their campaign status',
    labelNames: ['campaign_status', 'number_status'] as const,
    registers: [registry],
  });
  const webhooks = new Gauge({
    name: 'outcall_webhook_deliveries',
    help: 'Webhook deliveries not delivered: pending (never tried), retrying, abandoned (SPEC §6.2)',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const oldest = new Gauge({
    name: 'outcall_webhook_oldest_undelivered_seconds',
    help: 'Age of the oldest webhook delivery neither delivered nor abandoned (0 when none)',
    registers: [registry],
  });
  const csvRows = new Counter({
    name: 'outcall_csv_import_rows_total',
    help: 'CSV rows processed by imports (rate() of it is import rows/s)',
    registers: [registry],
  });
  const csvRunning = new Gauge({
    name: 'outcall_csv_imports_processing',
    help: 'CSV uploads still being imported',
    registers: [registry],
  });
  let csvSeen = 0;

  return {
    registry,
    httpDuration,
    async refresh() {
      const [ch, unfinished, hooks, csv] = await Promise.all([
        channelFigures(db),
        unfinishedNumbers(db),
        webhookFigures(db),
        csvImportFigures(db),
      ]);
      for (const g of [channels, staged, waiters, numbers]) g.reset();
      for (const r of ch) {
        channels.set({ account_sid: r.accountSid }, r.live);
        staged.set({ account_sid: r.accountSid }, r.staged);
        waiters.set({ account_sid: r.accountSid }, r.waiting);
      }
      for (const r of unfinished)
        numbers.set({ campaign_status: r.campaignStatus, number_status: r.numberStatus }, r.count);
      webhooks.set({ state: 'pending' }, hooks.pending);
      webhooks.set({ state: 'retrying' }, hooks.retrying);
      webhooks.set({ state: 'abandoned' }, hooks.abandoned);
      oldest.set(hooks.oldestUndeliveredSeconds);
      // A counter only goes up: uploads deleted with their list do not take rows back.
      if (csv.rows > csvSeen) {
        csvRows.inc(csv.rows - csvSeen);
        csvSeen = csv.rows;
      }
      csvRunning.set(csv.processing);
    },
  };
}
