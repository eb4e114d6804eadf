/**
 * Lists and their memberships (SPEC §2, §5), and the one mapper from a list row to the wire object.
 * Every write that changes a list's members takes the list's transaction lock (`lockList`), so the
 * caps of SPEC §5 hold between API calls and CSV imports alike.
 */
import { and, asc, count, desc, eq, ilike, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { campaigns, contacts, csvUploadChunks, csvUploads, listMemberships, lists } from '../schema';
import type { AccountRow } from './accounts';
import { nameOrder } from './name-order';
import type { Tx } from './campaigns';
import { LIST_CAPS } from '../../domain/contact-csv';
import { NON_TERMINAL_CAMPAIGN_STATUSES } from '../../domain/campaign-status';
import { formatInstant } from '../../domain/time';
import type { ListResource, ListsQuery } from '../../domain/schemas/list';

export type ListRow = typeof lists.$inferSelect;
type Conn = Db | Tx;

/** The advisory-lock key of a list's membership changes (shared with the CSV import's raw SQL). */
export function listLockKey(listSid: string): string {
  return `list:${listSid}`;
}

/** Serialises membership changes of one list until the transaction ends. */
export async function lockList(tx: Tx, listSid: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${listLockKey(listSid)}, 0))`);
}

/** True for PostgreSQL's unique_violation, however drizzle wraps it. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/** SPEC §5 cap of a list of this type (an untyped list takes contacts as a static one). */
export function listCap(type: string | null): number {
  return type === 'dynamic' ? LIST_CAPS.dynamic : LIST_CAPS.static;
}

/** The list object of SPEC §2 (`contact_count`, `type`, `columns`), timestamps in the account's zone. */
export function toListResource(
  row: ListRow,
  contactCount: number,
  account: Pick<AccountRow, 'timezone'>,
): ListResource {
  return {
    sid: row.sid,
    name: row.name,
    tag: row.tag,
    type: row.type === 'static' || row.type === 'dynamic' ? row.type : null,
    columns: row.columns,
    contact_count: contactCount,
    date_created: formatInstant(row.dateCreated, account.timezone),
    date_updated: formatInstant(row.dateUpdated, account.timezone),
    uri: `/v2/accounts/${row.accountSid}/lists/${row.sid}`,
  };
}

/** Members per list. */
export async function contactCounts(db: Conn, listSids: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>(listSids.map((s) => [s, 0]));
  if (listSids.length === 0) return out;
  const rows = await db
    .select({ listSid: listMemberships.listSid, n: count() })
    .from(listMemberships)
    .where(inArray(listMemberships.listSid, listSids))
    .groupBy(listMemberships.listSid);
  for (const r of rows) out.set(r.listSid, r.n);
  return out;
}

/** Creates a list; null when the account already has one with that name. */
export async function insertList(
  db: Conn,
  input: { sid: string; accountSid: string; name: string; tag: string | null; now: Date },
): Promise<ListRow | null> {
  const [row] = await db
    .insert(lists)
    .values({
      sid: input.sid,
      accountSid: input.accountSid,
      name: input.name,
      tag: input.tag,
      dateCreated: input.now,
      dateUpdated: input.now,
    })
    .onConflictDoNothing({ target: [lists.accountSid, lists.name] })
    .returning();
  return row ?? null;
}

export async function findList(db: Conn, accountSid: string, sid: string): Promise<ListRow | undefined> {
  const [row] = await db
    .select()
    .from(lists)
    .where(and(eq(lists.accountSid, accountSid), eq(lists.sid, sid)));
  return row;
}

/** `%`, `_` and `\` match themselves in a name filter. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

/** SPEC §2 `GET /lists`: name filter, sort, page, and the total of matching lists. */
export async function listLists(
  db: Db,
  accountSid: string,
  q: ListsQuery,
): Promise<{ rows: ListRow[]; total: number }> {
  const where = and(eq(lists.accountSid, accountSid), q.name ? ilike(lists.name, likePattern(q.name)) : undefined);
  const order: SQL[] = {
    'date_created:asc': [asc(lists.dateCreated), asc(lists.sid)],
    'date_created:desc': [desc(lists.dateCreated), desc(lists.sid)],
    'name:asc': [...nameOrder('asc', lists.name), asc(lists.sid)],
    'name:desc': [...nameOrder('desc', lists.name), desc(lists.sid)],
  }[q.sortBy];
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(lists)
      .where(where)
      .orderBy(...order)
      .limit(q.limit)
      .offset(q.offset),
    db.select({ n: count() }).from(lists).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export type UpdateListResult = { kind: 'updated'; row: ListRow } | { kind: 'not_found' } | { kind: 'duplicate' };

/** Renames a list (and/or sets its tag); `duplicate` when another list of the account has the name. */
export async function updateList(
  db: Db,
  accountSid: string,
  sid: string,
  patch: { name?: string; tag?: string | null },
  now: Date,
): Promise<UpdateListResult> {
  try {
    const [row] = await db
      .update(lists)
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.tag !== undefined && { tag: patch.tag }),
        dateUpdated: now,
      })
      .where(and(eq(lists.accountSid, accountSid), eq(lists.sid, sid)))
      .returning();
    return row ? { kind: 'updated', row } : { kind: 'not_found' };
  } catch (err) {
    if (isUniqueViolation(err)) return { kind: 'duplicate' };
    throw err;
  }
}

export interface AttachedCampaign {
  id: string;
  status: string;
  campaignType: string;
  readViaText: string | null;
}

/** The account's non-terminal campaigns whose `lists` include this list (SPEC §5 delete and upload rules). */
export async function attachedCampaigns(db: Conn, accountSid: string, listSid: string): Promise<AttachedCampaign[]> {
  return db
    .select({
      id: campaigns.id,
      status: campaigns.status,
      campaignType: campaigns.campaignType,
      readViaText: campaigns.readViaText,
    })
    .from(campaigns)
    .where(
      and(
        eq(campaigns.accountSid, accountSid),
        inArray(campaigns.status, [...NON_TERMINAL_CAMPAIGN_STATUSES]),
        sql`${campaigns.lists} @> ${JSON.stringify([listSid])}::jsonb`,
      ),
    )
    .orderBy(asc(campaigns.dateCreated));
}

/** Ids of the list's uploads that are still processing. */
export async function processingUploads(db: Conn, listSids: string[]): Promise<Array<{ id: string; listSid: string }>> {
  if (listSids.length === 0) return [];
  return db
    .select({ id: csvUploads.id, listSid: csvUploads.listSid })
    .from(csvUploads)
    .where(and(inArray(csvUploads.listSid, listSids), eq(csvUploads.status, 'processing')));
}

/** Deletes a list with its memberships and uploads (the contacts stay). Caller holds the list row lock. */
export async function deleteList(tx: Tx, sid: string): Promise<void> {
  await tx.delete(listMemberships).where(eq(listMemberships.listSid, sid));
  const uploads = tx.select({ id: csvUploads.id }).from(csvUploads).where(eq(csvUploads.listSid, sid));
  await tx.delete(csvUploadChunks).where(inArray(csvUploadChunks.uploadId, uploads));
  await tx.delete(csvUploads).where(eq(csvUploads.listSid, sid));
  await tx.delete(lists).where(eq(lists.sid, sid));
}

/** Locks one list row of the account for the rest of the transaction. */
export async function lockListRow(tx: Tx, accountSid: string, sid: string): Promise<ListRow | undefined> {
  const [row] = await tx
    .select()
    .from(lists)
    .where(and(eq(lists.accountSid, accountSid), eq(lists.sid, sid)))
    .for('update');
  return row;
}

export type AddMemberResult = 'added' | 'already_member' | 'contact_not_found' | 'list_full';

/**
 * SPEC §5 add existing contacts to a list, in order: a contact already in the list is left as it is;
 * contacts past the list's cap are refused. One transaction under the list lock; null when the list
 * was deleted meanwhile.
 */
export async function addMembers(
  db: Db,
  input: { accountSid: string; list: ListRow; contactSids: string[] },
): Promise<AddMemberResult[] | null> {
  return db.transaction(async (tx) => {
    await lockList(tx, input.list.sid);
    // No foreign keys on memberships: the list row and the contacts are locked instead, so a delete
    // of either waits for this transaction (docs/architecture.md).
    const [list] = await tx
      .select({ sid: lists.sid })
      .from(lists)
      .where(eq(lists.sid, input.list.sid))
      .for('no key update');
    if (!list) return null;
    const wanted = [...new Set(input.contactSids)];
    const known = new Set(
      (
        await tx
          .select({ sid: contacts.sid })
          .from(contacts)
          .where(and(eq(contacts.accountSid, input.accountSid), inArray(contacts.sid, wanted)))
          .orderBy(contacts.sid)
          .for('key share')
      ).map((r) => r.sid),
    );
    const members = new Set(
      (
        await tx
          .select({ sid: listMemberships.contactSid })
          .from(listMemberships)
          .where(and(eq(listMemberships.listSid, input.list.sid), inArray(listMemberships.contactSid, wanted)))
      ).map((r) => r.sid),
    );
    const [{ n } = { n: 0 }] = await tx
      .select({ n: count() })
      .from(listMemberships)
      .where(eq(listMemberships.listSid, input.list.sid));
    let room = listCap(input.list.type) - n;
    const toInsert: string[] = [];
    const results = input.contactSids.map((sid): AddMemberResult => {
      if (!known.has(sid)) return 'contact_not_found';
      if (members.has(sid)) return 'already_member';
      if (room <= 0) return 'list_full';
      room--;
      members.add(sid);
      toInsert.push(sid);
      return 'added';
    });
    for (let i = 0; i < toInsert.length; i += 1000) {
      await tx
        .insert(listMemberships)
        .values(toInsert.slice(i, i + 1000).map((contactSid) => ({ listSid: input.list.sid, contactSid })))
        .onConflictDoNothing();
    }
    if (toInsert.length > 0)
      await tx.update(lists).set({ dateUpdated: new Date() }).where(eq(lists.sid, input.list.sid));
    return results;
  });
}

/** Members of a list in list order, with their template variables. */
export async function listMembers(
  db: Db,
  listSid: string,
  page: { offset: number; limit: number },
): Promise<{
  rows: Array<{ contact: typeof contacts.$inferSelect; vars: Record<string, string> | null }>;
  total: number;
}> {
  const [rows, [total]] = await Promise.all([
    db
      .select({ contact: contacts, vars: listMemberships.vars })
      .from(listMemberships)
      .innerJoin(contacts, eq(contacts.sid, listMemberships.contactSid))
      .where(eq(listMemberships.listSid, listSid))
      .orderBy(asc(listMemberships.seq))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ n: count() }).from(listMemberships).where(eq(listMemberships.listSid, listSid)),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** Removes one membership (the contact stays); false when the contact was not in the list. */
export async function removeMember(db: Db, listSid: string, contactSid: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    await lockList(tx, listSid);
    const removed = await tx
      .delete(listMemberships)
      .where(and(eq(listMemberships.listSid, listSid), eq(listMemberships.contactSid, contactSid)))
      .returning({ sid: listMemberships.contactSid });
    return removed.length > 0;
  });
}
