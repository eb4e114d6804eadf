/**
 * SPEC §9 the dashboard: `GET /` serves its page and `GET /dashboard/{file}` its built scripts and
 * styles (`npm run build` bundles `dashboard/` into `dist/dashboard/`). The page talks to the public
 * REST API only, with the credentials the user signs in with. No authentication here: the files
 * are the same for everyone and hold no data.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';
import { staticDir } from '../static-files';

/** Where `npm run build` writes the dashboard (bin/build-dashboard.ts). */
export const DASHBOARD_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/dashboard');

export function createDashboardRoutes(deps: { dashboardDir?: string }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const files = staticDir(deps.dashboardDir ?? DASHBOARD_DIST, (name) => /^[\w.-]+\.(html|js|css|map|svg)$/.test(name));
  app.get('/', (c) => {
    if (!files.present)
      throw new ApiError('NOT_FOUND', 'dashboard: not built; run `npm run build` (npm start and npm test do it)');
    return files.serve(c, 'index.html', 'dashboard');
  });
  app.get('/dashboard/:file', (c) => files.serve(c, c.req.param('file'), 'dashboard'));
  return app;
}
