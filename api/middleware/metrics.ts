/** SPEC §8 API latency histograms: every request's duration, by the route pattern that served it. */
import type { MiddlewareHandler } from 'hono';
import type { ApiMetrics } from '../metrics';
import type { AppEnv } from '../context';

export function requestMetrics(metrics: ApiMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      // The pattern, never the raw path: ids in paths would make one series per campaign.
      const route = c.req.routePath === '/*' ? 'unmatched' : c.req.routePath;
      metrics.httpDuration.observe(
        { method: c.req.method, route, status: String(c.res.status) },
        (performance.now() - started) / 1000,
      );
    }
  };
}
