/**
 * SPEC §5 CSV import, the processing side: the stored file read back chunk by chunk, and one batch of
 * rows written in one transaction together with the upload's counters, so the counters are a
 * checkpoint a restarted process resumes from. Raw postgres-js on the import's own connection: a
 * batch is tens of thousands of rows, written with COPY, a handful of statements whatever its size.
 */
import type postgres from 'postgres';
import { copyField, copyIn } from './copy-text';
import { listLockKey } from './lists';
import { MAX_REPORTED_FAILURES, type ContactRow, type RowFailure } from '../../domain/contact-csv';
import { orderedSids } from '../../domain/ordered-sids';

type Sql = postgres.Sql;

/** What the processor needs to (re)start an upload; null when it is not `processing` any more. */
export interface ImportState {
  id: string;
  accountSid: string;
  listSid: string;
  type: 'static' | 'dynamic';
  listType: string | null;
  defaultRegion: string;
  /** Records already imported (the checkpoint): the processor skips this many non-blank rows. */
  totalRecords: number;
  failureCount: number;
  /** Characters stored, for `progress`. */
  totalChars: number;
}

export async function loadImportState(sql: Sql, uploadId: string): Promise<ImportState | null> {
  const [row] = await sql<ImportState[]>`
    select u.id, u.account_sid as "accountSid", u.list_sid as "listSid", u.type, l.type as "listType",
           a.default_region as "defaultRegion", u.total_records as "totalRecords", u.failure_count as "failureCount",
           (select coalesce(sum(length(c.data)), 0)::bigint
              from csv_upload_chunks c where c.upload_id = u.id)::float8 as "totalChars"
      from csv_uploads u
      join accounts a on a.sid = u.account_sid
      join lists l on l.sid = u.list_sid
     where u.id = ${uploadId} and u.status = 'processing'`;
  return row ?? null;
}

/** One stored chunk of the file, or null past the last one. */
export async function readUploadChunk(sql: Sql, uploadId: string, seq: number): Promise<string | null> {
  const [row] = await sql<
    Array<{ data: string }>
  >`select data from csv_upload_chunks where upload_id = ${uploadId} and seq = ${seq}`;
  return row?.data ?? null;
}

export interface ImportBatch {
  uploadId: string;
  accountSid: string;
  listSid: string;
  /** SPEC §5 cap of the list. */
  cap: number;
  /** Valid rows in file order (the same number may appear more than once). */
  rows: ContactRow[];
  /** Rows that failed validation, in file order. */
  failures: RowFailure[];
  /** Failures already reported by earlier batches (at most 1,000 are kept). */
  reported: number;
  /** `progress` after this batch, in thousandths. */
  progressPermille: number;
}

export interface ImportBatchResult {
  success: number;
  duplicate: number;
  failure: number;
}

/**
 * What an importer knows of its list between batches: the members it counted and the highest
 * membership `seq` then. Every membership insert holds the list's lock and takes its `seq` from one
 * sequence, so the members added since are exactly those with a higher `seq`: counting them costs
 * an index probe, not a scan of the list. Removals since make `members` an overestimate, which only
 * matters near the cap, where the list is counted again in full.
 */
export interface ListTally {
  members: number;
  maxSeq: number;
}

type Conn = postgres.ReservedSql;

async function tallyMembers(conn: Conn, listSid: string, since: ListTally | null): Promise<ListTally> {
  const [row] = await conn<Array<{ n: number; max: string | null }>>`
    select count(*)::int as n, max(seq)::text as max from list_memberships
     where list_sid = ${listSid} and seq > ${since?.maxSeq ?? 0}`;
  return {
    members: (since?.members ?? 0) + (row?.n ?? 0),
    maxSeq: row?.max === null || row?.max === undefined ? (since?.maxSeq ?? 0) : Number(row.max),
  };
}

/** What the lookup knows of a number that has a contact in the account. */
type Existing = { sid: string; member: boolean };

