/**
 * SPEC §5 CSV upload, the receiving side: the upload row, the file stored in chunks as it streams
 * in, and the target list found or created, all in the request's transaction so a rejected upload
 * leaves nothing behind. Also the csv-status mapper.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { csvUploadChunks, csvUploads, lists } from '../schema';
import type { AccountRow } from './accounts';
import type { Tx } from './campaigns';
import type { ListRow } from './lists';
import { newSid } from '../../domain/ids';
import { formatInstant, formatOptional } from '../../domain/time';
import type { CsvUploadResource } from '../../domain/schemas/list';

export type CsvUploadRow = typeof csvUploads.$inferSelect;

/**
 * Finds the account's list by name, creating it (untyped, no columns) when missing. With `lock`, the
 * row stays locked until the transaction ends (the upload settles the list's type and columns).
 */
export async function findOrCreateListByName(
  tx: Tx,
  accountSid: string,
  name: string,
  now: Date,
  opts: { lock: boolean },
): Promise<ListRow> {
  await tx
    .insert(lists)
    .values({ sid: newSid(), accountSid, name, dateCreated: now, dateUpdated: now })
    .onConflictDoNothing({ target: [lists.accountSid, lists.name] });
  const query = tx
    .select()
    .from(lists)
    .where(and(eq(lists.accountSid, accountSid), eq(lists.name, name)));
  const [list] = opts.lock ? await query.for('update') : await query;
  return list!;
}

/**
 * A placeholder list for a file part that arrives before `list_name`: the upload row needs a list to
 * reference while its chunks are stored. It never outlives the request's transaction.
 */
export async function createPlaceholderList(tx: Tx, accountSid: string, uploadId: string, now: Date): Promise<string> {
  const sid = newSid();
  await tx.insert(lists).values({ sid, accountSid, name: `.upload-${uploadId}`, dateCreated: now, dateUpdated: now });
  return sid;
}

export async function deleteListRow(tx: Tx, sid: string): Promise<void> {
  await tx.delete(lists).where(eq(lists.sid, sid));
}

export async function insertUpload(
  tx: Tx,
  input: { id: string; accountSid: string; listSid: string; type: string; now: Date },
): Promise<void> {
  await tx.insert(csvUploads).values({
    id: input.id,
    accountSid: input.accountSid,
    listSid: input.listSid,
    type: input.type,
    status: 'processing',
    dateCreated: input.now,
  });
}

export async function insertUploadChunk(tx: Tx, uploadId: string, seq: number, data: string): Promise<void> {
  await tx.insert(csvUploadChunks).values({ uploadId, seq, data });
}

/** Completes the received upload's row once the whole file is stored and the list is settled. */
export async function finishReceivedUpload(
  tx: Tx,
  input: { id: string; listSid: string; type: string; fileName: string | null; sizeBytes: number },
): Promise<void> {
  await tx
    .update(csvUploads)
    .set({ listSid: input.listSid, type: input.type, fileName: input.fileName, sizeBytes: input.sizeBytes })
    .where(eq(csvUploads.id, input.id));
}

/** Fixes the list's type (first upload) and widens its columns to the union with this upload's header. */
export async function setListShape(
  tx: Tx,
  sid: string,
  shape: { type: string; columns: string[] },
  now: Date,
): Promise<void> {
  await tx.update(lists).set({ type: shape.type, columns: shape.columns, dateUpdated: now }).where(eq(lists.sid, sid));
}

export async function findUpload(db: Db, accountSid: string, id: string): Promise<CsvUploadRow | undefined> {
  const [row] = await db
    .select()
    .from(csvUploads)
    .where(and(eq(csvUploads.accountSid, accountSid), eq(csvUploads.id, id)));
  return row;
}

/** Ids of uploads left `processing` (oldest first), for a restarted API to resume. */
export async function processingUploadIds(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: csvUploads.id })
    .from(csvUploads)
    .where(eq(csvUploads.status, 'processing'))
    .orderBy(asc(csvUploads.dateCreated));
  return rows.map((r) => r.id);
}

/** The csv-status object of SPEC §5, with `summary.url` pointing back at itself. */
export function toCsvUploadResource(
  row: CsvUploadRow,
  account: Pick<AccountRow, 'timezone'>,
  publicUrl: string,
): CsvUploadResource {
  const status = row.status === 'completed' || row.status === 'failed' ? row.status : 'processing';
  return {
    upload_id: row.id,
    list_sid: row.listSid,
    type: row.type === 'dynamic' ? 'dynamic' : 'static',
    file_name: row.fileName,
    status,
    total_records: row.totalRecords,
    success_count: row.successCount,
    duplicate_count: row.duplicateCount,
    failure_count: row.failureCount,
    progress: row.progress / 1000,
    failures: row.failures,
    error: row.error,
    date_created: formatInstant(row.dateCreated, account.timezone),
    date_completed: formatOptional(row.dateCompleted, account.timezone),
    summary: { url: csvStatusUrl(publicUrl, row.accountSid, row.id) },
  };
}

export function csvStatusUrl(publicUrl: string, accountSid: string, uploadId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/v2/accounts/${accountSid}/csv-status/${uploadId}`;
}
