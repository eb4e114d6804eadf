/**
 * SPEC §1 (ext) `Idempotency-Key` (api/middleware/idempotency.ts): claiming a key, keeping the first
 * answer, and reading it back. Times are the database's, so every API replica agrees on expiry.
 */
import { and, eq, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { idempotencyKeys } from '../schema';

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

/** How long a key's first answer is kept (SPEC §1: 24 h). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Takes the key for `owner` when it is free: unknown, expired, or held by a request that has not
 * answered within `leaseMs` (its process died). Otherwise returns the row as it stands.
 */
export async function claimIdempotencyKey(
  db: Db,
  input: { accountSid: string; key: string; owner: string; leaseMs: number },
): Promise<{ kind: 'owner' } | { kind: 'taken'; row: IdempotencyRow }> {
  const lockedUntil = sql`now() + ${`${input.leaseMs} milliseconds`}::interval`;
  const expiresAt = sql`now() + ${`${IDEMPOTENCY_TTL_MS} milliseconds`}::interval`;
  const [claimed] = await db
    .insert(idempotencyKeys)
    .values({ accountSid: input.accountSid, key: input.key, owner: input.owner, lockedUntil, expiresAt })
    .onConflictDoUpdate({
      target: [idempotencyKeys.accountSid, idempotencyKeys.key],
      set: {
        owner: input.owner,
        fingerprint: null,
        responseStatus: null,
        responseBody: null,
        responseType: null,
        lockedUntil,
        createdAt: sql`now()`,
        expiresAt,
      },
      setWhere: sql`${idempotencyKeys.expiresAt} <= now()
        or (${idempotencyKeys.responseStatus} is null and ${idempotencyKeys.lockedUntil} <= now())`,
    })
    .returning({ owner: idempotencyKeys.owner });
  if (claimed?.owner === input.owner) return { kind: 'owner' };
  const row = await readIdempotencyKey(db, input.accountSid, input.key);
  // Released between the two statements: the caller claims again.
  return row ? { kind: 'taken', row } : claimIdempotencyKey(db, input);
}

/** The key's row while it has not expired. */
export async function readIdempotencyKey(db: Db, accountSid: string, key: string): Promise<IdempotencyRow | undefined> {
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.accountSid, accountSid),
        eq(idempotencyKeys.key, key),
        sql`${idempotencyKeys.expiresAt} > now()`,
      ),
    );
  return row;
}

/** Keeps the owner's answer (a takeover after a lapsed lease makes this a no-op). */
export async function completeIdempotencyKey(
  db: Db,
  input: {
    accountSid: string;
    key: string;
    owner: string;
    fingerprint: string;
    status: number;
    body: string;
    type: string | null;
  },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({
      fingerprint: input.fingerprint,
      responseStatus: input.status,
      responseBody: input.body,
      responseType: input.type,
    })
    .where(
      and(
        eq(idempotencyKeys.accountSid, input.accountSid),
        eq(idempotencyKeys.key, input.key),
        eq(idempotencyKeys.owner, input.owner),
        isNull(idempotencyKeys.responseStatus),
      ),
    );
}

/** Frees the key without an answer (the request failed with nothing created): the next one runs. */
export async function releaseIdempotencyKey(db: Db, input: { accountSid: string; key: string; owner: string }) {
  await db
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.accountSid, input.accountSid),
        eq(idempotencyKeys.key, input.key),
        eq(idempotencyKeys.owner, input.owner),
        isNull(idempotencyKeys.responseStatus),
      ),
    );
}

/** Deletes up to `limit` expired keys; returns how many. */
export async function purgeExpiredIdempotencyKeys(db: Db, limit = 1000): Promise<number> {
  const rows = await db.execute(sql`
    delete from ${idempotencyKeys} where ctid in (
      select ctid from ${idempotencyKeys} where ${lte(idempotencyKeys.expiresAt, sql`now()`)} limit ${limit}
    )`);
  return rows.count;
}
