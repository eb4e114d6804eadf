/**
 * SPEC §4.9: stats from the per-number rows' counters (`campaign_stat_counts`), which triggers on
 * `campaign_numbers` keep in the same transaction as every change to the numbers (migrations
 * 0007_campaign_stat_triggers, 0008_campaign_stat_deferred). So a read inside a transaction sees that transaction's
 * changes, a read outside sees committed ones, and either costs a few rows instead of a scan of the campaign.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { TERMINAL_CAMPAIGN_STATUSES } from '../../domain/campaign-status';
import { listCampaignStats, statsFrom, type CampaignStats } from '../../domain/stats';

interface StatsRow extends Record<string, unknown> {
  id: string;
  list_campaign: boolean;
  terminal: boolean;
  list_numbers: number | null;
  snapshot_copied: number | null;
  taken: boolean;
  status: string | null;
  last_status: string | null;
  n: number | null;
}

/**
 * Live stats of several campaigns, in one round trip: the committed counts plus the deltas this
 * transaction has made and not yet folded in (the only deltas a read can see; see migration
 * 0008_campaign_stat_deferred), with what each campaign row says about its list snapshot
 * (`listCampaignStats`: a list campaign whose numbers are not copied yet shows its lists' count).
 */
export async function statsByCampaign(db: DbOrTx, ids: string[]): Promise<Map<string, CampaignStats>> {
  const out = new Map<string, CampaignStats>();
  if (ids.length === 0) return out;
  const idList = sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );
  const terminal = sql.join(
    TERMINAL_CAMPAIGN_STATUSES.map((t) => sql`${t}`),
    sql`, `,
  );
  const rows = await db.execute<StatsRow>(sql`
    with k as (
      select campaign_id, status, last_status, sum(n)::int as n
        from (select campaign_id, status, last_status, n
                from campaign_stat_counts where campaign_id in (${idList})
              union all
              select campaign_id, status, last_status, delta
                from campaign_stat_deltas where campaign_id in (${idList})) c
       group by 1, 2, 3
      having sum(n) > 0)
    select c.id, c.lists is not null as list_campaign, c.status in (${terminal}) as terminal, c.list_numbers,
           c.snapshot_copied, c.snapshot_at is not null as taken, k.status, k.last_status, k.n
      from campaigns c left join k on k.campaign_id = c.id
     where c.id in (${idList})`);
  for (const id of ids) {
    const mine = [...rows].filter((r) => r.id === id);
    const facts = mine[0];
    const counted = mine.flatMap((r) =>
      r.status === null
        ? []
        : [{ status: r.status, lastStatus: r.last_status === '' ? null : r.last_status, count: Number(r.n) }],
    );
    out.set(
      id,
      listCampaignStats(counted, {
        listCampaign: facts?.list_campaign ?? false,
        terminal: facts?.terminal ?? false,
        listNumbers: facts?.list_numbers ?? null,
        snapshotCopied: facts?.snapshot_copied ?? null,
        taken: facts?.taken ?? false,
      }),
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
