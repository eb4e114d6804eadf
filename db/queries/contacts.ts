/**
 * Contacts (SPEC §2, §5): one per account and E.164 number, reused across lists and never overwritten
 * by a later create or upload; and the one mapper from a contact row to the wire object.
 */
import { and, asc, count, desc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../client';
import { contacts, listMemberships } from '../schema';
import type { AccountRow } from './accounts';
import { nameOrder } from './name-order';
import { isUniqueViolation, likePattern } from './lists';
import { newSid } from '../../domain/ids';
import { formatInstant } from '../../domain/time';
import type { ContactResource, ContactsQuery } from '../../domain/schemas/contact';

export type ContactRow = typeof contacts.$inferSelect;

/** The contact's fields as stored (camelCase); `undefined` leaves a field unchanged on update. */
export interface ContactFields {
  number: string;
  firstName: string | null;
  lastName: string | null;
  companyName: string | null;
  email: string | null;
  tag: string | null;
  custom: unknown;
}

export function toContactResource(
  row: ContactRow,
  account: Pick<AccountRow, 'timezone'>,
  vars?: Record<string, string> | null,
): ContactResource {
  return {
    sid: row.sid,
    number: row.number,
    first_name: row.firstName,
    last_name: row.lastName,
    company_name: row.companyName,
    email: row.email,
    tag: row.tag,
    custom: row.custom ?? null,
    date_created: formatInstant(row.dateCreated, account.timezone),
    date_updated: formatInstant(row.dateUpdated, account.timezone),
    uri: `/v2/accounts/${row.accountSid}/contacts/${row.sid}`,
    ...(vars && { vars }),
  };
}

/** A contact's display name: first and last name, or null when it has neither. */
export function contactName(row: Pick<ContactRow, 'firstName' | 'lastName'>): string | null {
  const name = [row.firstName, row.lastName].filter((s) => s !== null && s !== '').join(' ');
  return name === '' ? null : name;
}

/**
 * Creates the contacts whose numbers the account does not have yet and returns, for each input in
 * order, the account's contact with that number (an existing one is reused as it is, SPEC §5).
 */
export async function upsertContacts(
  db: Db,
  accountSid: string,
  items: ContactFields[],
  now: Date,
): Promise<ContactRow[]> {
  if (items.length === 0) return [];
  // One transaction: a request that fails half-way leaves no contacts behind (SPEC §1).
  return db.transaction(async (tx) => {
    for (let i = 0; i < items.length; i += 1000) {
      await tx
        .insert(contacts)
        .values(
          items.slice(i, i + 1000).map((c) => ({
            sid: newSid(),
            accountSid,
            number: c.number,
            firstName: c.firstName,
            lastName: c.lastName,
            companyName: c.companyName,
            email: c.email,
            tag: c.tag,
            // A JSON null would read back as SQL NULL anyway; keep "absent" as SQL NULL.
            custom: c.custom === null || c.custom === undefined ? sql`null` : c.custom,
            dateCreated: now,
            dateUpdated: now,
          })),
        )
        .onConflictDoNothing({ target: [contacts.accountSid, contacts.number] });
    }
    const numbers = [...new Set(items.map((c) => c.number))];
    const byNumber = new Map<string, ContactRow>();
    for (let i = 0; i < numbers.length; i += 1000) {
      const rows = await tx
        .select()
        .from(contacts)
        .where(and(eq(contacts.accountSid, accountSid), inArray(contacts.number, numbers.slice(i, i + 1000))));
      for (const r of rows) byNumber.set(r.number, r);
    }
    return items.map((c) => byNumber.get(c.number)!);
  });
}

/** The lists each contact belongs to (Exotel's `filter=show_list`), in membership order. */
export async function listSidsOf(db: Db, contactSids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(contactSids.map((s) => [s, []]));
  if (contactSids.length === 0) return out;
  const rows = await db
    .select({ contactSid: listMemberships.contactSid, listSid: listMemberships.listSid })
    .from(listMemberships)
    .where(inArray(listMemberships.contactSid, contactSids))
    .orderBy(asc(listMemberships.seq));
  for (const r of rows) out.get(r.contactSid)?.push(r.listSid);
  return out;
}

export async function findContact(db: Db, accountSid: string, sid: string): Promise<ContactRow | undefined> {
  const [row] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.accountSid, accountSid), eq(contacts.sid, sid)));
  return row;
}

