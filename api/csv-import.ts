/**
 * SPEC §5 "Upload is asynchronous": the background task that imports a stored CSV upload, run by the
 * API process after it has answered the POST. It streams the stored chunks back through the CSV
 * reader (memory stays flat whatever the file's size), validates each row, and writes batches while
 * it parses the next one. Each batch commits with the upload's counters, which are the checkpoint:
 * an API restarted mid-import calls `resumePendingUploads` and carries on after the last committed
 * batch. A session advisory lock per upload makes sure only one process imports an upload at a time.
 */
import pino, { type Logger } from 'pino';
import type { Db } from '../db/client';
import { completeUpload, failUpload, loadImportState, readUploadChunk, writeImportBatch, type ImportBatch, type ImportState } from '../db/queries/csv-import';
import { processingUploadIds } from '../db/queries/csv-uploads';
import { listCap } from '../db/queries/lists';
import { checkCsvHeader, contactFromRecord, MAX_CELL_CHARS, MAX_REPORTED_FAILURES, type CsvLayout } from '../domain/contact-csv';
import { CsvParser, isBlankRecord, type CsvRecord } from '../domain/csv-parser';

/** Rows per batch: large enough to amortise round trips, small enough to keep transactions short. */
export const IMPORT_BATCH_ROWS = 5000;
const BATCH_ATTEMPTS = 3;

export interface UploadImportDeps {
  db: Db;
  log: Logger;
}

const uploadLockKey = (uploadId: string) => `csv-upload:${uploadId}`;

/** Retries a batch (one transaction, so all-or-nothing) a few times before the upload is failed. */
async function writeWithRetry(deps: UploadImportDeps, batch: ImportBatch) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await writeImportBatch(deps.db.$client, batch);
    } catch (err) {
      if (attempt >= BATCH_ATTEMPTS) throw err;
      deps.log.warn({ err, uploadId: batch.uploadId, attempt }, 'CSV import batch failed; retrying');
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

async function importUpload(deps: UploadImportDeps, state: ImportState): Promise<void> {
  const sql = deps.db.$client;
  const type = state.type;
  const cap = listCap(state.listType ?? type);
  const parser = new CsvParser(MAX_CELL_CHARS + 1);
  let layout: CsvLayout | null = null;
  let row = 0;
  let nonBlank = 0;
  let consumed = 0;
  let reported = Math.min(state.failureCount, MAX_REPORTED_FAILURES);
  let batch: ImportBatch = newBatch();
  let inflight: Promise<Error | number> | null = null;

  function newBatch(): ImportBatch {
    return { uploadId: state.id, accountSid: state.accountSid, listSid: state.listSid, cap, rows: [], failures: [], reported, progressPermille: 0 };
  }

  /** Waits for the batch being written; rethrows its error. */
  async function settle(): Promise<void> {
    if (!inflight) return;
    const result = await inflight;
    inflight = null;
    if (result instanceof Error) throw result;
    reported = Math.min(MAX_REPORTED_FAILURES, reported + result);
  }

  /** Starts writing the current batch and begins a new one; the write overlaps parsing the next. */
  async function flush(): Promise<void> {
    await settle();
    const b = batch;
    b.reported = reported;
    b.progressPermille = Math.min(999, Math.floor((consumed / Math.max(1, state.totalChars)) * 1000));
    batch = newBatch();
    if (b.rows.length + b.failures.length === 0) return;
    inflight = writeWithRetry(deps, b).then(
      (r) => r.failure,
      (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
    );
  }

  function take(record: CsvRecord): void {
    if (layout === null) {
      const header = checkCsvHeader(record.fields, type);
      // The POST validated the header; a stored file that fails now was changed underneath.
      if (!header.ok) throw new Error(header.description);
      layout = header.layout;
      return;
    }
    row++;
    if (isBlankRecord(record)) return;
    nonBlank++;
    if (nonBlank <= state.totalRecords) return;
    const r = contactFromRecord(record, row, layout, state.defaultRegion);
    if (r.ok) batch.rows.push(r.contact);
    else batch.failures.push(r.failure);
  }

  const records: CsvRecord[] = [];
  for (let seq = 0; ; seq++) {
    const chunk = await readUploadChunk(sql, state.id, seq);
    if (chunk === null) break;
    consumed += chunk.length;
    records.length = 0;
    parser.push(chunk, records);
    for (const record of records) {
      take(record);
      if (batch.rows.length + batch.failures.length >= IMPORT_BATCH_ROWS) await flush();
    }
  }
  records.length = 0;
  parser.end(records);
  for (const record of records) take(record);
  await flush();
  await settle();
  await completeUpload(sql, state.id);
}

/**
 * Imports one upload if it is still `processing` and no other process holds it; returns when done
 * (or at once when someone else has it). Failures mark the upload `failed` with the error's message.
 */
export async function processUpload(deps: UploadImportDeps, uploadId: string): Promise<void> {
  const reserved = await deps.db.$client.reserve();
  try {
    const [lock] = await reserved<Array<{ locked: boolean }>>`select pg_try_advisory_lock(hashtextextended(${uploadLockKey(uploadId)}, 0)) as locked`;
    if (!lock?.locked) return;
    try {
      const state = await loadImportState(deps.db.$client, uploadId);
      if (!state) return;
      const started = Date.now();
      deps.log.info({ uploadId, listSid: state.listSid, resumeAfter: state.totalRecords }, 'CSV import started');
      try {
        await importUpload(deps, state);
        deps.log.info({ uploadId, ms: Date.now() - started }, 'CSV import completed');
      } catch (err) {
        deps.log.error({ err, uploadId }, 'CSV import failed');
        await failUpload(deps.db.$client, uploadId, err instanceof Error ? err.message : String(err));
      }
    } finally {
      await reserved`select pg_advisory_unlock(hashtextextended(${uploadLockKey(uploadId)}, 0))`;
    }
  } finally {
    reserved.release();
  }
}

/** Runs `processUpload` in the background, logging (never throwing) what goes wrong. */
export function startUploadProcessing(deps: UploadImportDeps, uploadId: string): void {
  processUpload(deps, uploadId).catch((err: unknown) => deps.log.error({ err, uploadId }, 'CSV import could not run; it resumes at the next start-up'));
}

/**
 * Resumes every upload left `processing` (an API that stopped mid-import), one after another in the
 * background. Call once at API start-up; uploads another live process is importing are skipped.
 * Returns how many uploads were found.
 */
export async function resumePendingUploads(db: Db, log: Logger = pino({ level: 'silent' })): Promise<number> {
  const ids = await processingUploadIds(db);
  if (ids.length === 0) return 0;
  log.info({ uploads: ids.length }, 'Resuming CSV imports');
  const deps = { db, log };
  void (async () => {
    for (const id of ids) await processUpload(deps, id).catch((err: unknown) => log.error({ err, uploadId: id }, 'CSV import could not resume'));
  })();
  return ids.length;
}
