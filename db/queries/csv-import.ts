/**
 * SPEC §5 CSV import, the processing side: the stored file read back chunk by chunk, and one batch of
 * rows written in one transaction together with the upload's counters, so the counters are a
 * checkpoint a restarted process resumes from. Raw postgres-js (arrays through `unnest`) because a
 * batch is thousands of rows: a handful of statements per batch whatever its size.
 */
import type postgres from 'postgres';
import { listLockKey } from './lists';
import { MAX_REPORTED_FAILURES, type ContactRow, type RowFailure } from '../../domain/contact-csv';

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
           (select coalesce(sum(length(c.data)), 0)::bigint from csv_upload_chunks c where c.upload_id = u.id)::float8 as "totalChars"
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
 * Writes one batch under the list's lock: each distinct number not yet in the list becomes a
 * membership (reusing the account's contact with that number, or creating one) until the list is
 * full; numbers already in the list, or seen earlier in the batch, are duplicates; rows past the cap
 * fail with `list_full`. The upload's counters, failures and progress move in the same transaction.
 */
export async function writeImportBatch(sql: Sql, b: ImportBatch): Promise<ImportBatchResult> {
  return (await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${listLockKey(b.listSid)}, 0))`;
    const [{ n: members } = { n: 0 }] = await tx<
      Array<{ n: number }>
    >`select count(*)::int as n from list_memberships where list_sid = ${b.listSid}`;

    // Distinct numbers of the batch, first occurrence first.
    const first = new Map<string, ContactRow>();
    let duplicate = 0;
    for (const r of b.rows) {
      if (first.has(r.e164)) duplicate++;
      else first.set(r.e164, r);
    }
    const distinct = [...first.values()];
    const numbers = distinct.map((r) => r.e164);
    const existing = new Map<string, { sid: string; member: boolean }>();
    if (numbers.length > 0) {
      const rows = await tx<Array<{ number: string; sid: string; member: boolean }>>`
        select c.number, c.sid, (m.contact_sid is not null) as member
          from contacts c
          left join list_memberships m on m.list_sid = ${b.listSid} and m.contact_sid = c.sid
         where c.account_sid = ${b.accountSid} and c.number = any(${numbers}::text[])`;
      for (const r of rows) existing.set(r.number, { sid: r.sid, member: r.member });
    }

    let room = b.cap - members;
    const joining: ContactRow[] = [];
    const full: RowFailure[] = [];
    for (const r of distinct) {
      if (existing.get(r.e164)?.member) duplicate++;
      else if (room > 0) {
        room--;
        joining.push(r);
      } else full.push({ row: r.row, number: r.raw, reason: 'list_full' });
    }

    // New contacts for numbers the account does not have yet (existing ones are never overwritten).
    const fresh = joining.filter((r) => !existing.has(r.e164));
    if (fresh.length > 0) {
      const col = (f: (r: ContactRow) => string | null) => fresh.map(f);
      const created = await tx<Array<{ number: string; sid: string }>>`
        insert into contacts (sid, account_sid, number, first_name, last_name, company_name, email, tag, date_created, date_updated)
        select replace(gen_random_uuid()::text, '-', ''), ${b.accountSid}, t.number, t.first_name, t.last_name, t.company_name, t.email, t.tag, now(), now()
          from unnest(${col((r) => r.e164)}::text[], ${col((r) => r.firstName)}::text[], ${col((r) => r.lastName)}::text[],
                      ${col((r) => r.companyName)}::text[], ${col((r) => r.email)}::text[], ${col((r) => r.tag)}::text[])
               as t(number, first_name, last_name, company_name, email, tag)
        on conflict (account_sid, number) do nothing
        returning number, sid`;
      for (const r of created) existing.set(r.number, { sid: r.sid, member: false });
      // A contact created concurrently (committed after this statement's snapshot) is reused too.
      const missing = fresh.filter((r) => !existing.has(r.e164)).map((r) => r.e164);
      if (missing.length > 0) {
        const late = await tx<Array<{ number: string; sid: string }>>`
          select number, sid from contacts where account_sid = ${b.accountSid} and number = any(${missing}::text[])`;
        for (const r of late) existing.set(r.number, { sid: r.sid, member: false });
      }
    }

    let success = 0;
    if (joining.length > 0) {
      const sids = joining.map((r) => existing.get(r.e164)!.sid);
      const vars = joining.map((r) => (r.vars ? JSON.stringify(r.vars) : null));
      // No ON CONFLICT (a speculative insert per row costs ~15%): every membership insert holds the
      // list lock, these contacts were not members under it, and distinct numbers are distinct
      // contacts. Should that ever not hold, the unique violation rolls the whole batch back.
      const inserted = await tx`
        insert into list_memberships (list_sid, contact_sid, vars)
        select ${b.listSid}, t.sid, t.vars::jsonb
          from unnest(${sids}::text[], ${vars}::text[]) with ordinality as t(sid, vars, ord)
         order by t.ord`;
      success = inserted.count;
      await tx`update lists set date_updated = now() where sid = ${b.listSid}`;
    }

    const failures = [...b.failures, ...full].sort((x, y) => x.row - y.row);
    const report = failures.slice(0, Math.max(0, MAX_REPORTED_FAILURES - b.reported));
    const counted = await tx`
      update csv_uploads
         set total_records = total_records + ${b.rows.length + b.failures.length},
             success_count = success_count + ${success},
             duplicate_count = duplicate_count + ${duplicate},
             failure_count = failure_count + ${failures.length},
             progress_permille = greatest(progress_permille, ${b.progressPermille}),
             failures = jsonb_path_query_array(failures || ${JSON.stringify(report)}::jsonb, ${`$[0 to ${MAX_REPORTED_FAILURES - 1}]`}::jsonpath)
       where id = ${b.uploadId} and status = 'processing'`;
    // Failed meanwhile (another process gave up on it): roll the batch back rather than count it twice.
    if (counted.count !== 1) throw new Error(`upload ${b.uploadId} is no longer processing`);
    return { success, duplicate, failure: failures.length };
  })) as ImportBatchResult;
}

/** Marks the upload completed and drops its stored file (the rows are imported). */
export async function completeUpload(sql: Sql, uploadId: string): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`update csv_uploads set status = 'completed', progress_permille = 1000, error = null, date_completed = now() where id = ${uploadId} and status = 'processing'`;
    await tx`delete from csv_upload_chunks where upload_id = ${uploadId}`;
  });
}

/** Records why the last run stopped early, while the upload stays `processing` (it is retried). */
export async function noteImportError(sql: Sql, uploadId: string, error: string): Promise<void> {
  await sql`update csv_uploads set error = ${error} where id = ${uploadId} and status = 'processing'`;
}

/** Marks the upload failed with a reason; the rows imported so far stay, and the counts still add up. */
export async function failUpload(sql: Sql, uploadId: string, error: string): Promise<void> {
  await sql`update csv_uploads set status = 'failed', error = ${error}, date_completed = now() where id = ${uploadId} and status = 'processing'`;
}
