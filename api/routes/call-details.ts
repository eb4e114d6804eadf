/**
 * SPEC §2/§4.10 call-details: one bare record per attempt, paged and filtered by attempt status.
 * Served at `/campaigns/{id}/call-details` and at Exotel's older `/campaign/{id}/call-details` [C-15].
 * Mounted at `/v2/accounts/:sid`.
 */
import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps';
import type { AppEnv } from '../context';
import { okBareList } from '../envelope';
import { ApiError, parseOrThrow } from '../errors';
import { findCampaign, listCallDetails, toCallRecord } from '../../db/queries/campaigns';
import { callDetailsQuerySchema } from '../../domain/schemas/call-details';

export function createCallDetailsRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const callDetails = async (c: Context<AppEnv>) => {
    const account = c.get('account');
    const id = c.req.param('id') ?? '';
    const q = parseOrThrow(callDetailsQuerySchema, c.req.query());
    const campaign = await findCampaign(deps.db, account.sid, id);
    if (!campaign) throw new ApiError('CAMPAIGN_NOT_FOUND', `campaign "${id}" does not exist in account "${account.sid}"`);
    const { rows, total } = await listCallDetails(deps.db, campaign.id, q);
    return okBareList(c, rows.map((r) => toCallRecord(r, campaign, account)), { offset: q.offset, limit: q.limit, total });
  };

  app.get('/campaigns/:id/call-details', callDetails);
  app.get('/campaign/:id/call-details', callDetails);

  return app;
}
