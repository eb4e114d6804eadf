/**
 * `npm run stack:cluster [-- --workers N] [--port P] [--shards S]`: Outcall on the production engine on this machine:
 * the real Temporal server on PostgreSQL (embedded, or DATABASE_URL's), the API with the simulator here and N worker
 * processes, each restarted if it dies. Defaults and ports: docs/api-surfaces.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from './config';
import { demoAccount } from './demo-account';
import { buildDashboard } from './build-dashboard';
import { createRootLogger, installTemporalLogger } from './logger';
import { installShutdown } from './shutdown';
import { closeDb, openDatabase, startApi, temporalConnectionConfig } from './outcall';
import { startEmbeddedPostgres } from './services';
import { DEFAULT_HISTORY_SHARDS, startTemporalCluster } from './temporal-cluster';
import { startWorkerProcess, type WorkerProcess } from './worker-process';
import { upsertAccount } from '../db/queries/accounts';
import { redactUrlUserinfo } from '../domain/log-redaction';

const DEFAULT_FRONTEND_PORT = 7333;
const DEFAULT_WORKERS = 2;

function intArg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const raw = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not ${raw}`);
  return n;
}

/** SPEC §8: each worker serves its own /metrics, on the configured port plus its index (0: any free port). */
function workerMetricsPort(config: Config, i: number): number {
  return config.OUTCALL_WORKER_METRICS_PORT === 0 ? 0 : config.OUTCALL_WORKER_METRICS_PORT + i;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const workers = intArg(args, 'workers', DEFAULT_WORKERS);
  const frontendPort = intArg(args, 'port', DEFAULT_FRONTEND_PORT);
  const shards = intArg(args, 'shards', DEFAULT_HISTORY_SHARDS);
  const config = loadConfig({ OUTCALL_ALLOW_LOOPBACK_WEBHOOKS: 'true', ...process.env });
  const log = createRootLogger(config);
  installTemporalLogger(log);
  const dataDir = path.resolve(config.OUTCALL_DATA_DIR, 'cluster');
  mkdirSync(dataDir, { recursive: true });
  const shutdown = installShutdown(log);

  try {
    // SPEC §9: the dashboard the API serves at /, built as `npm start` builds it.
    await buildDashboard();
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      process.stdout.write('Starting embedded PostgreSQL...\n');
      const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), persistent: true });
      shutdown.add(() => pg.stop());
      databaseUrl = pg.url;
    }
    process.stdout.write(`Starting Temporal on PostgreSQL (${shards} history shards)...\n`);
    const temporal = await startTemporalCluster({
      databaseUrl,
      dir: path.join(dataDir, 'temporal'),
      frontendPort,
      numHistoryShards: shards,
      namespace: config.TEMPORAL_NAMESPACE,
      log: (line) => process.stdout.write(`  ${line}\n`),
    });
    shutdown.add(() => temporal.stop());
    const db = await openDatabase(databaseUrl, config, log);
    shutdown.add(() => closeDb(db));
    const demo = demoAccount(dataDir);
    await upsertAccount(db, { ...demo, calling_window: '00:00-24:00' });
    const stack = { databaseUrl, temporalAddress: temporal.address, config };
    writeFileSync(path.join(dataDir, 'stack.json'), JSON.stringify({ databaseUrl, temporalAddress: temporal.address }));

    const running: WorkerProcess[] = [];
    const startWorker = async (i: number): Promise<void> => {
      const env = { OUTCALL_WORKER_METRICS_PORT: String(workerMetricsPort(config, i)) };
      const w = await startWorkerProcess(stack, env, path.join(dataDir, `worker-${i + 1}.log`));
      running[i] = w;
      void w.exited.then((code) => {
        if (shutdown.stopping) return;
        log.error({ worker: i + 1, workerPid: w.pid, code }, 'Worker process exited; starting it again');
        startWorker(i).catch((err: unknown) => log.error({ err }, 'Worker process did not start again'));
      });
    };
    process.stdout.write(`Starting ${workers} worker process${workers > 1 ? 'es' : ''}...\n`);
    await Promise.all(Array.from({ length: workers }, (_, i) => startWorker(i)));
    shutdown.add(() => Promise.all(running.map((w) => w.stop())).then(() => undefined));
    const tc = temporalConnectionConfig(config, temporal.address);
    const api = await startApi({ config, db, log, temporal: tc, simulator: config.OUTCALL_SIMULATOR });
    shutdown.add(() => api.stop());

    const base = config.OUTCALL_PUBLIC_URL;
    const workerMetrics =
      config.OUTCALL_WORKER_METRICS_PORT === 0
        ? 'a free port per worker'
        : running.map((_, i) => `http://localhost:${workerMetricsPort(config, i)}/metrics`).join(', ');
    process.stdout.write(
      [
        '',
        `Outcall is running on Temporal ${temporal.binaries.version} with PostgreSQL.`,
        `  Dashboard     ${base}/`,
        `  API           ${base}/v2/accounts/${demo.sid}/campaigns`,
        `  Reference     ${base}/docs  (OpenAPI 3.1 at ${base}/openapi.json)`,
        `  Metrics       ${base}/metrics  (API), ${workerMetrics}  (workers)`,
        `  Temporal      ${temporal.address} (namespace ${config.TEMPORAL_NAMESPACE}; config ${temporal.configFile})`,
        `  PostgreSQL    ${redactUrlUserinfo(databaseUrl)}`,
        `  Workers       ${running.map((w) => `pid ${w.pid}`).join(', ')} (logs in ${dataDir})`,
        `  Demo account  sid ${demo.sid}, API key ${demo.api_key}, API token ${demo.api_token}`,
        '',
        'Press Ctrl-C to stop. State is kept in ' + dataDir,
        '',
      ].join('\n'),
    );
  } catch (err) {
    log.error({ err }, 'Outcall failed to start');
    await shutdown.run(1);
  }
}

void main();
