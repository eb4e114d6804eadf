/**
 * Wiring: builds Outcall's processes from a parsed config. `bin/start.ts` (the one-command local
 * stack), `bin/api.ts`, `bin/worker.ts` and the integration tests all go through here, so what the
 * tests run is what users run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createApp } from '../api/app';
import { createApiMetrics } from '../api/metrics';
import { createCsvImporter } from '../api/csv-import';
import { createTemporalEngine } from '../api/engine';
import { createActivities } from '../activities';
import { recordCallOutcome } from '../activities/attempts';
import { createCarrierFactory } from '../activities/carriers';
import {
  createSimulatorApp,
  createTwilioSimulatorApp,
  SIMULATOR_TWILIO_MOUNT_PATH,
  startSimulatorDispatcher,
} from '../simulator';
import { createDb, closeDb, type Db } from '../db/client';
import { migrateDb } from '../db/migrate';
import { upsertAccount } from '../db/queries/accounts';
import { greetingForToken } from '../db/queries/greetings';
import { parseAccountsJson } from '../domain/schemas/account';
import { dialTaskQueue, numberTaskQueue, webhookTaskQueue } from '../domain/ids';
import type { Config } from './config';
import { serveHttp } from './http-server';
import { bundlerLogger } from './logger';
import { activityMetricsInterceptor, createWorkerMetrics, instrumentCarriers, serveMetrics } from './worker-metrics';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WORKFLOWS_PATH = path.join(root, 'workflows/index.ts');

export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  apiKey?: string;
  tls: boolean;
  tlsCertPath?: string;
  tlsKeyPath?: string;
}

export function temporalConnectionConfig(
  config: Config,
  address = config.TEMPORAL_ADDRESS ?? 'localhost:7233',
): TemporalConnectionConfig {
  return {
    address,
    namespace: config.TEMPORAL_NAMESPACE,
    apiKey: config.TEMPORAL_API_KEY,
    tls: config.TEMPORAL_TLS || config.TEMPORAL_API_KEY !== undefined,
    tlsCertPath: config.TEMPORAL_TLS_CERT_PATH,
    tlsKeyPath: config.TEMPORAL_TLS_KEY_PATH,
  };
}

function tlsOptions(t: TemporalConnectionConfig) {
  if (!t.tls) return undefined;
  if (t.tlsCertPath && t.tlsKeyPath) {
    return { clientCertPair: { crt: readFileSync(t.tlsCertPath), key: readFileSync(t.tlsKeyPath) } };
  }
  return true;
}

/** Reads the signing secret from config, or keeps a generated one under the data dir. */
export function signingSecret(config: Config): string {
  if (config.OUTCALL_SIGNING_SECRET) return config.OUTCALL_SIGNING_SECRET;
  const file = path.join(config.OUTCALL_DATA_DIR, 'signing-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.OUTCALL_DATA_DIR, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Connects to the database, applies migrations and provisions `OUTCALL_ACCOUNTS` (SPEC §7). */
export async function openDatabase(url: string, config: Config, log: Logger): Promise<Db> {
  const db = createDb(url, { max: 20 });
  await migrateDb(db);
  if (config.OUTCALL_ACCOUNTS) {
    for (const account of parseAccountsJson(config.OUTCALL_ACCOUNTS)) {
      await upsertAccount(db, account);
      log.info({ accountSid: account.sid }, 'Account provisioned');
    }
  }
  return db;
}

export interface RunningApi {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The API process: REST facade, carrier callbacks, and (when enabled) the simulator carrier. */
export async function startApi(opts: {
  config: Config;
  db: Db;
  log: Logger;
  temporal: TemporalConnectionConfig;
  simulator: boolean;
  port?: number;
}): Promise<RunningApi> {
  const { config, db, log } = opts;
  const connection = await Connection.connect({
    address: opts.temporal.address,
    tls: tlsOptions(opts.temporal),
    apiKey: opts.temporal.apiKey,
  });
  const client = new Client({ connection, namespace: opts.temporal.namespace });
  const engine = createTemporalEngine({
    client,
    db,
    recordCallOutcome: (input) => recordCallOutcome(db, input),
    taskQueue: config.OUTCALL_TASK_QUEUE,
    maxLiveNumbers: config.OUTCALL_MAX_LIVE_NUMBERS,
    maxRunChildren: config.OUTCALL_MAX_RUN_CHILDREN,
  });
  // SPEC §5 CSV imports run in the API process; uploads a stopped or crashed process left behind are
  // picked up at start and by a periodic sweep (docs/architecture.md).
  const csvImporter = createCsvImporter({ db, log: log.child({ component: 'csv-import' }), sweepEveryMs: 30_000 });
  const secret = signingSecret(config);
  const simulatorDeps = {
    db,
    log: log.child({ component: 'simulator' }),
    ringMs: config.OUTCALL_SIM_RING_MS,
    talkMs: config.OUTCALL_SIM_TALK_MS,
    rateLimitedShare: config.OUTCALL_SIM_TWILIO_429_SHARE,
    publicUrl: config.OUTCALL_PUBLIC_URL,
    ...(config.OUTCALL_SIM_CALLBACK_URL && { callbackBaseUrl: config.OUTCALL_SIM_CALLBACK_URL }),
    secret,
  };
  const app = createApp(
    {
      db,
      engine,
      log,
      publicUrl: config.OUTCALL_PUBLIC_URL,
      signingSecret: secret,
      allowLoopbackWebhooks: config.OUTCALL_ALLOW_LOOPBACK_WEBHOOKS,
      allowPrivateWebhooks: config.OUTCALL_ALLOW_PRIVATE_WEBHOOKS,
      ...(opts.simulator && { simulator: { ringMs: config.OUTCALL_SIM_RING_MS, talkMs: config.OUTCALL_SIM_TALK_MS } }),
      csvImporter,
      metrics: createApiMetrics(db, { processMetrics: true }),
      metricsToken: config.OUTCALL_METRICS_TOKEN,
    },
    opts.simulator
      ? {
          mount: {
            '/simulator': createSimulatorApp(simulatorDeps),
            [SIMULATOR_TWILIO_MOUNT_PATH]: createTwilioSimulatorApp(simulatorDeps),
          },
        }
      : undefined,
  );
  const dispatcher = opts.simulator ? startSimulatorDispatcher(simulatorDeps) : null;
  const port = opts.port ?? config.PORT;
  const server: ServerType = await serveHttp({ fetch: app.fetch, port, hostname: '0.0.0.0' });
  const addr = server.address();
  const actualPort = typeof addr === 'object' && addr ? addr.port : port;
  await csvImporter.sweep();
  return {
    url: `http://localhost:${actualPort}`,
    port: actualPort,
    stop: async () => {
      await csvImporter.stop();
      await dispatcher?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
    },
  };
}

export interface RunningWorker {
  /** Resolves when both workers have stopped. */
  done: Promise<void>;
  /** This worker process's own `GET /metrics` (SPEC §8). */
  metricsUrl: string;
  stop(): Promise<void>;
}

/**
 * The worker process: campaign workflows and their activities on the main queue, number workflows and
 * theirs on `<queue>-numbers` (so a campaign's tasks never wait behind its numbers'), dials and
 * webhooks on their own queues.
 */
export async function startWorker(opts: {
  config: Config;
  db: Db;
  log: Logger;
  temporal: TemporalConnectionConfig;
  workflowBundle?: WorkflowBundleWithSourceMap;
}): Promise<RunningWorker> {
  const { config, db, log } = opts;
  const connection = await NativeConnection.connect({
    address: opts.temporal.address,
    tls: tlsOptions(opts.temporal),
    apiKey: opts.temporal.apiKey,
  });
  const metrics = createWorkerMetrics({ processMetrics: true });
  const carriers = createCarrierFactory({
    publicUrl: config.OUTCALL_PUBLIC_URL,
    ...(config.OUTCALL_SIMULATOR_URL && { simulatorUrl: config.OUTCALL_SIMULATOR_URL }),
    // The simulator's per-account credentials derive from the signing secret, as the API's simulator does.
    simulatorSecret: signingSecret(config),
    greetingText: (token) => greetingForToken(db, token),
  });
  const interceptors = { activity: [activityMetricsInterceptor(metrics)] };
  const activities = createActivities({
    db,
    log,
    carriers: instrumentCarriers(carriers, metrics),
    publicUrl: config.OUTCALL_PUBLIC_URL,
    signingSecret: signingSecret(config),
    allowLoopbackWebhooks: config.OUTCALL_ALLOW_LOOPBACK_WEBHOOKS,
    allowPrivateWebhooks: config.OUTCALL_ALLOW_PRIVATE_WEBHOOKS,
  });
  let workflowBundle = opts.workflowBundle;
  if (!workflowBundle) {
    const t = Date.now();
    workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: bundlerLogger(log) });
    log.info({ bytes: workflowBundle.code.length, ms: Date.now() - t }, 'Workflow bundle built');
  }
  const workflows = { workflowBundle };
  const main = await Worker.create({
    connection,
    namespace: opts.temporal.namespace,
    taskQueue: config.OUTCALL_TASK_QUEUE,
    ...workflows,
    activities,
    interceptors,
    maxConcurrentActivityTaskExecutions: 50,
    maxCachedWorkflows: 500,
    // SPEC §4.1 (answered within 5 s): after a worker dies, a campaign's next task waits this long on
    // the dead worker's sticky queue before any worker may take it (10 s by default). Campaign runs
    // are few and short, so the replay a worker that was merely slow then does costs little.
    stickyQueueScheduleToStartTimeout: '2 seconds',
  });
  const numbers = await Worker.create({
    connection,
    namespace: opts.temporal.namespace,
    taskQueue: numberTaskQueue(config.OUTCALL_TASK_QUEUE),
    ...workflows,
    activities,
    interceptors,
    maxConcurrentActivityTaskExecutions: 200,
    maxCachedWorkflows: 2000,
  });
  // SPEC §6.2 caps deliveries in flight per account and URL at 10; one queue per worker at 10 in flight is
  // that cap for a single worker (docs/architecture.md says where it stops being exact).
  const hooks = await Worker.create({
    connection,
    namespace: opts.temporal.namespace,
    taskQueue: webhookTaskQueue(config.OUTCALL_TASK_QUEUE),
    activities,
    interceptors,
    maxConcurrentActivityTaskExecutions: 10,
  });
  // SPEC §4.5 first layer: the dial requests' own queue, rate-limited by the server for every worker
  // (a task queue rate is not a concurrency cap: channels and per-account pacing are the dial gate's,
  // docs/pacing.md). Eager dispatch never applies here: the workflows run on another queue.
  const dials = await Worker.create({
    connection,
    namespace: opts.temporal.namespace,
    taskQueue: dialTaskQueue(config.OUTCALL_TASK_QUEUE),
    activities,
    interceptors,
    maxConcurrentActivityTaskExecutions: 200,
    maxTaskQueueActivitiesPerSecond: config.OUTCALL_MAX_DIALS_PER_SECOND,
  });
  const workers = [main, numbers, hooks, dials];
  const queue = config.OUTCALL_TASK_QUEUE;
  metrics.watch([
    { taskQueue: queue, worker: main, activitySlots: 50 },
    { taskQueue: numberTaskQueue(queue), worker: numbers, activitySlots: 200 },
    { taskQueue: webhookTaskQueue(queue), worker: hooks, activitySlots: 10 },
    { taskQueue: dialTaskQueue(queue), worker: dials, activitySlots: 200 },
  ]);
  const metricsServer = await serveMetrics(metrics.registry, config.OUTCALL_WORKER_METRICS_PORT);
  const done = Promise.all(workers.map((w) => w.run())).then(() => undefined);
  log.info(
    {
      taskQueue: config.OUTCALL_TASK_QUEUE,
      maxDialsPerSecond: config.OUTCALL_MAX_DIALS_PER_SECOND,
      metricsUrl: metricsServer.url,
    },
    'Worker running',
  );
  return {
    done,
    metricsUrl: metricsServer.url,
    stop: async () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
      await metricsServer.stop();
      await connection.close();
    },
  };
}

export { closeDb };
