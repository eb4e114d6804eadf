/**
 * SPEC §2 (ext) `GET /campaigns/{id}/numbers` and §4.10 call-details as CSV: the campaign's numbers
 * paged by position, and every attempt streamed by cursor so 500,000 rows never sit in memory.
 */
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client';
import { campaignNumbers } from '../schema';
import type { AccountRow } from './accounts';
import type { CallDetailRow } from './campaigns';
import { NUMBER_STATUSES, type NumberStatus } from '../../domain/attempt-status';
import { TIMEZONE_COLUMN } from '../../domain/recipient-window';
import { formatOptional } from '../../domain/time';
import type { CallDetailsQuery } from '../../domain/schemas/call-details';
import type { CampaignNumberResource, CampaignNumbersQuery } from '../../domain/schemas/campaign-numbers';

export type CampaignNumberRow = typeof campaignNumbers.$inferSelect;

const isNumberStatus = (s: string): s is NumberStatus => (NUMBER_STATUSES as readonly string[]).includes(s);

export async function listCampaignNumbers(
  db: Db,
  campaignId: string,
  q: CampaignNumbersQuery,
): Promise<{ rows: CampaignNumberRow[]; total: number }> {
  const where = and(
    eq(campaignNumbers.campaignId, campaignId),
    q.statuses ? inArray(campaignNumbers.status, q.statuses) : undefined,
  );
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(campaignNumbers)
      .where(where)
      .orderBy(asc(campaignNumbers.position))
      .limit(q.limit)
      .offset(q.offset),
    db.select({ n: count() }).from(campaignNumbers).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export function toCampaignNumberResource(
  row: CampaignNumberRow,
  account: Pick<AccountRow, 'timezone'>,
): CampaignNumberResource {
  if (!isNumberStatus(row.status))
    throw new Error(
      `campaign ${row.campaignId} number ${row.position} has unknown status ${JSON.stringify(row.status)}`,
    );
  return {
    position: row.position,
    number: row.number,
    name: row.name,
    contact_sid: row.contactSid,
    status: row.status,
    attempts: row.attempts,
    last_status: row.lastStatus,
    next_attempt_at: formatOptional(row.nextAttemptAt, account.timezone),
    reason: row.reason,
  };
}

type RawCallDetail = Omit<
  CallDetailRow,
  'dialStartedAt' | 'sentAt' | 'dateCreated' | 'startTime' | 'endTime' | 'settledAt'
> & {
  dialStartedAt: string | Date | null;
  sentAt: string | Date | null;
  dateCreated: string | Date;
  startTime: string | Date | null;
  endTime: string | Date | null;
  settledAt: string | Date | null;
};

/**
 * Call-details rows (SPEC §4.10) with the same filters and order as the paged endpoint, `batch` at a
 * time from a server-side cursor. `offset`/`limit` apply only when given.
 */
export async function* callDetailRows(
  db: Db,
  campaignId: string,
  q: Pick<CallDetailsQuery, 'statuses' | 'sortBy'> & { offset: number | null; limit: number | null },
  batch = 1000,
): AsyncGenerator<CallDetailRow[]> {
  const sql = db.$client;
  const settled = q.statuses?.filter((s) => s !== 'in-progress') ?? [];
  const live = q.statuses?.includes('in-progress') ?? false;
  const statusWhere = q.statuses
    ? sql`and (${settled.length > 0 ? sql`a.status in ${sql(settled)}` : sql`false`}
           or ${live ? sql`a.status is null` : sql`false`})`
    : sql``;
  const dir = q.sortBy === 'date_created:desc' ? sql`desc` : sql`asc`;
  const cursor = sql<RawCallDetail[]>`
    select a.call_sid as "callSid", a.campaign_id as "campaignId", a.position, a.attempt_number as "attemptNumber",
           a.number, a.caller_id as "callerId", a.token, a.carrier_sid as "carrierSid",
           a.dial_started_at as "dialStartedAt", a.sent_at as "sentAt",
           a.status, a.reason, a.date_created as "dateCreated", a.start_time as "startTime", a.end_time as "endTime",
           a.duration, a.digits, a.recording_url as "recordingUrl", a.settled_at as "settledAt", n.name
      from attempts a
      left join campaign_numbers n on n.campaign_id = a.campaign_id and n.position = a.position
     where a.campaign_id = ${campaignId} and a.sent_at is not null ${statusWhere}
     order by a.sent_at ${dir}, a.position ${dir}, a.attempt_number ${dir}
     ${q.offset !== null ? sql`offset ${q.offset}` : sql``}
     ${q.limit !== null ? sql`limit ${q.limit}` : sql``}`.cursor(batch);
  // drizzle configures the shared postgres-js client to hand timestamps back as text.
  const date = (v: string | Date | null) => (v === null ? null : new Date(v));
  for await (const rows of cursor) {
    yield rows.map((r) => ({
      ...r,
      dialStartedAt: date(r.dialStartedAt),
      sentAt: date(r.sentAt),
      dateCreated: new Date(r.dateCreated),
      startTime: date(r.startTime),
      endTime: date(r.endTime),
      settledAt: date(r.settledAt),
    }));
  }
}

/** The most distinct recipients `windowRecipients` reads (a campaign rarely spans so many prefixes). */
const WINDOW_RECIPIENTS_MAX = 5000;

/**
 * SPEC §4.4 (ext): one number for each leading `+` and six digits (enough to fix the country, NANP's
 * area code included) and contact `timezone` among the campaign's numbers still to be dialled, so
 * the campaign-level window judges each recipient zone once whatever the campaign's size.
 */
export async function windowRecipients(
  db: DbOrTx,
  campaignId: string,
): Promise<Array<{ number: string; vars: Record<string, string> | null }>> {
  const rows = await db.execute<{ number: string; tz: string | null }>(sql`
    select distinct on (left(number, 7), vars->>${TIMEZONE_COLUMN}) number, vars->>${TIMEZONE_COLUMN} as tz
      from campaign_numbers
     where campaign_id = ${campaignId} and status in ('pending', 'retry')
     limit ${WINDOW_RECIPIENTS_MAX}`);
  return rows.map((r) => ({ number: r.number, vars: r.tz === null ? null : { [TIMEZONE_COLUMN]: r.tz } }));
}
