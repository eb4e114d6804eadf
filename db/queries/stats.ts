/** SPEC §4.9: stats derived from the per-number rows, in the same transaction as any change to them. */
import { count, eq } from 'drizzle-orm';
import type { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from '../client';
import { campaignNumbers } from '../schema';
import { statsFrom, type CampaignStats } from '../../domain/stats';

// A transaction handle or the database itself: both can run the query.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- drizzle's transaction generics are not worth spelling out here
export type DbOrTx = Db | PgTransaction<any, any, any>;

export async function campaignStats(db: DbOrTx, campaignId: string): Promise<CampaignStats> {
  const rows = await db
    .select({ status: campaignNumbers.status, lastStatus: campaignNumbers.lastStatus, count: count() })
    .from(campaignNumbers)
    .where(eq(campaignNumbers.campaignId, campaignId))
    .groupBy(campaignNumbers.status, campaignNumbers.lastStatus);
  return statsFrom(rows);
}
