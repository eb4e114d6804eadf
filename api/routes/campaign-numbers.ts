/**
 * SPEC §2 (ext) `GET /campaigns/{id}/numbers`: one item per number of the campaign (position order),
 * with its contact name, status, attempts and next attempt; filtered by `status`, paged by
 * `offset`/`limit`. Mounted at `/v2/accounts/:sid`.
 */
import { Hono } from 'hono';
import { findCampaign } from '../../db/queries/campaigns';
import { listCampaignNumbers, toCampaignNumberResource } from '../../db/queries/campaign-numbers';
import { campaignNumbersQuerySchema } from '../../domain/schemas/campaign-numbers';
import type { AppEnv } from '../context';
import type { AppDeps } from '../deps';
import { okList } from '../envelope';
import { ApiError, parseOrThrow } from '../errors';

export function createCampaignNumberRoutes(deps: AppDeps): Hono<AppEnv> {
  return new Hono<AppEnv>().get('/campaigns/:id/numbers', async (c) => {
    const account = c.get('account');
    const id = c.req.param('id');
    const q = parseOrThrow(campaignNumbersQuerySchema, c.req.query());
    const campaign = await findCampaign(deps.db, account.sid, id);
    if (!campaign)
      throw new ApiError('CAMPAIGN_NOT_FOUND', `campaign "${id}" does not exist in account "${account.sid}"`);
    const { rows, total } = await listCampaignNumbers(deps.db, campaign.id, q);
    return okList(
      c,
      rows.map((r) => toCampaignNumberResource(r, account)),
      { offset: q.offset, limit: q.limit, total },
    );
  });
}