/**
 * The account's contacts among `numbers` and whether each is already in the list. Written as
 * per-number subqueries so that each is an index probe whatever the planner's statistics say (a
 * table that has just grown by a bulk insert looks empty to it, and a join would then scan); `offset
 * 0` keeps the contact's subquery from being inlined, and so evaluated, once per use of `sid`. The
 * numbers go in sorted, so the probes walk the contacts index in order, and only the position of
 * each number that has a contact comes back, with its sid only when it is not in the list yet: a
 * re-import of a list's own rows (every number a member) returns one small integer a row.
 */
async function existingContacts(conn: Conn, b: ImportBatch, numbers: string[]): Promise<Map<string, Existing>> {
  const out = new Map<string, Existing>();
  if (numbers.length === 0) return out;
  const sorted = [...numbers].sort();
  const rows = await conn<Array<{ i: number; sid: string | null }>>`
    select x.i::int as i,
           case when not exists (select 1 from list_memberships m
                                  where m.list_sid = ${b.listSid} and m.contact_sid = x.sid)
                then x.sid end as sid
      from (select n.i,
                   (select c.sid from contacts c where c.account_sid = ${b.accountSid} and c.number = n.number) as sid
              from unnest(${sorted}::text[]) with ordinality as n(number, i)
            offset 0) x
     where x.sid is not null`;
  for (const r of rows)
    out.set(sorted[r.i - 1]!, r.sid === null ? { sid: '', member: true } : { sid: r.sid, member: false });
  return out;
}

const CONTACT_COPY =
  'copy contacts (sid, account_sid, number, first_name, last_name, company_name, email, tag, ' +
  'date_created, date_updated) from stdin';
const MEMBERSHIP_COPY = 'copy list_memberships (list_sid, contact_sid, vars) from stdin';

/**
 * Writes one batch in one transaction on `conn` (the import's own connection), under the list's
 * lock: each distinct number not yet in the list becomes a membership (reusing the account's
 * contact with that number, or creating one) until the list is full; numbers already in the list,
 * or seen earlier in the batch, are duplicates; rows past the cap fail with `list_full`. New
 * contacts and the memberships are streamed with COPY. The upload's counters, failures and progress
 * move in the same transaction. Returns the counts and the tally to pass to the next batch.
 *
 * The foreign keys these rows once had are replaced by locks taken once per batch (the list row,
 * the reused contacts; see docs/architecture.md): a list or contact deleted meanwhile waits for this
 * transaction, and a contact created meanwhile by another request makes the COPY fail with a unique
 * violation, after which the batch is written again (it then finds that contact).
 */
export async function writeImportBatch(
  conn: Conn,
  b: ImportBatch,
  tally: ListTally | null,
): Promise<{ result: ImportBatchResult; tally: ListTally }> {
  for (let attempt = 1; ; attempt++) {
    await conn`begin`;
    try {
      const written = await writeInTransaction(conn, b, tally);
      await conn`commit`;
      return written;
    } catch (err) {
      await conn`rollback`.catch(() => {});
      const unique = (err as { code?: string }).code === '23505';
      if (!unique || attempt >= 3) throw err;
    }
  }
}

