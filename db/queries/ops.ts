/**
 * SPEC §8 the ops CLI's reads (bin/ops/): campaigns across accounts, one campaign's row, the server
 * version, and what `campaigns tail` follows: attempts begun since a point, and the settlement of
 * attempts it has seen begin.
 */
import { and, asc, desc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { attempts, campaigns } from '../schema';

export type CampaignRowForOps = typeof campaigns.$inferSelect;
export type AttemptRowForOps = typeof attempts.$inferSelect;

export async function listCampaignsForOps(
  db: DbOrTx,
  q: { accountSid?: string; status?: string; limit: number },
): Promise<Array<Pick<CampaignRowForOps, 'id' | 'accountSid' | 'name' | 'status' | 'dateCreated' | 'dateEnded'>>> {
  const where: SQL[] = [];
  if (q.accountSid) where.push(eq(campaigns.accountSid, q.accountSid));
  if (q.status) where.push(sql`lower(${campaigns.status}) = ${q.status.toLowerCase()}`);
  return db
    .select({
      id: campaigns.id,
      accountSid: campaigns.accountSid,
      name: campaigns.name,
      status: campaigns.status,
      dateCreated: campaigns.dateCreated,
      dateEnded: campaigns.dateEnded,
    })
    .from(campaigns)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(desc(campaigns.dateCreated))
    .limit(q.limit);
}

export async function findCampaignForOps(db: DbOrTx, id: string): Promise<CampaignRowForOps | undefined> {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  return row;
}

export async function serverVersion(db: DbOrTx): Promise<string> {
  const [v] = await db.execute<{ version: string }>(sql`select current_setting('server_version') as version`);
  return v?.version ?? 'unknown';
}

/** The campaign's most recent `limit` attempts, oldest first (where a tail starts). */
export async function latestAttempts(db: DbOrTx, campaignId: string, limit: number): Promise<AttemptRowForOps[]> {
  const rows = await db
    .select()
    .from(attempts)
    .where(eq(attempts.campaignId, campaignId))
    .orderBy(desc(attempts.dateCreated), desc(attempts.callSid))
    .limit(limit);
  return rows.reverse();
}

/** Attempts begun after `after` (by `date_created`, on the campaign's index), oldest first. */
export async function attemptsBegunAfter(db: DbOrTx, campaignId: string, after: Date): Promise<AttemptRowForOps[]> {
  return db
    .select()
    .from(attempts)
    .where(and(eq(attempts.campaignId, campaignId), gt(attempts.dateCreated, after)))
    .orderBy(asc(attempts.dateCreated), asc(attempts.callSid))
    .limit(1000);
}

/** These attempts as they are now (the tail asks again about the ones it saw live). */
export async function attemptsBySid(db: DbOrTx, callSids: string[]): Promise<AttemptRowForOps[]> {
  if (callSids.length === 0) return [];
  return db.select().from(attempts).where(inArray(attempts.callSid, callSids));
}
