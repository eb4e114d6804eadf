/**
 * Campaign SQL for the API (SPEC §2, §3, §4.9, §4.10), and the mappers that turn rows into wire
 * objects (STYLE G9); a campaign's fields are mapped by the field table (campaign-row.ts).
 */
import { and, asc, count, desc, eq, ilike, inArray, isNotNull, isNull, or, sql, sum, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { attempts, campaignNumbers, campaigns } from '../schema';
import type { AccountRow } from './accounts';
import { suppressDncNumbers } from './dnc';
import { nameOrder } from './name-order';
import { columnsOfDraft, wireFieldsOfRow } from './campaign-row';
import type { CampaignDraft } from '../../domain/campaign-input';
import { NON_TERMINAL_CAMPAIGN_STATUSES, isCampaignStatus, type CampaignStatus } from '../../domain/campaign-status';
import type { CampaignStats } from '../../domain/stats';
import { formatInstant, formatOptional } from '../../domain/time';
import type { CallDetailsQuery } from '../../domain/schemas/call-details';
import type { ListCampaignsQuery } from '../../domain/schemas/campaign';
import type { CallRecord, CampaignResource } from '../../domain/schemas/campaign-resource';

export type CampaignRow = typeof campaigns.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;
/** A transaction handle, for queries that must run inside the caller's transaction. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Conn = Db | Tx;

/** Rows per INSERT: 4 parameters a row keeps a batch far below PostgreSQL's 65,535-parameter cap. */
const NUMBER_BATCH = 1000;

/**
 * Serialises creates and updates that touch the account's custom throttles (SPEC §3 headroom), so two
 * concurrent requests cannot both take the last of it. Held until the transaction ends.
 */
export async function lockAccountThrottles(tx: Tx, accountSid: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`throttle:${accountSid}`}, 0))`);
}

/** Sum of `throttle` over the account's non-terminal custom campaigns, except `excludeId`. */
export async function reservedCustomThrottle(db: Conn, accountSid: string, excludeId?: string): Promise<number> {
  const [row] = await db
    .select({ total: sum(campaigns.throttle) })
    .from(campaigns)
    .where(
      and(
        eq(campaigns.accountSid, accountSid),
        eq(campaigns.mode, 'custom'),
        inArray(campaigns.status, [...NON_TERMINAL_CAMPAIGN_STATUSES]),
        excludeId ? sql`${campaigns.id} <> ${excludeId}` : undefined,
      ),
    );
  return Number(row?.total ?? 0);
}

/**
 * Inserts a `Created` campaign and its inline numbers (`pending`, positions 0..; `suppressed` when on
 * the do-not-call list) in the caller's transaction; a list campaign's numbers are its lists' snapshot
 * (db/queries/snapshots.ts).
 */
export async function insertCampaign(
  tx: Tx,
  input: { id: string; accountSid: string; draft: CampaignDraft; now: Date },
): Promise<CampaignRow> {
  const { id, accountSid, draft, now } = input;
  const [row] = await tx
    .insert(campaigns)
    .values({
      id,
      accountSid,
      ...columnsOfDraft(draft),
      status: 'Created',
      dateCreated: now,
      dateUpdated: now,
    })
    .returning();
  for (let start = 0; start < draft.numbers.length; start += NUMBER_BATCH) {
    const batch = draft.numbers.slice(start, start + NUMBER_BATCH);
    await tx.insert(campaignNumbers).values(
      batch.map((number, i) => ({
        campaignId: id,
        position: start + i,
        number,
        status: 'pending',
        dateUpdated: now,
      })),
    );
  }
  if (draft.numbers.length > 0) await suppressDncNumbers(tx, id, accountSid);
  return row!;
}

export async function findCampaign(db: Conn, accountSid: string, id: string): Promise<CampaignRow | undefined> {
  const [row] = await db
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.accountSid, accountSid), eq(campaigns.id, id)));
  return row;
}

/** Live stats of several campaigns (db/queries/stats.ts: counters kept with the numbers). */
export { campaignStats, statsByCampaign } from './stats';

/** `%`, `_` and `\` match themselves in the `name` filter. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** SPEC §2 campaign list: filters, sort, page, and the total of matching rows. `Deleted` only when asked for. */
export async function listCampaigns(
  db: Db,
  accountSid: string,
  q: ListCampaignsQuery,
): Promise<{ rows: CampaignRow[]; total: number }> {
  const statuses: CampaignStatus[] = q.statuses ?? [
    'Created',
    'InProgress',
    'Paused',
    'Completed',
    'Failed',
    'Canceled',
    'Archived',
  ];
  const where = and(
    eq(campaigns.accountSid, accountSid),
    inArray(campaigns.status, statuses),
    q.name ? ilike(campaigns.name, likePattern(q.name)) : undefined,
  );
  const order: SQL[] = {
    'date_created:asc': [asc(campaigns.dateCreated), asc(campaigns.id)],
    'date_created:desc': [desc(campaigns.dateCreated), desc(campaigns.id)],
    'name:asc': [...nameOrder('asc', campaigns.name), asc(campaigns.dateCreated), asc(campaigns.id)],
    'name:desc': [...nameOrder('desc', campaigns.name), desc(campaigns.dateCreated), desc(campaigns.id)],
  }[q.sortBy];
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(campaigns)
      .where(where)
      .orderBy(...order)
      .limit(q.limit)
      .offset(q.offset),
    db.select({ n: count() }).from(campaigns).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export type CallDetailRow = AttemptRow & { name: string | null };

/**
 * SPEC §4.10 call-details: one row per attempt of the campaign whose dial request left (or may have),
 * with the number's contact name, in the order the requests left. A staged dial or a request that
 * never left has no record, so a record, once shown, is never taken back.
 */
export async function listCallDetails(
  db: Db,
  campaignId: string,
  q: CallDetailsQuery,
): Promise<{ rows: CallDetailRow[]; total: number }> {
  const settled = q.statuses?.filter((s) => s !== 'in-progress') ?? [];
  const statusWhere = q.statuses
    ? or(
        settled.length > 0 ? inArray(attempts.status, settled) : undefined,
        q.statuses.includes('in-progress') ? isNull(attempts.status) : undefined,
      )
    : undefined;
  const where = and(eq(attempts.campaignId, campaignId), isNotNull(attempts.sentAt), statusWhere);
  const dir = q.sortBy === 'date_created:desc' ? desc : asc;
  const [rows, [total]] = await Promise.all([
    db
      .select({ attempt: attempts, name: campaignNumbers.name })
      .from(attempts)
      .leftJoin(
        campaignNumbers,
        and(eq(campaignNumbers.campaignId, attempts.campaignId), eq(campaignNumbers.position, attempts.position)),
      )
      .where(where)
      .orderBy(dir(attempts.sentAt), dir(attempts.position), dir(attempts.attemptNumber))
      .limit(q.limit)
      .offset(q.offset),
    db.select({ n: count() }).from(attempts).where(where),
  ]);
  return { rows: rows.map((r) => ({ ...r.attempt, name: r.name })), total: total?.n ?? 0 };
}

/** The campaign object of SPEC §4.9, timestamps in the account's zone. List items pass `withFrom: false`. */
export function toCampaignResource(
  row: CampaignRow,
  stats: CampaignStats,
  account: Pick<AccountRow, 'timezone'>,
  opts: { withFrom?: boolean } = {},
): CampaignResource {
  const zone = account.timezone;
  if (!isCampaignStatus(row.status))
    throw new Error(`campaign ${row.id} has unknown status ${JSON.stringify(row.status)}`);
  return {
    id: row.id,
    account_sid: row.accountSid,
    ...wireFieldsOfRow(row, zone, opts.withFrom !== false),
    status: row.status,
    date_created: formatInstant(row.dateCreated, zone),
    date_updated: formatInstant(row.dateUpdated, zone),
    date_started: formatOptional(row.dateStarted, zone),
    date_ended: formatOptional(row.dateEnded, zone),
    uri: `/v2/accounts/${row.accountSid}/campaigns/${row.id}`,
    stats,
  };
}

/** One call-details record (SPEC §4.10); a live attempt (status still null) shows `in-progress`. */
export function toCallRecord(
  row: CallDetailRow,
  campaign: Pick<CampaignRow, 'customField'>,
  account: Pick<AccountRow, 'timezone'>,
): CallRecord {
  const zone = account.timezone;
  return {
    call_sid: row.callSid,
    number: row.number,
    to: row.number,
    name: row.name,
    caller_id: row.callerId,
    from: row.callerId,
    status: row.status ?? 'in-progress',
    attempt_number: row.attemptNumber,
    reason: row.reason,
    // Issue 15: the moment the dial request left for the carrier (only sent attempts have records).
    date_created: formatInstant(row.sentAt ?? row.dateCreated, zone),
    start_time: formatOptional(row.startTime, zone),
    end_time: formatOptional(row.endTime, zone),
    duration: row.duration ?? 0,
    digits: row.digits,
    digit: row.digits,
    recording_url: row.recordingUrl,
    direction: 'Outgoing',
    custom_field: campaign.customField ?? null,
  };
}
