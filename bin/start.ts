/**
 * `npm start`: the whole stack in one command (SPEC §10). A Temporal dev server persisting under
 * the data dir (Web UI on :8233, search attributes registered) unless TEMPORAL_ADDRESS is set; an
 * embedded PostgreSQL unless DATABASE_URL is set; migrations; the worker; the API with the
 * simulator carrier. Ctrl-C stops everything; starting again resumes running campaigns.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from './config';
import { demoAccount } from './demo-account';
import { createRootLogger, installTemporalLogger } from './logger';
import { installShutdown } from './shutdown';
import { closeDb, openDatabase, startApi, startWorker, temporalConnectionConfig } from './outcall';
import { startEmbeddedPostgres, startTemporalDevServer, type RunningPostgres, type RunningTemporal } from './services';
import { ensureToolchain } from './toolchain';
import { buildDashboard } from './build-dashboard';
import { upsertAccount } from '../db/queries/accounts';
import type { Db } from '../db/client';
import { redactUrlUserinfo } from '../domain/log-redaction';

const TEMPORAL_PORT = 7233;
const TEMPORAL_UI_PORT = 8233;

async function main(): Promise<void> {
  const config = loadConfig({ OUTCALL_ALLOW_LOOPBACK_WEBHOOKS: 'true', ...process.env });
  const log = createRootLogger(config);
  installTemporalLogger(log);
  const dataDir = path.resolve(config.OUTCALL_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const shutdown = installShutdown(log);

  try {
    // SPEC §9: the dashboard the API serves at / is built from dashboard/ at every start (under a second).
    await buildDashboard();
    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporal: RunningTemporal | undefined;
    if (!temporalAddress) {
      const tools = ensureToolchain();
      process.stdout.write(`Starting Temporal dev server (${tools.temporal})...\n`);
      temporal = await startTemporalDevServer({
        binary: tools.temporal,
        port: TEMPORAL_PORT,
        uiPort: TEMPORAL_UI_PORT,
        dbFile: path.join(dataDir, 'temporal.db'),
        logFile: path.join(dataDir, 'temporal.log'),
      });
      shutdown.add(() => temporal!.stop());
      temporalAddress = temporal.address;
    }
    let databaseUrl = config.DATABASE_URL;
    let pg: RunningPostgres | undefined;
    if (!databaseUrl) {
      process.stdout.write('Starting embedded PostgreSQL...\n');
      pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), persistent: true });
      shutdown.add(() => pg!.stop());
      databaseUrl = pg.url;
    }
    const db: Db = await openDatabase(databaseUrl, config, log);
    shutdown.add(() => closeDb(db));
    const demo = demoAccount(dataDir);
    await upsertAccount(db, { ...demo, calling_window: '00:00-24:00' });
    writeFileSync(path.join(dataDir, 'stack.json'), JSON.stringify({ databaseUrl, temporalAddress }, null, 2));

    const tc = temporalConnectionConfig(config, temporalAddress);
    const worker = await startWorker({ config, db, log, temporal: tc });
    shutdown.add(() => worker.stop());
    worker.done.catch((err: unknown) => {
      log.error({ err }, 'Worker failed');
      void shutdown.run(1);
    });
    const api = await startApi({ config, db, log, temporal: tc, simulator: true });
    shutdown.add(() => api.stop());

    const base = config.OUTCALL_PUBLIC_URL;
    process.stdout.write(
      [
        '',
        'Outcall is running.',
        `  Dashboard     ${base}/`,
        `  API           ${base}/v2/accounts/${demo.sid}/campaigns`,
        `  Reference     ${base}/docs  (OpenAPI 3.1 at ${base}/openapi.json)`,
        `  Metrics       ${base}/metrics  (API), ${worker.metricsUrl}  (worker)`,
        `  Health        ${base}/readyz`,
        `  Simulator     ${base}/simulator/calls?number=<E.164>  (the account’s API key and token)`,
        temporal?.uiUrl ? `  Temporal UI   ${temporal.uiUrl}` : `  Temporal      ${redactUrlUserinfo(temporalAddress)}`,
        // SPEC §6.3: URL userinfo is never printed; the full URL is in stack.json for the ops CLI.
        `  PostgreSQL    ${redactUrlUserinfo(databaseUrl)}  (full URL in ${path.join(dataDir, 'stack.json')})`,
        '',
        `Demo account (calling window 00:00-24:00): sid ${demo.sid}, ` +
          `API key ${demo.api_key}, API token ${demo.api_token}`,
        '',
        'Try it:',
        `  curl -X POST "http://${demo.api_key}:${demo.api_token}@localhost:${api.port}` +
          `/v2/accounts/${demo.sid}/campaigns" \\`,
        `    -d '{"from":"+919876543210,+919876543216","caller_id":"08012345678",` +
          `"read_via_text":"Hello from Outcall","retries":{"number_of_retries":1,"interval_mins":1}}'`,
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
