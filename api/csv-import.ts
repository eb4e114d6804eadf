/**
 * SPEC §5 "Upload is asynchronous": imports stored CSV uploads in the API process, after the POST
 * has answered. The stored chunks stream back through the CSV reader (memory stays flat whatever the
 * file's size); rows are validated and written in batches, each batch in one transaction together
 * with the upload's counters, which are the checkpoint. A session advisory lock per upload is the
 * lease: one process imports an upload at a time, and PostgreSQL drops the lock when that process
 * dies, so the next sweep (every API process runs one at start and then periodically) carries on
 * after the last committed batch. docs/architecture.md says why this lives here and not in a worker.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import {
  completeUpload,
  failUpload,
  loadImportState,
  noteImportError,
  readUploadChunk,
  writeImportBatch,
  type ImportBatch,
  type ImportState,
} from '../db/queries/csv-import';
import { processingUploadIds } from '../db/queries/csv-uploads';
import { listCap } from '../db/queries/lists';
import {
  checkCsvHeader,
  contactFromRecord,
  MAX_CELL_CHARS,
  MAX_REPORTED_FAILURES,
  type CsvLayout,
} from '../domain/contact-csv';
import { CsvParser, isBlankRecord, type CsvRecord } from '../domain/csv-parser';

/** Rows per batch: large enough to amortise round trips, small enough to keep transactions short. */
export const IMPORT_BATCH_ROWS = 5000;
/** ...or this many characters of cell text, whichever comes first, so wide rows keep memory low too. */
const IMPORT_BATCH_CHARS = 2_000_000;
/** Records validated between two yields to the event loop (a few ms), so API requests keep being served. */
const YIELD_EVERY = 100;
const PARSE_SLICE_CHARS = 64 * 1024;
/** Runs that end in an unexpected error before the upload is marked `failed` (backoff in between). */
const MAX_RUNS = 5;
const RETRY_BASE_MS = 2000;

export interface CsvImporterDeps {
  db: Db;
  log: Logger;
  /** How often to look for uploads nobody is importing (0: only when `sweep()` is called). */
  sweepEveryMs?: number;
}

/** The import side of the CSV upload, one per API process. */
export interface CsvImporter {
  /** Imports an upload in the background (its POST has committed). Never throws. */
  start(uploadId: string): void;
  /** Starts importing every upload left `processing` that no live process holds; returns how many it found. */
  sweep(): Promise<number>;
  /** Resolves when no import is running in this process. */
  idle(): Promise<void>;
  /** Stops after the batch being written; unfinished uploads stay `processing` for the next sweep. */
  stop(): Promise<void>;
}

/** A problem with the stored file itself: retrying cannot help, the upload is `failed`. */
class ImportFileError extends Error {}
/** The importer is stopping: leave the upload as it is. */
class ImportStopped extends Error {}

type RunOutcome = 'completed' | 'failed' | 'not_processing' | 'held_elsewhere' | 'stopped';

const uploadLockKey = (uploadId: string) => `csv-upload:${uploadId}`;

/**
 * Reads the stored file from the start, skips the records an earlier run committed, and writes the
 * rest in batches; the write of one batch overlaps validating the next.
 */
