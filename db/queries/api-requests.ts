/**
 * SPEC §1 rate limit: a sliding 60-second window per account, shared by every API replica through
 * the `api_requests` table. A per-bucket advisory lock makes count-then-insert exact across replicas.
 */
import { and, count, eq, gt, lt, min, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { apiRequests } from '../schema';

export interface WindowState {
  allowed: boolean;
  /** Requests counted in the window, this one included when allowed. */
  count: number;
  /** The oldest counted request in the window; it leaves the window first. */
  oldest: Date;
}

/** Counts one request in `bucket` unless the window already holds `limit`; rejected requests are not recorded. */
export async function hitWindow(
  db: Db,
  input: { bucket: string; limit: number; windowMs: number; now: Date },
): Promise<WindowState> {
  const { bucket, limit, windowMs, now } = input;
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${bucket}, 0))`);
    const [row] = await tx
      .select({ n: count(), oldest: min(apiRequests.at) })
      .from(apiRequests)
      .where(and(eq(apiRequests.bucket, bucket), gt(apiRequests.at, new Date(now.getTime() - windowMs))));
    const n = row?.n ?? 0;
    const oldest = row?.oldest ? new Date(row.oldest) : now;
    if (n >= limit) return { allowed: false, count: n, oldest };
    await tx.insert(apiRequests).values({ bucket, at: now });
    return { allowed: true, count: n + 1, oldest };
  });
}

/** Deletes rows that no window can see any more. */
export async function pruneRequests(db: Db, before: Date): Promise<void> {
  await db.delete(apiRequests).where(lt(apiRequests.at, before));
}
