/** SPEC §4.10 per-number report rows, read by cursor so 500,000 rows never sit in memory. */
import { eq } from 'drizzle-orm';
import type { Db } from '../client';
import { accounts, campaigns } from '../schema';

export interface ReportRow {
  number: string;
  name: string | null;
  status: string;
  reason: string | null;
  attempts: number;
  last_status: string | null;
  last_duration: number | null;
  first_attempt_at: Date | null;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
}

/** Yields the campaign's numbers in position order, `batch` rows at a time. */
export async function* reportRows(db: Db, campaignId: string, batch = 1000): AsyncGenerator<ReportRow[]> {
  const cursor = db.$client<ReportRow[]>`
    select number, name, status, reason, attempts, last_status, last_duration,
           first_attempt_at, last_attempt_at, next_attempt_at
      from campaign_numbers where campaign_id = ${campaignId} order by position`.cursor(batch);
  // drizzle configures the shared postgres-js client to hand timestamps back as text.
  const toDate = (v: Date | string | null) => (v === null ? null : new Date(v));
  for await (const rows of cursor) {
    yield rows.map((r) => ({
      ...r,
      first_attempt_at: toDate(r.first_attempt_at),
      last_attempt_at: toDate(r.last_attempt_at),
      next_attempt_at: toDate(r.next_attempt_at),
    }));
  }
}

/** The time zone of the account that owns the campaign, or undefined when there is no such campaign. */
export async function campaignTimeZone(db: Db, campaignId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ tz: accounts.timezone })
    .from(campaigns)
    .innerJoin(accounts, eq(accounts.sid, campaigns.accountSid))
    .where(eq(campaigns.id, campaignId));
  return row?.tz;
}
