/**
 * SPEC §2/§4.10 call-details: one bare record per attempt, paged and filtered by attempt status.
 * Served at `/campaigns/{id}/call-details` and at Exotel's older `/campaign/{id}/call-details` [C-15].
 * `?format=csv` or `Accept: text/csv` streams the same records, same filters and order, as CSV: every
 * attempt unless `offset` / `limit` are given. Mounted at `/v2/accounts/:sid`.
 */
import { Hono, type Context } from 'hono';
import type { AppDeps } from '../deps';
import type { AppEnv } from '../context';
import { okBareList } from '../envelope';
import { ApiError, parseOrThrow } from '../errors';
import { findCampaign, listCallDetails, toCallRecord, type CampaignRow } from '../../db/queries/campaigns';
import { callDetailRows } from '../../db/queries/campaign-numbers';
import type { AccountRow } from '../../db/queries/accounts';
import { callDetailsQuerySchema, type CallDetailsQuery } from '../../domain/schemas/call-details';
import type { CallRecord } from '../../domain/schemas/campaign-resource';
import { streamCsv } from './reports';

/** The CSV columns: the JSON record's fields, in its order. */
const CSV_COLUMNS: Array<keyof CallRecord> = [
  'call_sid',
  'number',
  'to',
  'name',
  'caller_id',
  'from',
  'status',
  'attempt_number',
  'reason',
  'date_created',
  'start_time',
  'end_time',
  'duration',
  'digits',
  'digit',
  'recording_url',
  'direction',
  'custom_field',
];

/** `?format=csv` (any casing), or an `Accept` that names text/csv. */
function wantsCsv(c: Context<AppEnv>): boolean {
  if ((c.req.query('format') ?? '').toLowerCase() === 'csv') return true;
  return /(^|,)\s*text\/csv\b/i.test(c.req.header('accept') ?? '');
}

async function* csvBatches(
  deps: AppDeps,
  campaign: CampaignRow,
  account: AccountRow,
  q: Pick<CallDetailsQuery, 'statuses' | 'sortBy'> & { offset: number | null; limit: number | null },
) {
  for await (const rows of callDetailRows(deps.db, campaign.id, q)) {
    yield rows.map((r) => {
      const record = toCallRecord(r, campaign, account);
      return CSV_COLUMNS.map((k) => record[k]);
    });
  }
}

export function createCallDetailsRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const callDetails = async (c: Context<AppEnv>) => {
    const account = c.get('account');
    const id = c.req.param('id') ?? '';
    const q = parseOrThrow(callDetailsQuerySchema, c.req.query());
    const campaign = await findCampaign(deps.db, account.sid, id);
    if (!campaign)
      throw new ApiError('CAMPAIGN_NOT_FOUND', `campaign "${id}" does not exist in account "${account.sid}"`);
    if (wantsCsv(c)) {
      const paged = {
        ...q,
        offset: c.req.query('offset') !== undefined ? q.offset : null,
        limit: c.req.query('limit') !== undefined ? q.limit : null,
      };
      return streamCsv(c, deps, {
        filename: `campaign-${campaign.id}-call-details.csv`,
        header: CSV_COLUMNS,
        batches: csvBatches(deps, campaign, account, paged),
        what: { campaignId: campaign.id },
      });
    }
    const { rows, total } = await listCallDetails(deps.db, campaign.id, q);
    return okBareList(
      c,
      rows.map((r) => toCallRecord(r, campaign, account)),
      { offset: q.offset, limit: q.limit, total },
    );
  };

  app.get('/campaigns/:id/call-details', callDetails);
  app.get('/campaign/:id/call-details', callDetails);

  return app;
}
