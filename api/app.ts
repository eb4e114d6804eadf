/**
 * The Hono app (STYLE G10): middleware in a visible order, one router per resource, one error
 * renderer. No `listen()` here: `bin/` serves it, tests call `createApp(deps).request(...)`.
 */
import { Hono } from 'hono';
import type { AppDeps } from './deps';
import type { AppEnv } from './context';
import { renderError } from './envelope';
import { ApiError } from './errors';
import { basicAuth, requireOwnAccount } from './middleware/basic-auth';
import { bodyLimit } from './middleware/body-limit';
import { idempotency } from './middleware/idempotency';
import { inputGuard } from './middleware/input-guard';
import { requestLogger } from './middleware/logger';
import {
  accountRateLimit,
  createMemoryWindow,
  unauthenticatedRateLimit,
  UNAUTHENTICATED_LIMIT,
} from './middleware/rate-limit';
import { requestMetrics } from './middleware/metrics';
import { requestId } from './middleware/request-id';
import { createApiMetrics } from './metrics';
import { createCallDetailsRoutes } from './routes/call-details';
import { createCampaignNumberRoutes } from './routes/campaign-numbers';
import { createCampaignUpdateRoutes } from './routes/campaign-updates';
import { createCampaignRoutes } from './routes/campaigns';
import { createCarrierRoutes } from './routes/carrier-callbacks';
import { createTwilioCallbackRoutes } from './routes/twilio-callbacks';
import { createContactRoutes } from './routes/contacts';
import { createDashboardRoutes } from './routes/dashboard';
import { createDncRoutes } from './routes/dnc';
import { createDocsRoutes } from './routes/docs';
import { createCsvUploadRoutes } from './routes/csv-upload';
import { createListRoutes } from './routes/lists';
import { createMetricsRoutes } from './routes/metrics';
import { createHealthRoutes } from './routes/health';
import { createReportRoutes, createSignedReportRoutes } from './routes/reports';
import { createWebhookDeliveryRoutes } from './routes/webhook-deliveries';

export interface CreateAppOptions {
  /** Extra sub-apps by path (the local stack mounts the simulator carrier at `/simulator`). */
  mount?: Record<string, Hono>;
}

export function createApp(deps: AppDeps, opts: CreateAppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const metrics = deps.metrics ?? createApiMetrics(deps.db);

  app.use('*', requestId());
  app.use('*', requestMetrics(metrics));
  app.use('*', requestLogger(deps.log));
  app.use('*', inputGuard());
  app.use('*', bodyLimit());
  // /v2: an unauthenticated request counts against its IP; an authenticated one against its account.
  // An IP over its limit is refused before its credentials are checked, right or wrong.
  const failedLogins = createMemoryWindow(UNAUTHENTICATED_LIMIT);
  app.use('/v2/*', unauthenticatedRateLimit(failedLogins));
  app.use('/v2/*', basicAuth(deps, failedLogins));
  app.use('/v2/*', accountRateLimit(deps));
  app.use('/v2/*', requireOwnAccount());
  app.use('/v2/*', idempotency(deps));

  app.route('/', createHealthRoutes(deps));
  app.route('/', createMetricsRoutes({ metrics, metricsToken: deps.metricsToken }));
  app.route('/', createDocsRoutes(deps));
  app.route('/', createDashboardRoutes(deps));
  app.route('/', createTwilioCallbackRoutes(deps));
  app.route('/', createCarrierRoutes(deps));
  app.route('/', createSignedReportRoutes(deps));
  app.route('/v2/accounts/:sid/campaigns', createCampaignRoutes(deps));
  app.route('/v2/accounts/:sid/campaigns', createCampaignUpdateRoutes(deps));
  app.route('/v2/accounts/:sid', createCallDetailsRoutes(deps));
  app.route('/v2/accounts/:sid', createCampaignNumberRoutes(deps));
  app.route('/v2/accounts/:sid', createWebhookDeliveryRoutes(deps));
  // SPEC §2/§5; `/contact-lists` is an alias of `/lists` [C-17]. The CSV routes come before
  // `/contacts`, whose `/:contact_sid` would otherwise take `csv-upload`.
  const lists = createListRoutes(deps);
  app.route('/v2/accounts/:sid/lists', lists);
  app.route('/v2/accounts/:sid/contact-lists', lists);
  app.route('/v2/accounts/:sid', createCsvUploadRoutes(deps));
  app.route('/v2/accounts/:sid/contacts', createContactRoutes(deps));
  app.route('/v2/accounts/:sid/dnc', createDncRoutes(deps));
  app.route('/', createReportRoutes(deps));
  for (const [path, sub] of Object.entries(opts.mount ?? {})) app.route(path, sub);

  app.notFound((c) => renderError(c, new ApiError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => renderError(c, err));
  return app;
}
