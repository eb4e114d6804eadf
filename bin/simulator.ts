/**
 * `npm run start:simulator`: the simulator carrier as its own process (in docker compose, on the private network only,
 * SPEC §7): the Exotel-compatible API under `/simulator` on PORT and the status callbacks. Workers reach it at
 * OUTCALL_SIMULATOR_URL; it reaches Outcall at OUTCALL_SIM_CALLBACK_URL when set.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { loadConfig } from './config';
import { createRootLogger } from './logger';
import { closeDb, openDatabase, signingSecret } from './outcall';
import { createSimulatorApp, startSimulatorDispatcher } from '../simulator';
import { SIMULATOR_MOUNT_PATH } from '../simulator/contract';

const config = loadConfig();
const log = createRootLogger(config).child({ component: 'simulator' });
if (!config.DATABASE_URL) {
  log.fatal('DATABASE_URL is required for start:simulator (npm start runs the whole local stack)');
  process.exit(2);
}
const db = await openDatabase(config.DATABASE_URL, config, log);
const deps = {
  db,
  log,
  ringMs: config.OUTCALL_SIM_RING_MS,
  talkMs: config.OUTCALL_SIM_TALK_MS,
  rateLimitedShare: config.OUTCALL_SIM_TWILIO_429_SHARE,
  publicUrl: config.OUTCALL_PUBLIC_URL,
  ...(config.OUTCALL_SIM_CALLBACK_URL && { callbackBaseUrl: config.OUTCALL_SIM_CALLBACK_URL }),
  // The per-account credentials its Exotel API takes derive from the secret the workers hold too.
  secret: signingSecret(config),
};
const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.route(SIMULATOR_MOUNT_PATH, createSimulatorApp(deps));
const dispatcher = startSimulatorDispatcher(deps);
const server = serve({ fetch: app.fetch, port: config.PORT, hostname: '0.0.0.0' }, () =>
  log.info({ port: config.PORT, callbacksTo: deps.callbackBaseUrl ?? deps.publicUrl }, 'Simulator carrier listening'),
);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void dispatcher
      .stop()
      .then(() => new Promise<void>((resolve) => server.close(() => resolve())))
      .then(() => closeDb(db))
      .then(() => process.exit(0));
  });
}
