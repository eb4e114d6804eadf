/**
 * SPEC §2/§5 CSV upload at `/v2/accounts/:sid`: `POST /contacts/csv-upload` (multipart `list_name`, `file_name`,
 * `type`) stores the file as it streams in and answers with the upload id; `GET /csv-status/{upload_id}` reports
 * progress. All the POST writes is one transaction, so a rejected upload leaves nothing behind.
 */
import { Hono } from 'hono';
import type { AccountRow } from '../../db/queries/accounts';
import type { Tx } from '../../db/queries/campaigns';
import {
  createPlaceholderList,
  csvStatusUrl,
  deleteListRow,
  findOrCreateListByName,
  findUpload,
  finishReceivedUpload,
  insertUpload,
  insertUploadChunk,
  setListShape,
  toCsvUploadResource,
} from '../../db/queries/csv-uploads';
import { attachedCampaigns } from '../../db/queries/lists';
import {
  checkCsvHeader,
  isStandardColumn,
  LIST_TYPES,
  MAX_EXTRA_COLUMNS,
  mergeColumns,
  storableCsvText,
  type ListType,
} from '../../domain/contact-csv';
import { CsvParser, type CsvRecord } from '../../domain/csv-parser';
import { templateTokens } from '../../domain/greeting-template';
import { newSid } from '../../domain/ids';
import type { AppEnv } from '../context';
import { createCsvImporter } from '../csv-import';
import type { AppDeps } from '../deps';
import { ok } from '../envelope';
import { ApiError } from '../errors';
import { CSV_FILE_LIMIT } from '../middleware/body-limit';
import { MultipartReader, multipartBoundary } from '../multipart';

/** Characters per stored chunk: a few dozen rows for a 60 MB file, each well under PostgreSQL's limits. */
const CHUNK_CHARS = 1 << 20;
/** The header row must end within this many characters. */
const MAX_HEADER_CHARS = 64 * 1024;
const MAX_FIELD_BYTES = 1024;

interface Fields {
  listName?: string;
  type?: string;
}

interface StoredFile {
  /** The list the upload row points at while its chunks are stored. */
  listSid: string;
  placeholder: boolean;
  fileName: string | null;
  sizeBytes: number;
  header: string[] | null;
}

function uploadType(raw: string | undefined): ListType {
  const t = (raw ?? '').trim().toLowerCase();
  if (t === '') return 'static';
  if ((LIST_TYPES as readonly string[]).includes(t)) return t as ListType;
  throw new ApiError('INVALID_PARAMETER', `type must be "static" or "dynamic"; got ${JSON.stringify(raw)}`);
}

function listNameOf(raw: string | undefined): string {
  const name = (raw ?? '').trim();
  if (name === '')
    throw new ApiError('INVALID_PARAMETER', 'list_name is required: the name of the list to add the contacts to');
  if (name.length > 255)
    throw new ApiError('INVALID_PARAMETER', `list_name must be at most 255 characters; got ${name.length}`);
  return name;
}

function checkHeader(header: string[], type: ListType) {
  const r = checkCsvHeader(header, type);
  if (!r.ok) throw new ApiError('INVALID_PARAMETER', r.description);
  return r.layout;
}

/**
 * Rejects a bad header as soon as it has arrived rather than after storing the whole file. When the
 * `type` part has not come yet, only the rules both types share are checked (a `number` column,
 * valid and distinct names); the type-specific ones wait for the end of the body.
 */
function checkHeaderEarly(header: string[], rawType: string | undefined): void {
  if (rawType !== undefined) {
    checkHeader(header, uploadType(rawType));
    return;
  }
  const extras = header.filter((h) => !isStandardColumn(h.trim())).length;
  if (extras <= MAX_EXTRA_COLUMNS) checkHeader(header, 'dynamic');
}

/**
 * Stores the file part in chunks as it arrives, decoding UTF-8 strictly and reading the header row on
 * the way; the header is checked as soon as it is complete when `type` came before the file.
 */
