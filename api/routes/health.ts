/** SPEC §2 `/healthz` (the process is up) and `/readyz` (PostgreSQL and Temporal answer now). */
import { Hono } from 'hono';
import { databaseAnswers } from '../../db/queries/health';
import type { AppDeps } from '../deps';
import type { AppEnv } from '../context';
import { ok } from '../envelope';
import { ApiError } from '../errors';

export function createHealthRoutes(deps: Pick<AppDeps, 'db' | 'engine'>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/healthz', (c) => ok(c, { status: 'ok' }));

  app.get('/readyz', async (c) => {
    const [database, temporal] = await Promise.all([databaseAnswers(deps.db), deps.engine.ping().catch(() => false)]);
    const state = (up: boolean) => (up ? 'ok' : 'unreachable');
    if (!database || !temporal) {
      throw new ApiError('NOT_READY', `database: ${state(database)}, temporal: ${state(temporal)}`);
    }
    return ok(c, { status: 'ready', database: state(database), temporal: state(temporal) });
  });

  return app;
}
