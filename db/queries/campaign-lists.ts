/**
 * SPEC §3 campaigns fed by `lists`: the facts a create judges the lists by, read under a share lock
 * so a list cannot be deleted between the check and the commit, and the campaign's number source.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { campaigns, csvUploads, lists } from '../schema';
import type { Tx } from './campaigns';
import type { ListFacts } from '../../domain/campaign-input';

/** The account's lists among `sids`, share-locked until the transaction ends. */
export async function lockListFacts(tx: Tx, accountSid: string, sids: string[]): Promise<ListFacts[]> {
  if (sids.length === 0) return [];
  const rows = await tx
    .select({ sid: lists.sid, type: lists.type, columns: lists.columns })
    .from(lists)
    .where(and(eq(lists.accountSid, accountSid), inArray(lists.sid, sids)))
    .for('share');
  const busy = new Set(
    (
      await tx
        .select({ listSid: csvUploads.listSid })
        .from(csvUploads)
        .where(and(inArray(csvUploads.listSid, sids), eq(csvUploads.status, 'processing')))
    ).map((r) => r.listSid),
  );
  return rows.map((r) => ({
    sid: r.sid,
    type: r.type === 'static' || r.type === 'dynamic' ? r.type : null,
    columns: r.columns,
    processing: busy.has(r.sid),
  }));
}

/** Makes the campaign a list campaign: `lists` set, `from` cleared (it is echoed only for inline numbers). */
export async function setCampaignLists(tx: Tx, campaignId: string, listSids: string[]): Promise<void> {
  await tx
    .update(campaigns)
    .set({ lists: listSids, from: sql`null` })
    .where(eq(campaigns.id, campaignId));
}

/** Numbers a list campaign would dial now: distinct E.164 numbers (or all entries with duplicates allowed). */
export async function countListNumbers(
  tx: Tx,
  accountSid: string,
  listSids: string[],
  callDuplicateNumbers: boolean,
): Promise<number> {
  const [row] = await tx.execute<{ n: number }>(sql`
    select ${callDuplicateNumbers ? sql`count(*)` : sql`count(distinct c.number)`}::int as n
      from list_memberships m
      join lists l on l.sid = m.list_sid and l.account_sid = ${accountSid}
      join contacts c on c.sid = m.contact_sid
     where m.list_sid in ${listSids}`);
  return row?.n ?? 0;
}
