/**
 * SPEC §1 rate limit: a sliding 60-second window per account, shared by every API replica through
 * `api_requests` and `api_rate_counters`. One round trip per request: the SQL function `api_rate_hit`
 * (migration 0016_api_rate_counters) locks the bucket's counter row, expires what left the window,
 * and counts the request only when it fits, all on the database's clock.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../client';

export interface WindowState {
  allowed: boolean;
  /** Requests counted in the window, this one included when allowed. */
  count: number;
  /** The oldest counted request in the window (it leaves the window first); `now` when none. */
  oldest: Date;
  /** The database's clock when the request was judged (every replica's clock for the window). */
  now: Date;
  /** The counted hit, for `refundHit`; null when not allowed. */
  hitId: number | null;
}

interface HitRow extends Record<string, unknown> {
  allowed: boolean;
  counted: number;
  oldest_at: string | null;
  db_now: string;
  hit_id: string | null;
}

/**
 * Counts `weight` requests in `bucket` unless that would take the window past `limit`; rejected
 * requests are not counted.
 */
export async function hitWindow(
  db: Db,
  input: { bucket: string; limit: number; windowMs: number; weight?: number },
): Promise<WindowState> {
  const [row] = await db.execute<HitRow>(
    sql`select * from api_rate_hit(${input.bucket}, ${input.limit}, ${input.weight ?? 1}, ${input.windowMs})`,
  );
  if (!row) throw new Error('api_rate_hit returned no row');
  const now = new Date(row.db_now);
  return {
    allowed: row.allowed,
    count: Number(row.counted),
    oldest: row.oldest_at ? new Date(row.oldest_at) : now,
    now,
    hitId: row.hit_id === null ? null : Number(row.hit_id),
  };
}

/** Takes back a counted hit (its request ended as a 429 after all). */
export async function refundHit(db: Db, bucket: string, hitId: number): Promise<void> {
  await db.execute(sql`select api_rate_refund(${bucket}, ${hitId})`);
}

/** Expires the windows of buckets unused for `windowMs`; returns how many it looked at. */
export async function pruneRequests(db: Db, windowMs: number): Promise<number> {
  const [row] = await db.execute<{ n: number }>(sql`select api_rate_prune(${windowMs}) as n`);
  return Number(row?.n ?? 0);
}
