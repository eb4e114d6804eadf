/**
 * SPEC §4.9: stats from the per-number rows' counters (`campaign_stat_counts`), which triggers on
 * `campaign_numbers` keep in the same transaction as every change to the numbers (migration
 * 0007_campaign_stat_triggers). So a read inside a transaction sees that transaction's changes, a
 * read outside sees committed ones, and either costs a few rows instead of a scan of the campaign.
 */
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from '../client';
import { campaignStatCounts } from '../schema';
import { statsFrom, type CampaignStats } from '../../domain/stats';

// A transaction handle or the database itself: both can run the query.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- drizzle's transaction generics are not worth spelling out here
export type DbOrTx = Db | PgTransaction<any, any, any>;

/** Live stats of several campaigns. */
export async function statsByCampaign(db: DbOrTx, ids: string[]): Promise<Map<string, CampaignStats>> {
  const out = new Map<string, CampaignStats>();
  if (ids.length === 0) return out;
  const rows = await db
    .select({
      campaignId: campaignStatCounts.campaignId,
      status: campaignStatCounts.status,
      lastStatus: campaignStatCounts.lastStatus,
      count: sql<number>`sum(${campaignStatCounts.n})::int`,
    })
    .from(campaignStatCounts)
    .where(and(inArray(campaignStatCounts.campaignId, ids), gt(campaignStatCounts.n, 0)))
    .groupBy(campaignStatCounts.campaignId, campaignStatCounts.status, campaignStatCounts.lastStatus);
  for (const id of ids) {
    out.set(id, statsFrom(rows.filter((r) => r.campaignId === id).map((r) => ({ status: r.status, lastStatus: r.lastStatus === '' ? null : r.lastStatus, count: Number(r.count) }))));
  }
  return out;
}

export async function campaignStats(db: DbOrTx, campaignId: string): Promise<CampaignStats> {
  return (await statsByCampaign(db, [campaignId])).get(campaignId)!;
}

/** The stats counted from the numbers themselves: what the counters must always equal (tests, ops checks). */
export async function scannedStats(db: DbOrTx, campaignId: string): Promise<CampaignStats> {
  const rows = await db.execute<{ status: string; last_status: string | null; n: number }>(sql`
    select status, last_status, count(*)::int as n from campaign_numbers where campaign_id = ${campaignId} group by 1, 2`);
  return statsFrom([...rows].map((r) => ({ status: r.status, lastStatus: r.last_status, count: Number(r.n) })));
}