/** SPEC §2 `GET /contacts`: name (first or last, substring, any case), list membership, sort, page. */
export async function listContacts(
  db: Db,
  accountSid: string,
  q: ContactsQuery,
): Promise<{ rows: ContactRow[]; total: number }> {
  const pattern = q.name ? likePattern(q.name) : null;
  const where = and(
    eq(contacts.accountSid, accountSid),
    pattern
      ? or(
          ilike(contacts.firstName, pattern),
          ilike(contacts.lastName, pattern),
          ilike(sql`concat_ws(' ', ${contacts.firstName}, ${contacts.lastName})`, pattern),
        )
      : undefined,
    q.listSids
      ? sql`exists (select 1 from ${listMemberships}
                     where ${listMemberships.contactSid} = ${contacts.sid}
                       and ${inArray(listMemberships.listSid, q.listSids)})`
      : undefined,
  );
  const order: SQL[] = {
    'date_created:asc': [asc(contacts.dateCreated), asc(contacts.sid)],
    'date_created:desc': [desc(contacts.dateCreated), desc(contacts.sid)],
    'name:asc': [...nameOrder('asc', contacts.firstName, contacts.lastName), asc(contacts.sid)],
    'name:desc': [...nameOrder('desc', contacts.firstName, contacts.lastName), desc(contacts.sid)],
  }[q.sortBy];
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(contacts)
      .where(where)
      .orderBy(...order)
      .limit(q.limit)
      .offset(q.offset),
    db.select({ n: count() }).from(contacts).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

export type UpdateContactResult =
  { kind: 'updated'; row: ContactRow } | { kind: 'not_found' } | { kind: 'duplicate_number' };

/** Applies the given fields (`undefined` = unchanged); `duplicate_number` when another contact has the new number. */
export async function updateContact(
  db: Db,
  accountSid: string,
  sid: string,
  patch: Partial<ContactFields>,
  now: Date,
): Promise<UpdateContactResult> {
  const set: Partial<typeof contacts.$inferInsert> = { dateUpdated: now };
  if (patch.number !== undefined) set.number = patch.number;
  if (patch.firstName !== undefined) set.firstName = patch.firstName;
  if (patch.lastName !== undefined) set.lastName = patch.lastName;
  if (patch.companyName !== undefined) set.companyName = patch.companyName;
  if (patch.email !== undefined) set.email = patch.email;
  if (patch.tag !== undefined) set.tag = patch.tag;
  if (patch.custom !== undefined) set.custom = patch.custom === null ? sql`null` : patch.custom;
  try {
    const [row] = await db
      .update(contacts)
      .set(set)
      .where(and(eq(contacts.accountSid, accountSid), eq(contacts.sid, sid)))
      .returning();
    return row ? { kind: 'updated', row } : { kind: 'not_found' };
  } catch (err) {
    if (isUniqueViolation(err)) return { kind: 'duplicate_number' };
    throw err;
  }
}

/**
 * Deletes contacts and their memberships; returns the deleted rows. The contacts go first: a writer
 * adding one of them to a list holds it `FOR KEY SHARE` (there is no foreign key), so the delete
 * waits for that writer, and the memberships statement after it sees what the writer committed.
 */
export async function deleteContacts(db: Db, accountSid: string, sids: string[]): Promise<ContactRow[]> {
  if (sids.length === 0) return [];
  return db.transaction(async (tx) => {
    const deleted = await tx
      .delete(contacts)
      .where(and(eq(contacts.accountSid, accountSid), inArray(contacts.sid, sids)))
      .returning();
    if (deleted.length === 0) return [];
    await tx.delete(listMemberships).where(
      inArray(
        listMemberships.contactSid,
        deleted.map((r) => r.sid),
      ),
    );
    return deleted;
  });
}