async function importUpload(db: Db, state: ImportState, stopping: () => boolean): Promise<void> {
  const sql = db.$client;
  const cap = listCap(state.listType ?? state.type);
  const parser = new CsvParser(MAX_CELL_CHARS + 1);
  let layout: CsvLayout | null = null;
  let row = 0;
  let nonBlank = 0;
  let consumed = 0;
  let reported = Math.min(state.failureCount, MAX_REPORTED_FAILURES);
  let batch: ImportBatch = newBatch();
  let batchChars = 0;
  let inflight: Promise<number> | null = null;

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

  async function settle(): Promise<void> {
    if (!inflight) return;
    const failures = await inflight;
    inflight = null;
    reported = Math.min(MAX_REPORTED_FAILURES, reported + failures);
  }

  async function flush(): Promise<void> {
    await settle();
    if (stopping()) throw new ImportStopped();
    const b = batch;
    b.reported = reported;
    b.progressPermille = Math.min(999, Math.floor((consumed / Math.max(1, state.totalChars)) * 1000));
    batch = newBatch();
    batchChars = 0;
    if (b.rows.length + b.failures.length === 0) return;
    const write = writeImportBatch(sql, b).then((r) => r.failure);
    // Observed by the next settle(); keeps a rejection from being reported as unhandled meanwhile.
    write.catch(() => {});
    inflight = write;
  }

  async function abandon(): Promise<void> {
    await inflight?.catch(() => {});
    inflight = null;
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
  try {
    for (let seq = 0; ; seq++) {
      const chunk = await readUploadChunk(sql, state.id, seq);
      if (chunk === null) break;
      // Parsed a slice at a time, like everything else here, so no step holds the event loop long.
      for (let at = 0; at < chunk.length; at += PARSE_SLICE_CHARS) {
        const slice = chunk.slice(at, at + PARSE_SLICE_CHARS);
        consumed += slice.length;
        records.length = 0;
        parser.push(slice, records);
        for (const [i, record] of records.entries()) {
          take(record);
          if (batch.rows.length + batch.failures.length >= IMPORT_BATCH_ROWS || batchChars >= IMPORT_BATCH_CHARS)
            await flush();
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
    await abandon();
  }
  await completeUpload(sql, state.id);
}

/**
 * One run over one upload: takes the upload's lease (a session advisory lock on a reserved
 * connection, released by PostgreSQL if this process dies), then imports from the checkpoint.
 * Unexpected errors propagate, leaving the upload `processing`.
 */
async function runUpload(deps: CsvImporterDeps, uploadId: string, stopping: () => boolean): Promise<RunOutcome> {
  const reserved = await deps.db.$client.reserve();
  try {
    const [lock] = await reserved<
      Array<{ locked: boolean }>
    >`select pg_try_advisory_lock(hashtextextended(${uploadLockKey(uploadId)}, 0)) as locked`;
    if (!lock?.locked) return 'held_elsewhere';
    try {
      const state = await loadImportState(deps.db.$client, uploadId);
      if (!state) return 'not_processing';
      const started = Date.now();
      deps.log.info({ uploadId, listSid: state.listSid, resumeAfter: state.totalRecords }, 'CSV import started');
      try {
        await importUpload(deps.db, state, stopping);
      } catch (err) {
        if (err instanceof ImportStopped) return 'stopped';
        if (!(err instanceof ImportFileError)) throw err;
        deps.log.error({ err, uploadId }, 'CSV import failed');
        await failUpload(deps.db.$client, uploadId, err.message);
        return 'failed';
      }
      deps.log.info({ uploadId, ms: Date.now() - started }, 'CSV import completed');
      return 'completed';
    } finally {
      await reserved`select pg_advisory_unlock(hashtextextended(${uploadLockKey(uploadId)}, 0))`.catch(() => {});
    }
  } finally {
    reserved.release();
  }
}

/** The CSV importer of one API process (see the file comment). */
export function createCsvImporter(deps: CsvImporterDeps): CsvImporter {
  const running = new Map<string, Promise<void>>();
  const retries = new Map<string, { runs: number; timer: NodeJS.Timeout }>();
  let stopped = false;
  const stopping = () => stopped;

  function start(uploadId: string): void {
    if (stopped || running.has(uploadId)) return;
    const run = (async () => {
      try {
        const outcome = await runUpload(deps, uploadId, stopping);
        if (outcome !== 'stopped') retries.delete(uploadId);
      } catch (err) {
        await retryLater(uploadId, err);
      } finally {
        running.delete(uploadId);
      }
    })();
    running.set(uploadId, run);
  }

  /** An unexpected error (e.g. the database went away): try again with backoff, then give up. */
  async function retryLater(uploadId: string, err: unknown): Promise<void> {
    const runs = (retries.get(uploadId)?.runs ?? 0) + 1;
    const message = err instanceof Error ? err.message : String(err);
    if (stopped) return;
    if (runs >= MAX_RUNS) {
      deps.log.error({ err, uploadId, runs }, 'CSV import gave up');
      retries.delete(uploadId);
      await failUpload(deps.db.$client, uploadId, `import stopped after ${runs} attempts: ${message}`).catch(() => {});
      return;
    }
    deps.log.warn({ err, uploadId, runs }, 'CSV import interrupted; retrying');
    await noteImportError(deps.db.$client, uploadId, message).catch(() => {});
    const timer = setTimeout(() => start(uploadId), RETRY_BASE_MS * 2 ** (runs - 1));
    timer.unref();
    retries.set(uploadId, { runs, timer });
  }

  async function sweep(): Promise<number> {
    if (stopped) return 0;
    const ids = await processingUploadIds(deps.db);
    for (const id of ids) if (!retries.has(id)) start(id);
    return ids.length;
  }

  const sweeper =
    deps.sweepEveryMs && deps.sweepEveryMs > 0
      ? setInterval(() => {
          sweep().catch((err: unknown) => deps.log.warn({ err }, 'CSV import sweep failed'));
        }, deps.sweepEveryMs)
      : null;
  sweeper?.unref();

  async function idle(): Promise<void> {
    while (running.size > 0) await Promise.all(running.values());
  }

  return {
    start,
    sweep,
    idle,
    async stop() {
      stopped = true;
      if (sweeper) clearInterval(sweeper);
      for (const { timer } of retries.values()) clearTimeout(timer);
      retries.clear();
      await idle();
    },
  };
}