async function storeFile(
  tx: Tx,
  reader: MultipartReader,
  ctx: { account: AccountRow; uploadId: string; fields: Fields; fileName: string | null; now: Date },
): Promise<StoredFile> {
  const { account, uploadId, fields, now } = ctx;
  const placeholder = fields.listName === undefined;
  const listSid = placeholder
    ? await createPlaceholderList(tx, account.sid, uploadId, now)
    : (await findOrCreateListByName(tx, account.sid, listNameOf(fields.listName), now, { lock: false })).sid;
  await insertUpload(tx, { id: uploadId, accountSid: account.sid, listSid, type: uploadType(fields.type), now });

  const decoder = new TextDecoder('utf-8', { fatal: true });
  const headerParser = new CsvParser(MAX_HEADER_CHARS);
  const headerRecords: CsvRecord[] = [];
  let header: string[] | null = null;
  let headerChars = 0;
  let size = 0;
  let seq = 0;
  let pending = '';

  const take = (decoded: string) => {
    // A NUL fails its row (a NUL in the header row fails the upload): stored as STORED_NUL.
    const text = storableCsvText(decoded);
    if (header === null) {
      headerParser.push(text, headerRecords);
      headerChars += text.length;
      if (headerRecords.length > 0) {
        header = headerRecords[0]!.fields;
        checkHeaderEarly(header, fields.type);
      } else if (headerChars > MAX_HEADER_CHARS) {
        throw new ApiError(
          'INVALID_PARAMETER',
          `file_name: the header row is longer than ${MAX_HEADER_CHARS} characters`,
        );
      }
    }
    pending += text;
  };
  const decode = (bytes?: Buffer) => {
    try {
      return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch {
      throw new ApiError(
        'INVALID_PARAMETER',
        `file_name: the file is not UTF-8 text (first bad byte within the first ${size} bytes)`,
      );
    }
  };

  for (let piece = await reader.readChunk(); piece !== null; piece = await reader.readChunk()) {
    size += piece.length;
    if (size > CSV_FILE_LIMIT)
      throw new ApiError(
        'PAYLOAD_TOO_LARGE',
        `file_name: the file is larger than ${CSV_FILE_LIMIT / (1024 * 1024)} MB`,
      );
    take(decode(piece));
    if (pending.length >= CHUNK_CHARS) {
      await insertUploadChunk(tx, uploadId, seq++, pending);
      pending = '';
    }
  }
  take(decode());
  if (pending !== '') await insertUploadChunk(tx, uploadId, seq++, pending);
  if (header === null) {
    headerParser.end(headerRecords);
    header = headerRecords[0]?.fields ?? null;
  }
  return { listSid, placeholder, fileName: ctx.fileName, sizeBytes: size, header };
}

/**
 * SPEC §5: the list's type is fixed by its first upload (another type → 409), and while the list is
 * attached to a non-terminal dynamic campaign an upload must carry every list column its template
 * uses (rows without it would render that token empty).
 */
async function settleList(tx: Tx, account: AccountRow, listName: string, type: ListType, header: string[], now: Date) {
  const list = await findOrCreateListByName(tx, account.sid, listName, now, { lock: true });
  if (list.type !== null && list.type !== type) {
    throw new ApiError(
      'STATE_CONFLICT',
      `type: list ${JSON.stringify(listName)} is a ${list.type} list; a ${type} upload cannot be added to it ` +
        "(a list's type is fixed by its first upload)",
    );
  }
  for (const campaign of await attachedCampaigns(tx, account.sid, list.sid)) {
    if (campaign.campaignType !== 'dynamic' || campaign.readViaText === null) continue;
    const dropped = templateTokens(campaign.readViaText).find((t) => list.columns.includes(t) && !header.includes(t));
    if (dropped !== undefined) {
      throw new ApiError(
        'STATE_CONFLICT',
        `file_name: the CSV has no ${dropped} column, which campaign ${campaign.id} (${campaign.status}) ` +
          `uses as @@${dropped}; add the column or end the campaign first`,
      );
    }
  }
  await setListShape(tx, list.sid, { type, columns: mergeColumns(list.columns, header) }, now);
  return list;
}

async function receiveUpload(deps: AppDeps, account: AccountRow, body: ReadableStream<Uint8Array>, boundary: string) {
  const uploadId = newSid();
  const now = new Date();
  const reader = new MultipartReader(body, boundary);
  try {
    return await deps.db.transaction(async (tx) => {
      const fields: Fields = {};
      let file: StoredFile | null = null;
      for (let part = await reader.nextPart(); part !== null; part = await reader.nextPart()) {
        if (part.name === 'list_name') fields.listName = await reader.readText(MAX_FIELD_BYTES, 'list_name');
        else if (part.name === 'type') fields.type = await reader.readText(MAX_FIELD_BYTES, 'type');
        else if (part.name === 'file_name' || (part.filename !== null && file === null)) {
          if (file !== null)
            throw new ApiError('INVALID_PARAMETER', 'file_name: one file per upload; the body carries two');
          file = await storeFile(tx, reader, { account, uploadId, fields, fileName: part.filename, now });
        }
      }
      const listName = listNameOf(fields.listName);
      const type = uploadType(fields.type);
      if (file === null)
        throw new ApiError('INVALID_PARAMETER', 'file_name is required: the CSV file part of the multipart body');
      if (file.header === null)
        throw new ApiError(
          'INVALID_PARAMETER',
          'file_name: the file is empty; it needs a header row with a number column',
        );
      checkHeader(file.header, type);
      const list = await settleList(
        tx,
        account,
        listName,
        type,
        file.header.map((h) => h.trim()),
        now,
      );
      await finishReceivedUpload(tx, {
        id: uploadId,
        listSid: list.sid,
        type,
        fileName: file.fileName,
        sizeBytes: file.sizeBytes,
      });
      if (file.placeholder) await deleteListRow(tx, file.listSid);
      return { uploadId, listSid: list.sid };
    });
  } catch (err) {
    await reader.cancel();
    throw err;
  }
}

export function createCsvUploadRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const importer = deps.csvImporter ?? createCsvImporter({ db: deps.db, log: deps.log });

  app.post('/contacts/csv-upload', async (c) => {
    const account = c.get('account');
    const contentType = c.req.header('content-type');
    const boundary = multipartBoundary(contentType);
    if (boundary === null) {
      if (contentType && /^\s*multipart\/form-data/i.test(contentType)) {
        throw new ApiError('INVALID_PARAMETER', 'Content-Type: multipart/form-data needs a boundary parameter');
      }
      throw new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        'the CSV upload must be multipart/form-data with list_name and file_name parts; ' +
          `got ${contentType ? JSON.stringify(contentType) : 'no Content-Type'}`,
      );
    }
    const body = c.req.raw.body;
    if (!body) throw new ApiError('INVALID_PARAMETER', 'file_name is required: the request has no body');
    const { uploadId, listSid } = await receiveUpload(deps, account, body, boundary);
    importer.start(uploadId);
    return ok(c, {
      upload_id: uploadId,
      list_sid: listSid,
      status: 'processing',
      summary: { url: csvStatusUrl(deps.publicUrl, account.sid, uploadId) },
    });
  });

  app.get('/csv-status/:upload_id', async (c) => {
    const account = c.get('account');
    const id = c.req.param('upload_id');
    const row = await findUpload(deps.db, account.sid, id);
    if (!row)
      throw new ApiError(
        'UPLOAD_NOT_FOUND',
        `upload_id: upload ${JSON.stringify(id)} does not exist in account "${account.sid}"`,
      );
    return ok(c, toCsvUploadResource(row, account, deps.publicUrl));
  });

  return app;
}
