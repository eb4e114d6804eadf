/**
 * SPEC §5 one import run over one stored upload, inside the import thread: take the upload's lease (a session advisory
 * lock), read the file from the start, skip what an earlier run committed (the counters are the checkpoint), write the
 * rest in batches, each one transaction, the next batch parsed meanwhile.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type postgres from 'postgres';
import {
  completeUpload,
  failUpload,
  loadImportState,
  readUploadChunk,
  writeImportBatch,
  type ImportBatch,
  type ImportState,
  type ListTally,
} from '../db/queries/csv-import';
import { listCap } from '../db/queries/lists';
import {
  checkCsvHeader,
  contactFromRecord,
  MAX_CELL_CHARS,
  MAX_REPORTED_FAILURES,
  type CsvLayout,
} from '../domain/contact-csv';
import { CsvParser, isBlankRecord, type CsvRecord } from '../domain/csv-parser';

/**
 * Rows per batch: the first batch of a run is small, so a run commits (and shows progress) early,
 * and each next one doubles up to the largest, which amortises a transaction's fixed costs. The
 * largest is kept small enough that two batches (one written, one parsed) stay well within the
 * import thread's heap limit (api/csv-import.ts).
 */
export const FIRST_BATCH_ROWS = 5000;
export const MAX_BATCH_ROWS = 20_000;
/** ...or this many characters of cell text, whichever comes first, so wide rows keep memory low too. */
const BATCH_CHARS = 3_000_000;
/** Records parsed between two turns of the event loop, so the previous batch's I/O moves meanwhile. */
const YIELD_EVERY = 2000;
const PARSE_SLICE_CHARS = 256 * 1024;

/** A problem with the stored file itself: retrying cannot help, the upload is `failed`. */
export class ImportFileError extends Error {}
/** The importer is stopping: leave the upload as it is. */
export class ImportStopped extends Error {}

export type RunOutcome = 'completed' | 'failed' | 'not_processing' | 'held_elsewhere' | 'stopped';

export interface RunLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const uploadLockKey = (uploadId: string) => `csv-upload:${uploadId}`;

/** Parses the stored file and writes its batches on `conn` (which holds the lease). */
async function importUpload(
  sql: postgres.Sql,
  conn: postgres.ReservedSql,
  state: ImportState,
  stopping: () => boolean,
): Promise<void> {
  const cap = listCap(state.listType ?? state.type);
  const parser = new CsvParser(MAX_CELL_CHARS + 1);
  let layout: CsvLayout | null = null;
  let row = 0;
  let nonBlank = 0;
  let consumed = 0;
  let reported = Math.min(state.failureCount, MAX_REPORTED_FAILURES);
  let tally: ListTally | null = null;
  let batchRows = FIRST_BATCH_ROWS;
  let batch: ImportBatch = newBatch();
  let batchChars = 0;
  let inflight: Promise<void> | null = null;

  function newBatch(): ImportBatch {
    return {
      uploadId: state.id,
      accountSid: state.accountSid,
      listSid: state.listSid,
      cap,
      rows: [],
      failures: [],
      reported,
      progressPermille: 0,
    };
  }

  /** Waits for the batch being written (its error, if any, surfaces here). */
  async function settle(): Promise<void> {
    const write = inflight;
    inflight = null;
    await write;
  }

  async function flush(): Promise<void> {
    await settle();
    if (stopping()) throw new ImportStopped();
    const b = batch;
    b.reported = reported;
    b.progressPermille = Math.min(999, Math.floor((consumed / Math.max(1, state.totalChars)) * 1000));
    batch = newBatch();
    batchChars = 0;
    batchRows = Math.min(MAX_BATCH_ROWS, batchRows * 2);
    if (b.rows.length + b.failures.length === 0) return;
    const write = writeImportBatch(conn, b, tally).then((w) => {
      tally = w.tally;
      reported = Math.min(MAX_REPORTED_FAILURES, reported + w.result.failure);
    });
    // Observed by the next flush; keeps a rejection from being reported as unhandled meanwhile.
    write.catch(() => {});
    inflight = write;
  }

  function take(record: CsvRecord): void {
    if (layout === null) {
      const header = checkCsvHeader(record.fields, state.type);
      // The POST checked this header; a stored file that fails now cannot be imported at all.
      if (!header.ok) throw new ImportFileError(header.description);
      layout = header.layout;
      return;
    }
    row++;
    if (isBlankRecord(record)) return;
    nonBlank++;
    if (nonBlank <= state.totalRecords) return;
    for (const f of record.fields) batchChars += f.length;
    const r = contactFromRecord(record, row, layout, state.defaultRegion);
    if (r.ok) batch.rows.push(r.contact);
    else batch.failures.push(r.failure);
  }

  const records: CsvRecord[] = [];
  let next: Promise<string | null> = readUploadChunk(sql, state.id, 0);
  try {
    for (let seq = 0; ; seq++) {
      const chunk = await next;
      if (chunk === null) break;
      // The next stored chunk is read (on the pool, not the lease's connection) while this one is parsed.
      next = readUploadChunk(sql, state.id, seq + 1);
      next.catch(() => {});
      for (let at = 0; at < chunk.length; at += PARSE_SLICE_CHARS) {
        const slice = chunk.slice(at, at + PARSE_SLICE_CHARS);
        consumed += slice.length;
        records.length = 0;
        parser.push(slice, records);
        for (const [i, record] of records.entries()) {
          take(record);
          if (batch.rows.length + batch.failures.length >= batchRows || batchChars >= BATCH_CHARS) await flush();
          else if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
        }
        await yieldToEventLoop();
      }
    }
    records.length = 0;
    parser.end(records);
    for (const record of records) take(record);
    if (layout === null) throw new ImportFileError('file_name: the stored file has no header row');
    await flush();
    await settle();
  } finally {
    // Never leave a write running unobserved (a stop or a file error while a batch is in flight).
    await settle().catch(() => {});
  }
  await completeUpload(sql, state.id);
}

/**
 * One run over one upload: takes the upload's lease on a reserved connection, then imports from the
 * checkpoint. Unexpected errors propagate, leaving the upload `processing`.
 */
export async function runUpload(
  sql: postgres.Sql,
  log: RunLog,
  uploadId: string,
  stopping: () => boolean,
): Promise<RunOutcome> {
  const conn = await sql.reserve();
  try {
    const [lock] = await conn<
      Array<{ locked: boolean }>
    >`select pg_try_advisory_lock(hashtextextended(${uploadLockKey(uploadId)}, 0)) as locked`;
    if (!lock?.locked) return 'held_elsewhere';
    try {
      const state = await loadImportState(sql, uploadId);
      if (!state) return 'not_processing';
      const started = Date.now();
      log.info({ uploadId, listSid: state.listSid, resumeAfter: state.totalRecords }, 'CSV import started');
      try {
        await importUpload(sql, conn, state, stopping);
      } catch (err) {
        if (err instanceof ImportStopped) return 'stopped';
        if (!(err instanceof ImportFileError)) throw err;
        log.error({ err, uploadId }, 'CSV import failed');
        await failUpload(sql, uploadId, err.message);
        return 'failed';
      }
      log.info({ uploadId, ms: Date.now() - started }, 'CSV import completed');
      return 'completed';
    } finally {
      await conn`select pg_advisory_unlock(hashtextextended(${uploadLockKey(uploadId)}, 0))`.catch(() => {});
    }
  } finally {
    conn.release();
  }
}
