/**
 * A whole Outcall in this process, for benchmarks, the history recorder and the cluster smoke test, built as `npm
 * start` builds it: embedded PostgreSQL (or BENCH_DATABASE_URL), the dev server or the real server (`engine:
 * 'cluster'`), migrations, worker, API and simulator, all under a temp directory that `stop()` removes.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { loadConfig, type Config } from './config';
import { createLogger, installTemporalLogger } from './logger';
import { closeDb, openDatabase, startApi, startWorker, temporalConnectionConfig } from './outcall';
import {
  freePort,
  startEmbeddedPostgres,
  startTemporalDevServer,
  type RunningPostgres,
  type RunningTemporal,
} from './services';
import { startTemporalCluster } from './temporal-cluster';
import { ensureToolchain } from './toolchain';
import type { Db } from '../db/client';

export interface EmbeddedStack {
  baseUrl: string;
  db: Db;
  config: Config;
  databaseUrl: string;
  temporalAddress: string;
  engine: TemporalEngine;
  /** The Temporal server's process id (dev server or cluster), e.g. to read its CPU time. */
  temporalPid: number | undefined;
  /** Basic-auth fetch against the API, returning the parsed JSON (or text) and the status. */
  api(
    method: string,
    urlPath: string,
    auth: { key: string; token: string },
    body?: unknown,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- envelope shapes vary per endpoint
  ): Promise<{ status: number; json: any; text: string }>;
  stop(): Promise<void>;
}

/** `dev`: `temporal server start-dev` (SQLite, one shard); `cluster`: the real server on PostgreSQL. */
export type TemporalEngine = 'dev' | 'cluster';

export interface EmbeddedStackOptions {
  /** The Temporal engine (default `dev`). */
  engine?: TemporalEngine;
  /** OUTCALL_* and other config variables for the worker and API (OUTCALL_ACCOUNTS included). */
  env: Record<string, string>;
  /** Extra dynamic config for the engine (dev server flags, or the cluster's dynamic config file). */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** Start the worker (default true); a benchmark may start its own. */
  worker?: boolean;
}

let temporalLoggerInstalled = false;

export async function startEmbeddedStack(opts: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'outcall-stack-'));
  chmodSync(base, 0o777);
  let pg: RunningPostgres | undefined;
  let databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) {
    pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), persistent: false });
    databaseUrl = pg.url;
  }
  const engine = opts.engine ?? 'dev';
  const temporal: RunningTemporal =
    engine === 'cluster'
      ? await startTemporalCluster({
          databaseUrl,
          dir: path.join(base, 'temporal'),
          ...(opts.dynamicConfig && { dynamicConfig: opts.dynamicConfig }),
        })
      : await startTemporalDevServer({
          binary: ensureToolchain().temporal,
          logFile: path.join(base, 'temporal.log'),
          ...(opts.dynamicConfig && { dynamicConfig: opts.dynamicConfig }),
        });
  const port = await freePort();
  const config = loadConfig(
    {
      PORT: String(port),
      OUTCALL_PUBLIC_URL: `http://127.0.0.1:${port}`,
      OUTCALL_DATA_DIR: path.join(base, 'data'),
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      OUTCALL_ALLOW_LOOPBACK_WEBHOOKS: 'true',
      LOG_LEVEL: 'warn',
      OUTCALL_WORKER_METRICS_PORT: '0',
      ...opts.env,
    },
    false,
  );
  const log = createLogger(config.LOG_LEVEL);
  // The SDK's runtime can be installed once per process: a benchmark may start two stacks in turn.
  if (!temporalLoggerInstalled) {
    installTemporalLogger(log);
    temporalLoggerInstalled = true;
  }
  const db = await openDatabase(databaseUrl, config, log);
  const tc = temporalConnectionConfig(config);
  const worker = opts.worker === false ? null : await startWorker({ config, db, log, temporal: tc });
  const api = await startApi({ config, db, log, temporal: tc, simulator: true, port });
  const baseUrl = `http://127.0.0.1:${api.port}`;
  return {
    baseUrl,
    db,
    config,
    databaseUrl,
    temporalAddress: temporal.address,
    engine,
    temporalPid: temporal.process.pid,
    async api(method, urlPath, auth, body) {
      const res = await fetch(baseUrl + urlPath, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(`${auth.key}:${auth.token}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
      return { status: res.status, json, text };
    },
    async stop() {
      await api.stop();
      await worker?.stop();
      await closeDb(db);
      await temporal.stop();
      await pg?.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
