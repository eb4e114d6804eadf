/**
 * SPEC §2/§8 `GET /metrics`: the API's Prometheus metrics (api/metrics.ts), read-model gauges
 * refreshed at each scrape. Open by default like `/healthz`; with `OUTCALL_METRICS_TOKEN` set, a
 * scrape must send `Authorization: Bearer <token>` (the gauges carry account sids).
 */
import { timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';
import type { ApiMetrics } from '../metrics';

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function createMetricsRoutes(deps: { metrics: ApiMetrics; metricsToken?: string }): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/metrics', async (c) => {
    if (deps.metricsToken && !bearerMatches(c.req.header('authorization'), deps.metricsToken))
      throw new ApiError('UNAUTHORIZED', 'metrics: send Authorization: Bearer <OUTCALL_METRICS_TOKEN>');
    await deps.metrics.refresh();
    c.header('Content-Type', deps.metrics.registry.contentType);
    return c.body(await deps.metrics.registry.metrics(), 200);
  });
}
