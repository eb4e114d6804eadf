/** `npm run start:worker`: one worker process (scale horizontally), against DATABASE_URL and TEMPORAL_ADDRESS. */
import { loadConfig } from './config';
import { createRootLogger, installTemporalLogger } from './logger';
import { closeDb, openDatabase, startWorker, temporalConnectionConfig } from './outcall';

const config = loadConfig();
const log = createRootLogger(config);
installTemporalLogger(log);
if (!config.DATABASE_URL || !config.TEMPORAL_ADDRESS) {
  log.fatal('DATABASE_URL and TEMPORAL_ADDRESS are required for start:worker (npm start runs the whole local stack)');
  process.exit(2);
}
const db = await openDatabase(config.DATABASE_URL, config, log);
const worker = await startWorker({ config, db, log, temporal: temporalConnectionConfig(config) });
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void worker
      .stop()
      .then(() => closeDb(db))
      .then(() => process.exit(0));
  });
}
await worker.done;
