/**
 * A real Outcall for integration tests: the API and the worker built by bin/outcall.ts (the same
 * code `npm start` runs) on the shared Temporal dev server, a fresh PostgreSQL database, real HTTP.
 * Accounts come in through OUTCALL_ACCOUNTS, as a deployment provisions them.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { inject } from 'vitest';
import pino from 'pino';
import { loadConfig, type Config } from '../../bin/config';
import {
  openDatabase,
  startApi,
  startWorker,
  temporalConnectionConfig,
  type RunningApi,
  type RunningWorker,
} from '../../bin/outcall';
import { freePort } from '../../bin/services';
import { installTemporalLogger } from '../../bin/logger';

let temporalLoggerInstalled = false;
import { newSid } from '../../domain/ids';
import type { Db } from '../../db/client';
import { freshDatabase, type TestDatabase } from './db';
import { workflowBundle } from './workflow-env';

export interface TestStack {
  baseUrl: string;
  db: Db;
  config: Config;
  taskQueue: string;
  /** The worker's own `GET /metrics` (SPEC §8); the current worker's after a restart. */
  readonly workerMetricsUrl: string;
  /** Stops the worker and starts a new one: its cache is empty, so every workflow replays. */
  restartWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestStack(env: Record<string, string> & { OUTCALL_ACCOUNTS: string }): Promise<TestStack> {
  const database: TestDatabase = await freshDatabase();
  const port = await freePort();
  const taskQueue = `it-${newSid().slice(0, 12)}`;
  const config = loadConfig(
    {
      PORT: String(port),
      OUTCALL_PUBLIC_URL: `http://127.0.0.1:${port}`,
      OUTCALL_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'outcall-it-')),
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      OUTCALL_TASK_QUEUE: taskQueue,
      OUTCALL_ALLOW_LOOPBACK_WEBHOOKS: 'true',
      OUTCALL_SIM_RING_MS: '100',
      OUTCALL_SIM_TALK_MS: '1000',
      // The shared dev server allows 50 pending children per run (global-setup.ts).
      OUTCALL_MAX_LIVE_NUMBERS: '40',
      // Every child a run has open counts toward that limit, so a run keeps at most 48.
      OUTCALL_MAX_RUN_CHILDREN: '48',
      LOG_LEVEL: 'warn',
      OUTCALL_WORKER_METRICS_PORT: '0',
      ...env,
    },
    false,
  );
  const log = pino({ level: config.LOG_LEVEL });
  if (!temporalLoggerInstalled) {
    installTemporalLogger(log);
    temporalLoggerInstalled = true;
  }
  const db = await openDatabase(config.DATABASE_URL!, config, log);
  const temporal = temporalConnectionConfig(config);
  const bundle = await workflowBundle();
  let worker: RunningWorker = await startWorker({ config, db, log, temporal, workflowBundle: bundle });
  const api: RunningApi = await startApi({ config, db, log, temporal, simulator: true, port });
  return {
    baseUrl: api.url.replace('localhost', '127.0.0.1'),
    db,
    config,
    taskQueue,
    get workerMetricsUrl() {
      return worker.metricsUrl.replace('localhost', '127.0.0.1');
    },
    restartWorker: async () => {
      await worker.stop();
      worker = await startWorker({ config, db, log, temporal, workflowBundle: bundle });
    },
    stop: async () => {
      await api.stop();
      await worker.stop();
      await database.drop();
    },
  };
}

/** A local webhook receiver: records every request, de-duplicated by X-Outcall-Event-Id. */
export interface Receiver {
  url: string;
  events: Array<{
    path: string;
    eventId: string;
    body: Record<string, unknown>;
    raw: string;
    signature: string | null;
  }>;
  stop(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const { createServer } = await import('node:http');
  const events: Receiver['events'] = [];
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const eventId = String(req.headers['x-outcall-event-id'] ?? '');
      if (!seen.has(eventId)) {
        seen.add(eventId);
        events.push({
          path: req.url ?? '',
          eventId,
          body: JSON.parse(body) as Record<string, unknown>,
          raw: body,
          signature: (req.headers['x-outcall-signature'] as string) ?? null,
        });
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Basic-auth fetch against the stack. */
export function client(baseUrl: string, key: string, token: string) {
  const auth = `Basic ${Buffer.from(`${key}:${token}`).toString('base64')}`;
  return async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${p}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test responses are inspected ad hoc
    return { status: res.status, headers: res.headers, json: json as any, text };
  };
}