async function writeInTransaction(
  conn: Conn,
  b: ImportBatch,
  since: ListTally | null,
): Promise<{ result: ImportBatchResult; tally: ListTally }> {
  await conn`select pg_advisory_xact_lock(hashtextextended(${listLockKey(b.listSid)}, 0))`;
  const [list] = await conn`select 1 from lists where sid = ${b.listSid} for no key update`;
  if (!list) throw new Error(`list ${b.listSid} no longer exists`);
  let tally = await tallyMembers(conn, b.listSid, since);

  // Distinct numbers of the batch, first occurrence first.
  const first = new Map<string, ContactRow>();
  let duplicate = 0;
  for (const r of b.rows) {
    if (first.has(r.e164)) duplicate++;
    else first.set(r.e164, r);
  }
  const distinct = [...first.values()];
  const existing = await existingContacts(
    conn,
    b,
    distinct.map((r) => r.e164),
  );
  const newcomers = distinct.filter((r) => !existing.get(r.e164)?.member);
  duplicate += distinct.length - newcomers.length;
  // Near the cap the tally must be exact (removals since the last count would otherwise be missed).
  if (since && tally.members + newcomers.length > b.cap) tally = await tallyMembers(conn, b.listSid, null);

  const room = Math.max(0, b.cap - tally.members);
  const joining = newcomers.slice(0, room);
  const full: RowFailure[] = newcomers.slice(room).map((r) => ({ row: r.row, number: r.raw, reason: 'list_full' }));

  if (joining.length > 0) {
    const reused = joining.flatMap((r) => existing.get(r.e164)?.sid ?? []);
    if (reused.length > 0)
      await conn`select 1 from contacts where sid = any(${reused}::text[]) order by sid for key share`;
    const fresh = joining.filter((r) => !existing.has(r.e164));
    const sids = orderedSids(fresh.length);
    let contactsCopy = '';
    for (const [i, r] of fresh.entries()) {
      existing.set(r.e164, { sid: sids[i]!, member: false });
      contactsCopy +=
        `${sids[i]}\t${copyField(b.accountSid)}\t${r.e164}\t${copyField(r.firstName)}\t${copyField(r.lastName)}\t` +
        `${copyField(r.companyName)}\t${copyField(r.email)}\t${copyField(r.tag)}\tnow\tnow\n`;
    }
    if (fresh.length > 0) await copyIn(conn, CONTACT_COPY, contactsCopy);
    // In file order: `seq` (the dialling order) follows the order of the COPY.
    let membersCopy = '';
    for (const r of joining)
      membersCopy +=
        `${b.listSid}\t${existing.get(r.e164)!.sid}\t` + `${copyField(r.vars ? JSON.stringify(r.vars) : null)}\n`;
    await copyIn(conn, MEMBERSHIP_COPY, membersCopy);
    await conn`update lists set date_updated = now() where sid = ${b.listSid}`;
    const [top] = await conn<Array<{ seq: string }>>`
      select seq::text from list_memberships where list_sid = ${b.listSid} order by seq desc limit 1`;
    tally = { members: tally.members + joining.length, maxSeq: Number(top!.seq) };
  }

  const failures = [...b.failures, ...full].sort((x, y) => x.row - y.row);
  const report = failures.slice(0, Math.max(0, MAX_REPORTED_FAILURES - b.reported));
  const counted = await conn`
    update csv_uploads
       set total_records = total_records + ${b.rows.length + b.failures.length},
           success_count = success_count + ${joining.length},
           duplicate_count = duplicate_count + ${duplicate},
           failure_count = failure_count + ${failures.length},
           progress_permille = greatest(progress_permille, ${b.progressPermille}),
           failures = jsonb_path_query_array(
             failures || ${JSON.stringify(report)}::jsonb,
             ${`$[0 to ${MAX_REPORTED_FAILURES - 1}]`}::jsonpath)
     where id = ${b.uploadId} and status = 'processing'`;
  // Failed meanwhile (another process gave up on it): roll the batch back rather than count it twice.
  if (counted.count !== 1) throw new Error(`upload ${b.uploadId} is no longer processing`);
  return { result: { success: joining.length, duplicate, failure: failures.length }, tally };
}

/** Marks the upload completed and drops its stored file (the rows are imported). */
export async function completeUpload(sql: Sql, uploadId: string): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`update csv_uploads set status = 'completed', progress_permille = 1000, error = null, date_completed = now()
              where id = ${uploadId} and status = 'processing'`;
    await tx`delete from csv_upload_chunks where upload_id = ${uploadId}`;
  });
}

/** Records why the last run stopped early, while the upload stays `processing` (it is retried). */
export async function noteImportError(sql: Sql, uploadId: string, error: string): Promise<void> {
  await sql`update csv_uploads set error = ${error} where id = ${uploadId} and status = 'processing'`;
}

/** Marks the upload failed with a reason; the rows imported so far stay, and the counts still add up. */
export async function failUpload(sql: Sql, uploadId: string, error: string): Promise<void> {
  await sql`update csv_uploads set status = 'failed', error = ${error}, date_completed = now()
             where id = ${uploadId} and status = 'processing'`;
}
