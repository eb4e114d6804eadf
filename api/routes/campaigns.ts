/**
 * SPEC §2/§3 campaigns: create (flat or bulk body; inline `from` or `lists`), get one with live stats, list.
 * Mounted at `/v2/accounts/:sid/campaigns`; Basic auth has already matched the account to the path.
 */
import { Hono } from 'hono';
import type { AppDeps } from '../deps';
import type { AppEnv } from '../context';
import { checkBulkSize, eachItem } from '../bulk';
import { ok, okItems, okList, successItem } from '../envelope';
import { ApiError, inputError, listInputError, parseOrThrow } from '../errors';
import { readJsonBody } from '../middleware/json-body';
import { chargeBulkElements } from '../middleware/rate-limit';
import { windowSettingsOf, type AccountRow } from '../../db/queries/accounts';
import {
  campaignStats,
  findCampaign,
  insertCampaign,
  listCampaigns,
  lockAccountThrottles,
  reservedCustomThrottle,
  statsByCampaign,
  toCampaignResource,
} from '../../db/queries/campaigns';
import { lockListFacts } from '../../db/queries/campaign-lists';
import { previewListNumbers } from '../../db/queries/snapshots';
import {
  checkCampaignLists,
  checkThrottleHeadroom,
  prepareCampaign,
  type AccountSettings,
} from '../../domain/campaign-input';
import { reportCampaign } from '../../domain/campaign-report';
import { newSid } from '../../domain/ids';
import {
  campaignCreateEnvelopeSchema,
  listCampaignsQuerySchema,
  MAX_BULK_CAMPAIGNS,
} from '../../domain/schemas/campaign';
import type { CampaignResource } from '../../domain/schemas/campaign-resource';

/**
 * Elements of a bulk create run this many at a time: each is its own transaction and workflow start,
 * mostly waiting on PostgreSQL and Temporal, so a 100-campaign body answers within seconds.
 */
const CREATE_CONCURRENCY = 8;

/** The account settings the SPEC §3 rules depend on, with the deployment's URL policy (§6.3). */
export function settingsOf(
  account: AccountRow,
  deps: Pick<AppDeps, 'allowLoopbackWebhooks' | 'allowPrivateWebhooks'>,
): AccountSettings {
  return {
    sid: account.sid,
    timezone: account.timezone,
    defaultRegion: account.defaultRegion,
    callerIds: account.callerIds,
    callsPerMinute: account.callsPerMinute,
    urlPolicy: { allowLoopback: deps.allowLoopbackWebhooks, allowPrivate: deps.allowPrivateWebhooks },
  };
}

/**
 * Creates one campaign, all or nothing (SPEC §1): the campaign, its numbers and the workflow start
 * share one transaction, so an unreachable Temporal (`EngineUnavailableError`) rolls everything back.
 * A list campaign's lists are judged under a share lock (they cannot be deleted before the commit)
 * and counted, so `stats` reflect the lists at creation (SPEC §3 "Response"); a small list is also
 * previewed into its numbers. The snapshot taken at start (after this answer, by the workflow)
 * replaces the preview; until then `stats.snapshot` says how far it is (SPEC §5, docs/architecture.md).
 */
async function createCampaign(deps: AppDeps, account: AccountRow, raw: unknown, now: Date): Promise<CampaignResource> {
  const prepared = prepareCampaign(raw, settingsOf(account, deps), now);
  if (!prepared.ok) throw inputError(prepared.error);
  const { draft } = prepared;
  const id = newSid();
  const { row, stats } = await deps.db.transaction(async (tx) => {
    if (draft.mode === 'custom' && draft.throttle !== null) {
      await lockAccountThrottles(tx, account.sid);
      const reservedByOthers = await reservedCustomThrottle(tx, account.sid);
      const problem = checkThrottleHeadroom({
        throttle: draft.throttle,
        callsPerMinute: account.callsPerMinute,
        reservedByOthers,
      });
      if (problem) throw inputError(problem);
    }
    if (draft.lists !== null) {
      const found = await lockListFacts(tx, account.sid, draft.lists);
      const problem = checkCampaignLists({
        lists: draft.lists,
        campaignType: draft.campaignType,
        readViaText: draft.readViaText,
        found,
      });
      if (problem) throw listInputError(problem);
    }
    const inserted = await insertCampaign(tx, { id, accountSid: account.sid, draft, now });
    if (draft.lists !== null) await previewListNumbers(tx, id);
    const stats = await campaignStats(tx, id);
    // Started before commit: if Temporal refuses, the transaction rolls back and nothing is left behind.
    // The workflow tolerates reading the campaign a moment before this commit lands.
    await deps.engine.startCampaign({ campaignId: id, accountSid: account.sid, campaignName: draft.name });
    return { row: inserted, stats };
  });
  return toCampaignResource(row, stats, account);
}

export function createCampaignRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/', async (c) => {
    const account = c.get('account');
    const body = parseOrThrow(campaignCreateEnvelopeSchema, await readJsonBody(c));
    const { bulk, items } = checkBulkSize(body, 'campaigns', MAX_BULK_CAMPAIGNS);
    // SPEC §1: each element of a bulk body counts against the rate limit (all or none, before any work).
    await chargeBulkElements(c, items.length);
    const report = c.req.query('validation') === 'report';
    // One clock for the whole body, a millisecond apart per element: elements created side by side
    // still list in body order (date_created, then id).
    const startedAt = Date.now();
    // Each element succeeds or fails on its own [C-1].
    const results = await eachItem(
      c,
      items,
      async (raw, i) => {
        const now = new Date(startedAt + i);
        if (!report) return successItem(await createCampaign(deps, account, raw, now));
        const r = reportCampaign(raw, settingsOf(account, deps), now, windowSettingsOf(account));
        if (!r.ok) throw inputError(r.error);
        return successItem({ validation: 'report', created: false, ...r.report });
      },
      { concurrency: CREATE_CONCURRENCY },
    );
    return okItems(c, bulk, results);
  });

  app.get('/', async (c) => {
    const account = c.get('account');
    const q = parseOrThrow(listCampaignsQuerySchema, c.req.query());
    const { rows, total } = await listCampaigns(deps.db, account.sid, q);
    const stats = await statsByCampaign(
      deps.db,
      rows.map((r) => r.id),
    );
    const records = rows.map((r) => toCampaignResource(r, stats.get(r.id)!, account, { withFrom: false }));
    return okList(c, records, { offset: q.offset, limit: q.limit, total });
  });

  app.get('/:id', async (c) => {
    const account = c.get('account');
    const id = c.req.param('id');
    const row = await findCampaign(deps.db, account.sid, id);
    if (!row) throw new ApiError('CAMPAIGN_NOT_FOUND', `campaign "${id}" does not exist in account "${account.sid}"`);
    return ok(c, toCampaignResource(row, await campaignStats(deps.db, row.id), account));
  });

  return app;
}
