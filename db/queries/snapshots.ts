/**
 * SPEC §5 "A campaign snapshots its lists' memberships when it starts": a list campaign's numbers copied into
 * `campaign_numbers` in list then membership order, once each unless `call_duplicate_numbers`. `snapshotListNumbers`
 * copies inside the caller's transaction; `takeListSnapshot` copies in chunks at start (docs/architecture.md).
 */
import { drizzle } from 'drizzle-orm/postgres-js';
import { eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client';
import * as schema from '../schema';
import { campaignNumbers, campaigns } from '../schema';
import { listLockKey } from './lists';
import { REASONS } from '../../domain/attempt-status';
import { isCampaignStatus, isTerminal } from '../../domain/campaign-status';

/** Rows per transaction of `takeListSnapshot`. */
export const SNAPSHOT_CHUNK = 50_000;
/** Lists up to this many numbers are previewed at create; bigger ones wait for the snapshot at start. */
export const PREVIEW_MAX_NUMBERS = 10_000;

interface SnapshotSource {
  accountSid: string;
  /** The campaign's lists, in order, that exist in its account (a repeated list stays repeated). */
  lists: string[];
  duplicates: boolean;
}

async function sourceOf(db: DbOrTx, campaignId: string): Promise<SnapshotSource | null> {
  const [c] = await db.execute<{ account_sid: string; lists: string[] | null; dup: boolean; found: string[] }>(sql`
    select c.account_sid, c.lists, c.call_duplicate_numbers as dup,
           coalesce((select array_agg(l.sid) from lists l
                      where l.account_sid = c.account_sid
                        and l.sid in (select jsonb_array_elements_text(coalesce(c.lists, '[]'::jsonb)))), '{}') as found
      from campaigns c where c.id = ${campaignId}`);
  if (!c) throw new Error(`snapshot: campaign ${campaignId} does not exist`);
  if (c.lists === null) return null;
  const found = new Set(c.found);
  return { accountSid: c.account_sid, lists: c.lists.filter((l) => found.has(l)), duplicates: c.dup };
}

/**
 * Copies up to `limit` numbers of list `index` after membership `afterSeq`, at positions from
 * `base`; returns how many and the last `seq` copied. `name` is the contact's first and last name,
 * `vars` its standard fields plus the membership's dynamic columns (what `renderGreeting` reads).
 * A number on the account's do-not-call list is `suppressed`, reason `dnc` (SPEC §3, §7 (ext)).
 */
async function copyChunk(
  db: DbOrTx,
  campaignId: string,
  src: SnapshotSource,
  step: { index: number; afterSeq: number; base: number; limit: number | null },
): Promise<{ copied: number; lastSeq: number }> {
  const list = src.lists[step.index]!;
  const earlier = src.lists.slice(0, step.index);
  const firstOnly =
    src.duplicates || earlier.length === 0
      ? sql``
      : sql`and not exists (select 1 from list_memberships e
                              where e.list_sid in (${sql.join(
                                earlier.map((l) => sql`${l}`),
                                sql`, `,
                              )}) and e.contact_sid = m.contact_sid)`;
  const [r] = await db.execute<{ copied: number; last: string | null }>(sql`
    with src as (
      select m.seq, c.sid as contact_sid, c.number,
             nullif(concat_ws(' ', nullif(c.first_name, ''), nullif(c.last_name, '')), '') as name,
             jsonb_strip_nulls(jsonb_build_object(
               'number', c.number, 'first_name', c.first_name, 'last_name', c.last_name,
               'company_name', c.company_name, 'email', c.email, 'tag', c.tag
             )) || coalesce(m.vars, '{}'::jsonb) as vars
        from list_memberships m
        join contacts c on c.sid = m.contact_sid
       where m.list_sid = ${list} and m.seq > ${step.afterSeq} ${firstOnly}
       order by m.seq
       ${step.limit === null ? sql`` : sql`limit ${step.limit}`}
    ),
    ins as (
      insert into campaign_numbers (campaign_id, position, number, name, contact_sid, vars, status, reason,
                                    date_updated)
      select ${campaignId}, ${step.base} + (row_number() over (order by seq))::int - 1,
             src.number, name, contact_sid, vars,
             case when dnc.number is null then 'pending' else 'suppressed' end,
             case when dnc.number is null then null else ${REASONS.dnc} end, now()
        from src
        left join dnc_numbers dnc on dnc.account_sid = ${src.accountSid} and dnc.number = src.number
      returning 1
    )
    select (select count(*) from ins)::int as copied, (select max(seq) from src)::text as last`);
  return { copied: r?.copied ?? 0, lastSeq: r?.last ? Number(r.last) : step.afterSeq };
}

/**
 * How many numbers the snapshot of `lists` would take now (what a create's `stats` show, SPEC §3):
 * every entry with duplicates allowed, else the distinct contacts (a contact is one number of its
 * account, with one membership per list). Counts memberships only, never the whole source.
 */
export async function countSnapshotNumbers(db: DbOrTx, src: { lists: string[]; duplicates: boolean }): Promise<number> {
  const distinct = [...new Set(src.lists)];
  if (distinct.length === 0) return 0;
  const inLists = sql.join(
    distinct.map((l) => sql`${l}`),
    sql`, `,
  );
  const [r] = await db.execute<{ n: number }>(
    src.duplicates
      ? sql`select coalesce(sum((select count(*) from list_memberships m where m.list_sid = l.sid)), 0)::int as n
              from unnest(array[${sql.join(
                src.lists.map((l) => sql`${l}`),
                sql`, `,
              )}]::text[]) as l(sid)`
      : distinct.length === 1
        ? sql`select count(*)::int as n from list_memberships m where m.list_sid = ${distinct[0]!}`
        : sql`select count(distinct m.contact_sid)::int as n from list_memberships m where m.list_sid in (${inLists})`,
  );
  return Number(r?.n ?? 0);
}

/**
 * Replaces the campaign's `campaign_numbers` with a snapshot of its lists (`pending`, or `suppressed`
 * when on the do-not-call list), inside the caller's transaction, and marks them taken. Returns how
 * many numbers it holds; a campaign with `from` instead of lists is left untouched (returns its
 * current count).
 */
export async function snapshotListNumbers(tx: DbOrTx, campaignId: string): Promise<number> {
  const src = await sourceOf(tx, campaignId);
  if (!src) {
    const [r] = await tx.execute<{ n: number }>(
      sql`select count(*)::int as n from campaign_numbers where campaign_id = ${campaignId}`,
    );
    return r?.n ?? 0;
  }
  await tx.execute(sql`delete from campaign_numbers where campaign_id = ${campaignId}`);
  let base = 0;
  for (let index = 0; index < src.lists.length; index++)
    base += (await copyChunk(tx, campaignId, src, { index, afterSeq: 0, base, limit: null })).copied;
  await tx.execute(sql`
    update campaigns set list_numbers = ${base}, snapshot_copied = null, snapshot_at = now() where id = ${campaignId}`);
  return base;
}

/**
 * What a create or a PUT of `lists` writes (SPEC §3 "the counts reflect the lists at creation"):
 * the count of the lists' numbers, and for lists of up to `PREVIEW_MAX_NUMBERS` the preview itself
 * (so the numbers endpoint and the report show them before the start). A bigger list's numbers wait
 * for the snapshot at start; until then `stats` show the count. Returns the count.
 */
export async function previewListNumbers(tx: DbOrTx, campaignId: string): Promise<number> {
  const src = await sourceOf(tx, campaignId);
  if (!src) return snapshotListNumbers(tx, campaignId);
  const total = await countSnapshotNumbers(tx, src);
  if (total <= PREVIEW_MAX_NUMBERS) return snapshotListNumbers(tx, campaignId);
  await tx.execute(sql`delete from campaign_numbers where campaign_id = ${campaignId}`);
  await tx.execute(sql`
    update campaigns set list_numbers = ${total}, snapshot_copied = null, snapshot_at = null where id = ${campaignId}`);
  return total;
}

/**
 * The snapshot at start, for lists of any size: on a connection of its own, it holds each list with a
 * shared lock (writers of a list's members wait; other snapshots do not), drops what the campaign's
 * rows held (a preview, or an interrupted attempt), counts the numbers, and copies them in chunks of
 * `chunk`, each its own transaction that also records how many are copied (`snapshot_copied`, which
 * `stats.snapshot` shows). The caller marks the snapshot taken in the transaction that starts the
 * campaign. Run again after a failure, it starts over. Returns how many numbers were copied.
 */
export async function takeListSnapshot(db: Db, campaignId: string, chunk = SNAPSHOT_CHUNK): Promise<number> {
  const conn = await db.$client.reserve();
  // Drizzle over the one reserved connection: the locks, the chunks and their progress share it. A
  // reserved connection shares its pool's options; drizzle reads the type parsers from them.
  const on = drizzle(Object.assign(conn, { options: db.$client.options }), { schema });
  const held: string[] = [];
  try {
    // One snapshot of a campaign at a time (an activity retried while its first try still runs waits).
    await on.execute(sql`select pg_advisory_lock(hashtextextended(${`snapshot:${campaignId}`}, 0))`);
    held.push(`snapshot:${campaignId}`);
    const src = await sourceOf(on, campaignId);
    if (!src) return 0;
    for (const list of [...new Set(src.lists)].sort()) {
      await on.execute(sql`select pg_advisory_lock_shared(hashtextextended(${listLockKey(list)}, 0))`);
      held.push(list);
    }
    const total = await countSnapshotNumbers(on, src);
    await on.execute(sql`begin`);
    await on.execute(sql`delete from campaign_numbers where campaign_id = ${campaignId}`);
    await on.execute(sql`
      update campaigns set list_numbers = ${total}, snapshot_copied = 0, snapshot_at = null where id = ${campaignId}`);
    await on.execute(sql`commit`);
    let base = 0;
    for (let index = 0; index < src.lists.length; index++) {
      for (let afterSeq = 0; ;) {
        await on.execute(sql`begin`);
        const step = await copyChunk(on, campaignId, src, { index, afterSeq, base, limit: chunk });
        base += step.copied;
        await on.execute(sql`update campaigns set snapshot_copied = ${base} where id = ${campaignId}`);
        await on.execute(sql`commit`);
        afterSeq = step.lastSeq;
        if (step.copied < chunk) break;
      }
    }
    return base;
  } catch (err) {
    await conn`rollback`.catch(() => {});
    throw err;
  } finally {
    for (const key of held.reverse()) {
      const unlock = key.startsWith('snapshot:')
        ? conn`select pg_advisory_unlock(hashtextextended(${key}, 0))`
        : conn`select pg_advisory_unlock_shared(hashtextextended(${listLockKey(key)}, 0))`;
      await unlock.catch(() => {});
    }
    conn.release();
  }
}

/**
 * Whether entering InProgress now is a list campaign's first start, whose snapshot is then copied by
 * `takeListSnapshot` before the transaction that enters it: in chunks, committed as they go, so
 * `stats.snapshot` shows how far it is. Read without a lock: the workflow asks under its control
 * lock, so nothing else changes the campaign's status meanwhile.
 */
export async function listSnapshotDue(db: DbOrTx, campaignId: string): Promise<boolean> {
  const [c] = await db
    .select({ status: campaigns.status, dateStarted: campaigns.dateStarted, lists: campaigns.lists })
    .from(campaigns)
    .where(eq(campaigns.id, campaignId));
  if (!c || c.dateStarted !== null || !c.lists || c.lists.length === 0) return false;
  return !(isCampaignStatus(c.status) && isTerminal(c.status));
}

/** Drops the numbers a snapshot copied for a campaign that did not start after all: not its numbers. */
export async function dropUnusedSnapshot(
  tx: DbOrTx,
  c: { id: string; snapshotAt: Date | null; snapshotCopied: number | null },
): Promise<void> {
  if (c.snapshotAt !== null || c.snapshotCopied === null) return;
  await tx.delete(campaignNumbers).where(eq(campaignNumbers.campaignId, c.id));
  await tx.update(campaigns).set({ snapshotCopied: null }).where(eq(campaigns.id, c.id));
}

/** Marks the campaign's numbers as its snapshot, taken at `now` (the start that used it). */
export async function markSnapshotTaken(tx: DbOrTx, campaignId: string, now: Date): Promise<void> {
  await tx.execute(sql`
    update campaigns set snapshot_at = ${now.toISOString()}::timestamptz, snapshot_copied = null,
           list_numbers = (select count(*) from campaign_numbers where campaign_id = ${campaignId})::int
     where id = ${campaignId}`);
}
