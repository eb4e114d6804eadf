/**
 * SPEC §8 `/metrics`: the read-model figures the API exposes, read at scrape time. Each query reads
 * small sets only: the dial gate's rows (live work), the stat counters of campaigns that are not
 * terminal, the undelivered and abandoned webhook deliveries (partial indexes), the upload rows.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { NON_TERMINAL_CAMPAIGN_STATUSES } from '../../domain/campaign-status';

export interface ChannelFigures {
  accountSid: string;
  /** Calls live: dial request sent, final status not yet recorded (SPEC §4.5). */
  live: number;
  /** Slots granted whose dial request has not left yet (staged at the send spacer). */
  staged: number;
  /** Numbers waiting at the dial gate for a slot. */
  waiting: number;
}

/** Every account, an idle one with zeros (its gauges read 0 rather than vanish from the scrape). */
export async function channelFigures(db: DbOrTx): Promise<ChannelFigures[]> {
  const rows = await db.execute<{ account_sid: string; live: number; staged: number; waiting: number }>(sql`
    select a.sid as account_sid,
           count(w.*) filter (where w.sent_at is not null)::int as live,
           count(w.*) filter (where w.granted_at is not null and w.sent_at is null)::int as staged,
           count(w.*) filter (where w.granted_at is null)::int as waiting
      from accounts a left join dial_waiters w on w.account_sid = a.sid group by a.sid`);
  return [...rows].map((r) => ({ accountSid: r.account_sid, live: r.live, staged: r.staged, waiting: r.waiting }));
}

/** Numbers still to finish (pending, in-progress, retry) by their campaign's status. */
export async function unfinishedNumbers(
  db: DbOrTx,
): Promise<Array<{ campaignStatus: string; numberStatus: string; count: number }>> {
  const statuses = sql.join(
    NON_TERMINAL_CAMPAIGN_STATUSES.map((s) => sql`${s}`),
    sql`, `,
  );
  const rows = await db.execute<{ campaign_status: string; number_status: string; n: number }>(sql`
    select c.status as campaign_status, s.status as number_status, sum(s.n)::int as n
      from campaigns c join campaign_stat_counts s on s.campaign_id = c.id
     where c.status in (${statuses}) and s.status in ('pending', 'in-progress', 'retry')
     group by 1, 2`);
  return [...rows].map((r) => ({ campaignStatus: r.campaign_status, numberStatus: r.number_status, count: r.n }));
}

export interface WebhookFigures {
  /** Pending and never tried. */
  pending: number;
  /** Pending with at least one failed try. */
  retrying: number;
  abandoned: number;
  /** Age in seconds of the oldest delivery not yet delivered or abandoned; 0 when none. */
  oldestUndeliveredSeconds: number;
}

export async function webhookFigures(db: DbOrTx): Promise<WebhookFigures> {
  const [row] = await db.execute<{ pending: number; retrying: number; oldest: number | null; abandoned: number }>(sql`
    select count(*) filter (where tries = 0)::int as pending,
           count(*) filter (where tries > 0)::int as retrying,
           extract(epoch from clock_timestamp() - min(created_at))::float8 as oldest,
           (select count(*)::int from webhook_deliveries where status = 'abandoned') as abandoned
      from webhook_deliveries where status = 'pending'`);
  return {
    pending: row?.pending ?? 0,
    retrying: row?.retrying ?? 0,
    abandoned: row?.abandoned ?? 0,
    oldestUndeliveredSeconds: Math.max(0, Number(row?.oldest ?? 0)),
  };
}

/** Rows every CSV import has processed so far (a counter: `rate()` of it is rows/s), and imports running. */
export async function csvImportFigures(db: DbOrTx): Promise<{ rows: number; processing: number }> {
  const [row] = await db.execute<{ rows: number; processing: number }>(sql`
    select coalesce(sum(total_records), 0)::float8 as rows,
           count(*) filter (where status = 'processing')::int as processing
      from csv_uploads`);
  return { rows: Number(row?.rows ?? 0), processing: row?.processing ?? 0 };
}
