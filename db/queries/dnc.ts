/**
 * SPEC §7 (ext) the do-not-call list: entries per account and E.164 number, and the check a
 * campaign's numbers pass when they are created (list snapshots take it in db/queries/snapshots.ts).
 */
import { and, asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client';
import { campaignNumbers, dncNumbers } from '../schema';
import type { AccountRow } from './accounts';
import { REASONS } from '../../domain/attempt-status';
import type { DncResource } from '../../domain/schemas/dnc';
import { formatInstant } from '../../domain/time';

export type DncRow = typeof dncNumbers.$inferSelect;
export type DncSource = 'api' | 'csv_upload';

/** Rows per INSERT: 3 parameters a row keeps a batch far below PostgreSQL's parameter cap. */
export const DNC_BATCH = 1000;

/** Adds numbers (E.164, distinct); returns the ones that were not on the list before. */
export async function addDncNumbers(
  db: DbOrTx,
  accountSid: string,
  numbers: string[],
  source: DncSource,
): Promise<Set<string>> {
  const added = new Set<string>();
  for (let start = 0; start < numbers.length; start += DNC_BATCH) {
    const batch = numbers.slice(start, start + DNC_BATCH);
    const rows = await db
      .insert(dncNumbers)
      .values(batch.map((number) => ({ accountSid, number, source })))
      .onConflictDoNothing()
      .returning({ number: dncNumbers.number });
    for (const r of rows) added.add(r.number);
  }
  return added;
}

/** The entries for `numbers` that exist, by number. */
export async function findDncNumbers(db: DbOrTx, accountSid: string, numbers: string[]): Promise<Map<string, DncRow>> {
  if (numbers.length === 0) return new Map();
  const rows = await db
    .select()
    .from(dncNumbers)
    .where(and(eq(dncNumbers.accountSid, accountSid), inArray(dncNumbers.number, numbers)));
  return new Map(rows.map((r) => [r.number, r]));
}

/** One page of the account's list, oldest first, and its total. */
export async function listDncNumbers(
  db: Db,
  accountSid: string,
  page: { offset: number; limit: number },
): Promise<{ rows: DncRow[]; total: number }> {
  const where = eq(dncNumbers.accountSid, accountSid);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(dncNumbers)
      .where(where)
      .orderBy(asc(dncNumbers.dateCreated), asc(dncNumbers.number))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ n: count() }).from(dncNumbers).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** Removes one entry; returns it, or undefined when the number was not on the list. */
export async function deleteDncNumber(db: Db, accountSid: string, number: string): Promise<DncRow | undefined> {
  const [row] = await db
    .delete(dncNumbers)
    .where(and(eq(dncNumbers.accountSid, accountSid), eq(dncNumbers.number, number)))
    .returning();
  return row;
}

/**
 * SPEC §3, §7: the campaign's `pending` numbers that are on its account's list become `suppressed`
 * with reason `dnc`, in the caller's transaction (one statement; inline numbers, after they are
 * inserted). Returns how many.
 */
export async function suppressDncNumbers(tx: DbOrTx, campaignId: string, accountSid: string): Promise<number> {
  const rows = await tx.execute(sql`
    update campaign_numbers cn set status = 'suppressed', reason = ${REASONS.dnc}, date_updated = now()
      from dnc_numbers d
     where cn.campaign_id = ${campaignId} and cn.status = 'pending'
       and d.account_sid = ${accountSid} and d.number = cn.number`);
  return rows.count;
}

/** How many of the campaign's numbers are suppressed (the create response's `stats.suppressed`). */
export async function countSuppressed(tx: DbOrTx, campaignId: string): Promise<number> {
  const [row] = await tx
    .select({ n: count() })
    .from(campaignNumbers)
    .where(and(eq(campaignNumbers.campaignId, campaignId), eq(campaignNumbers.status, 'suppressed')));
  return row?.n ?? 0;
}

/** One entry as the wire shows it, its time in the account's zone. */
export function toDncResource(row: DncRow, account: Pick<AccountRow, 'sid' | 'timezone'>): DncResource {
  return {
    number: row.number,
    source: row.source === 'csv_upload' ? 'csv_upload' : 'api',
    date_created: formatInstant(row.dateCreated, account.timezone),
    uri: `/v2/accounts/${account.sid}/dnc/${encodeURIComponent(row.number)}`,
  };
}

/** Whether `number` (E.164) is on the account's do-not-call list now (one primary-key read). */
export async function isOnDncList(db: DbOrTx, accountSid: string, number: string): Promise<boolean> {
  const [row] = await db
    .select({ number: dncNumbers.number })
    .from(dncNumbers)
    .where(and(eq(dncNumbers.accountSid, accountSid), eq(dncNumbers.number, number)))
    .limit(1);
  return row !== undefined;
}

/**
 * SPEC §4.2/§4.4: a number that may not be dialled again (listed while its campaign runs: `dnc`; no
 * calling window in its zones: `no_window`) ends `failed` before its next dial, without an attempt
 * (so no call-details record). Only a number still waiting to dial moves.
 */
export async function failWaitingNumber(
  db: DbOrTx,
  campaignId: string,
  position: number,
  reason: string,
  now: Date,
): Promise<boolean> {
  const rows = await db
    .update(campaignNumbers)
    .set({ status: 'failed', reason, nextAttemptAt: null, dateUpdated: now })
    .where(
      and(
        eq(campaignNumbers.campaignId, campaignId),
        eq(campaignNumbers.position, position),
        inArray(campaignNumbers.status, ['pending', 'retry']),
      ),
    )
    .returning({ position: campaignNumbers.position });
  return rows.length > 0;
}
