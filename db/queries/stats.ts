/**
 * SPEC §4.9: stats from the per-number rows' counters (`campaign_stat_counts`), which triggers on
 * `campaign_numbers` keep in the same transaction as every change to the numbers (migrations
 * 0007_campaign_stat_triggers, 0008_campaign_stat_deferred). So a read inside a transaction sees that
 * transaction's changes, a read outside sees committed ones, and either costs a few rows instead of a
 * scan of the campaign.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { statsFrom, type CampaignStats } from '../../domain/stats';

/**
 * Live stats of several campaigns: the committed counts plus the deltas this transaction has made
 * and not yet folded in (the only deltas a read can see; see migration 0008_campaign_stat_deferred).
 */
export async function statsByCampaign(db: DbOrTx, ids: string[]): Promise<Map<string, CampaignStats>> {
  const out = new Map<string, CampaignStats>();
  if (ids.length === 0) return out;
  const idList = sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );
  const rows = await db.execute<{ campaign_id: string; status: string; last_status: string; n: number }>(sql`
    select campaign_id, status, last_status, sum(n)::int as n
      from (select campaign_id, status, last_status, n from campaign_stat_counts where campaign_id in (${idList})
            union all
            select campaign_id, status, last_status, delta from campaign_stat_deltas where campaign_id in (${idList})) c
     group by 1, 2, 3
    having sum(n) > 0`);
  for (const id of ids) {
    const mine = [...rows].filter((r) => r.campaign_id === id);
    out.set(
      id,
      statsFrom(
        mine.map((r) => ({
          status: r.status,
          lastStatus: r.last_status === '' ? null : r.last_status,
          count: Number(r.n),
        })),
      ),
    );
  }
  return out;
}

export async function campaignStats(db: DbOrTx, campaignId: string): Promise<CampaignStats> {
  return (await statsByCampaign(db, [campaignId])).get(campaignId)!;
}

/** The stats counted from the numbers themselves: what the counters must always equal (tests, ops checks). */
export async function scannedStats(db: DbOrTx, campaignId: string): Promise<CampaignStats> {
  const rows = await db.execute<{ status: string; last_status: string | null; n: number }>(sql`
    select status, last_status, count(*)::int as n
      from campaign_numbers where campaign_id = ${campaignId} group by 1, 2`);
  return statsFrom([...rows].map((r) => ({ status: r.status, lastStatus: r.last_status, count: Number(r.n) })));
}
