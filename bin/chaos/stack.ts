/**
 * The fault suite's processes (issue 10): PostgreSQL, the Temporal dev server, the API with the
 * simulator and the worker, each its own loopback process, and a client for the API.
 */
import path from 'node:path';
import { createDb, closeDb, type Db } from '../../db/client';
import { freePort } from '../services';
import { ensureToolchain } from '../toolchain';
import type { ApiCall } from './figures';
import { NodeProcess, PostgresProcess, TemporalProcess, type Managed } from './processes';
import type { ChaosOptions, Fault } from './run';

/** The API's and the worker's signing secret: the simulator's per-account credentials derive from it. */
const SIGNING_SECRET = 'chaos-signing-secret-0123456789';

export const ACCOUNT_KEY = 'chaos_key';
export const ACCOUNT_TOKEN = 'chaos_token_0123456789abcdef';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function apiClient(baseUrl: string): ApiCall {
  const auth = `Basic ${Buffer.from(`${ACCOUNT_KEY}:${ACCOUNT_TOKEN}`).toString('base64')}`;
  return async (method, p, body) => {
    const res = await fetch(`${baseUrl}${p}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json };
  };
}

/** Calls the API, retrying while it (or what it depends on) is down. */
export async function persistently(
  api: ApiCall,
  method: string,
  p: string,
  body?: unknown,
  deadlineMs = Date.now() + 600_000,
) {
  for (;;) {
    try {
      const res = await api(method, p, body);
      if (res.status < 500) return res;
    } catch {
      // the API is down or restarting
    }
    if (Date.now() > deadlineMs) throw new Error(`${method} ${p}: no answer before the deadline`);
    await sleep(1000);
  }
}

export interface Stack {
  db: Db;
  api: NodeProcess;
  worker: NodeProcess;
  temporal: TemporalProcess | null;
  postgres: PostgresProcess | null;
  apiUrl: string;
  temporalAddress: string;
  stop(): Promise<void>;
}

export async function startStack(
  base: string,
  o: ChaosOptions,
  publicUrl: string,
  apiPort: number,
  accountSids: string[],
) {
  const tools = ensureToolchain();
  const postgres = o.external?.databaseUrl ? null : new PostgresProcess(path.join(base, 'pg'), await freePort());
  const temporal = o.external?.temporalAddress
    ? null
    : new TemporalProcess(
        tools.temporal,
        await freePort(),
        path.join(base, 'temporal.db'),
        path.join(base, 'temporal.log'),
      );
  await postgres?.start();
  await temporal?.start();
  const databaseUrl = o.external?.databaseUrl ?? postgres!.url;
  const temporalAddress = o.external?.temporalAddress ?? temporal!.address;
  const accounts = accountSids.map((sid) => ({
    sid,
    api_key: sid === accountSids[0] ? ACCOUNT_KEY : `${ACCOUNT_KEY}_${sid}`,
    api_token: ACCOUNT_TOKEN,
    calling_window: '00:00-24:00',
    calls_per_minute: 600,
    channels: 100,
    api_requests_per_minute: 100_000,
    // The simulator, reached straight at the API (OUTCALL_SIMULATOR_URL); callbacks and greetings come
    // back through the proxy (the public URL). Its credentials derive from the signing secret.
    carrier: { type: 'simulator' },
  }));
  const common = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    OUTCALL_PUBLIC_URL: publicUrl,
    OUTCALL_TASK_QUEUE: `chaos-${path.basename(base)}`,
    OUTCALL_ALLOW_LOOPBACK_WEBHOOKS: 'true',
    OUTCALL_SIGNING_SECRET: SIGNING_SECRET,
    OUTCALL_DATA_DIR: path.join(base, 'data'),
    OUTCALL_MAX_LIVE_NUMBERS: String(o.window?.maxLiveNumbers ?? 500),
    OUTCALL_MAX_RUN_CHILDREN: String(o.window?.maxRunChildren ?? 1000),
    LOG_LEVEL: 'info',
  };
  const api = new NodeProcess(
    'api',
    'bin/api.ts',
    {
      ...common,
      PORT: String(apiPort),
      OUTCALL_ACCOUNTS: JSON.stringify(accounts),
      OUTCALL_SIM_RING_MS: '1000',
      OUTCALL_SIM_TALK_MS: '2000',
    },
    'API listening',
    path.join(base, 'api.log'),
    apiPort,
  );
  const worker = new NodeProcess(
    'worker',
    'bin/worker.ts',
    {
      ...common,
      OUTCALL_SIMULATOR_URL: `http://127.0.0.1:${apiPort}/simulator`,
      // Its own port: another stack on the machine may hold the default one.
      OUTCALL_WORKER_METRICS_PORT: String(await freePort()),
      TEMPORAL_WORKFLOW_TASK_DURATION_WARN_SECONDS: '1',
    },
    'Worker running',
    path.join(base, 'worker.log'),
    null,
    /TMPRL1104/,
  );
  await api.start();
  await worker.start();
  const db = createDb(databaseUrl, { max: 4 });
  return {
    db,
    api,
    worker,
    temporal,
    postgres,
    apiUrl: publicUrl,
    temporalAddress,
    async stop() {
      await closeDb(db).catch(() => undefined);
      await worker.stop();
      await api.stop();
      await temporal?.stop();
      await postgres?.stop();
    },
  } satisfies Stack;
}

export function processOf(s: Stack, f: Fault): Managed {
  const p = { worker: s.worker, api: s.api, temporal: s.temporal, postgres: s.postgres }[f];
  if (!p) throw new Error(`no ${f} process to kill in this run (external)`);
  return p;
}
