/**
 * SPEC §2/§6.2 (ext) the webhook delivery log: `GET /campaigns/{id}/webhook-deliveries` (filtered by
 * `status`, paged) and `POST /campaigns/{id}/webhook-deliveries/{delivery}/replay`, which makes a
 * delivered or abandoned delivery pending again and sends it through the same delivery workflow as
 * the first time (same event id, same signing, same retries). Mounted at `/v2/accounts/:sid`.
 */
import { Hono, type Context } from 'hono';
import { findCampaign } from '../../db/queries/campaigns';
import {
  claimWebhookReplay,
  findWebhookDelivery,
  listWebhookDeliveries,
  toWebhookDeliveryResource,
} from '../../db/queries/webhook-deliveries';
import { previewValue } from '../../domain/schemas/issues';
import { webhookDeliveriesQuerySchema } from '../../domain/schemas/webhook-delivery';
import type { AppEnv } from '../context';
import { EngineUnavailableError, type AppDeps } from '../deps';
import { ok, okList } from '../envelope';
import { ApiError, parseOrThrow } from '../errors';

const HEX_ID = /^[0-9a-f]{32}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A path id as the client sent it: NUL bytes or lone surrogates are a 400 naming the parameter
 * (SPEC §1); any other value that is not 32 lowercase hex can name nothing, so it is simply unknown.
 */
function pathId(c: Context<AppEnv>, name: string): string | null {
  const value = c.req.param(name) ?? '';
  if (value.includes('\u0000') || LONE_SURROGATE.test(value))
    throw new ApiError(
      'INVALID_PARAMETER',
      `${name} contains NUL bytes or lone surrogates; got ${previewValue(value)}`,
    );
  return HEX_ID.test(value) ? value : null;
}

export function createWebhookDeliveryRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  async function campaignOf(c: Context<AppEnv>) {
    const account = c.get('account');
    const id = pathId(c, 'id');
    const campaign = id === null ? undefined : await findCampaign(deps.db, account.sid, id);
    if (!campaign)
      throw new ApiError(
        'CAMPAIGN_NOT_FOUND',
        `campaign ${previewValue(c.req.param('id'))} does not exist in account "${account.sid}"`,
      );
    return { account, campaign };
  }

  app.get('/campaigns/:id/webhook-deliveries', async (c) => {
    const q = parseOrThrow(webhookDeliveriesQuerySchema, c.req.query());
    const { account, campaign } = await campaignOf(c);
    const { rows, total } = await listWebhookDeliveries(deps.db, campaign.id, q);
    return okList(
      c,
      rows.map((r) => toWebhookDeliveryResource(r, account)),
      { offset: q.offset, limit: q.limit, total },
    );
  });

  app.post('/campaigns/:id/webhook-deliveries/:delivery_id/replay', async (c) => {
    const { account, campaign } = await campaignOf(c);
    const deliveryId = pathId(c, 'delivery_id');
    const notFound = () =>
      new ApiError(
        'WEBHOOK_DELIVERY_NOT_FOUND',
        `webhook delivery ${previewValue(c.req.param('delivery_id'))} does not exist in campaign ${campaign.id}`,
      );
    if (deliveryId === null) throw notFound();
    const where = { accountSid: account.sid, campaignId: campaign.id, id: deliveryId };
    // The workflow starts inside the transaction: if Temporal refuses, the claim rolls back (503).
    const replayed = await deps.db.transaction(async (tx) => {
      const row = await findWebhookDelivery(tx, where);
      if (!row) throw notFound();
      const claimed = await claimWebhookReplay(tx, row.id);
      if (!claimed)
        throw new ApiError(
          'STATE_CONFLICT',
          `webhook delivery ${row.id} is still being delivered (${row.tries} tries so far); ` +
            'only a delivered or abandoned delivery can be replayed',
        );
      try {
        await deps.engine.replayWebhook({ campaignId: campaign.id, deliveryId: row.id, replay: claimed.replays });
      } catch (err) {
        if (err instanceof EngineUnavailableError)
          throw new ApiError(
            'ENGINE_UNAVAILABLE',
            'the workflow engine (Temporal) cannot be reached; nothing was replayed, retry later',
          );
        throw err;
      }
      return claimed;
    });
    c.get('log').info({ campaignId: campaign.id, deliveryId, replay: replayed.replays }, 'Webhook replay started');
    return ok(c, toWebhookDeliveryResource(replayed, account));
  });

  return app;
}
