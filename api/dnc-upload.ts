/**
 * SPEC §2/§7 (ext) `POST /dnc/csv-upload`: a CSV of numbers added to the do-not-call list as it streams in, read by the
 * contact upload's rules (a `number` column, strict UTF-8, E.164 with the default region, a NUL byte in a cell its
 * row's failure). Batches go into the caller's transaction: a file rejected part-way adds nothing; memory stays flat.
 */
import type { DbOrTx } from '../db/client';
import { addDncNumbers, DNC_BATCH } from '../db/queries/dnc';
import {
  checkCsvHeader,
  contactFromRecord,
  MAX_REPORTED_FAILURES,
  storableCsvText,
  type CsvLayout,
} from '../domain/contact-csv';
import { CsvParser, isBlankRecord, type CsvRecord } from '../domain/csv-parser';
import type { DncUploadResult } from '../domain/schemas/dnc';
import { ApiError } from './errors';
import { CSV_FILE_LIMIT } from './middleware/body-limit';
import type { MultipartReader } from './multipart';

/** Reads the file part at `reader`'s position and adds its numbers; returns the counts. */
export async function importDncFile(
  tx: DbOrTx,
  reader: MultipartReader,
  account: { sid: string; defaultRegion: string },
): Promise<DncUploadResult> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parser = new CsvParser();
  const records: CsvRecord[] = [];
  const result: DncUploadResult = {
    total_records: 0,
    success_count: 0,
    duplicate_count: 0,
    failure_count: 0,
    failures: [],
  };
  let layout: CsvLayout | null = null;
  let row = 0;
  let size = 0;
  let batch: string[] = [];

  const flush = async () => {
    const distinct = [...new Set(batch)];
    const added = await addDncNumbers(tx, account.sid, distinct, 'csv_upload');
    result.success_count += added.size;
    result.duplicate_count += batch.length - added.size;
    batch = [];
  };
  const take = (record: CsvRecord) => {
    if (layout === null) {
      const header = checkCsvHeader(record.fields, 'dynamic');
      if (!header.ok) throw new ApiError('INVALID_PARAMETER', header.description);
      layout = header.layout;
      return;
    }
    row++;
    if (isBlankRecord(record)) return;
    result.total_records++;
    const r = contactFromRecord(record, row, layout, account.defaultRegion);
    if (r.ok) {
      batch.push(r.contact.e164);
      return;
    }
    result.failure_count++;
    if (result.failures.length < MAX_REPORTED_FAILURES) {
      const { row: at, number, reason } = r.failure;
      result.failures.push({ row: at, number, reason });
    }
  };
  const push = async (text: string) => {
    records.length = 0;
    // SPEC §1: a NUL fails its row (in the header row, the upload), read back from STORED_NUL by the row rules.
    parser.push(storableCsvText(text), records);
    for (const record of records) take(record);
    if (batch.length >= DNC_BATCH) await flush();
  };
  const decode = (bytes?: Buffer) => {
    try {
      return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch {
      throw new ApiError('INVALID_PARAMETER', `file_name: the file is not UTF-8 text (within the first ${size} bytes)`);
    }
  };

  for (let piece = await reader.readChunk(); piece !== null; piece = await reader.readChunk()) {
    size += piece.length;
    if (size > CSV_FILE_LIMIT)
      throw new ApiError(
        'PAYLOAD_TOO_LARGE',
        `file_name: the file is larger than ${CSV_FILE_LIMIT / (1024 * 1024)} MB`,
      );
    await push(decode(piece));
  }
  await push(decode());
  records.length = 0;
  parser.end(records);
  for (const record of records) take(record);
  if (layout === null)
    throw new ApiError('INVALID_PARAMETER', 'file_name: the file is empty; it needs a header row with a number column');
  await flush();
  return result;
}
