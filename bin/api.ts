/** `npm run start:api`: the API process alone (docker-compose), against DATABASE_URL and TEMPORAL_ADDRESS. */
import { existsSync } from 'node:fs';
import { buildDashboard, DASHBOARD_OUT } from './build-dashboard';
import { loadConfig } from './config';
import { createRootLogger, installTemporalLogger } from './logger';
import { closeDb, openDatabase, startApi, temporalConnectionConfig } from './outcall';

const config = loadConfig();
const log = createRootLogger(config);
installTemporalLogger(log);
if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) {
  log.fatal('DATABASE_URL and TEMPORAL_ADDRESS are required for start:api (npm start runs the whole local stack)');
  process.exit(2);
}
// The Docker image builds the dashboard at image build time; a checkout builds it on first start.
if (!existsSync(DASHBOARD_OUT)) await buildDashboard();
const db = await openDatabase(config.DATABASE_URL, config, log);
const api = await startApi({
  config,
  db,
  log,
  temporal: temporalConnectionConfig(config),
  simulator: config.OUTCALL_SIMULATOR,
});
log.info({ url: api.url }, 'API listening');
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void api
      .stop()
      .then(() => closeDb(db))
      .then(() => process.exit(0));
  });
}
