/**
 * SPEC §5 CSV upload over real HTTP: multipart bodies built by hand (so part order, boundaries and
 * streamed transfer are under the test's control), the upload POST, and polling `csv-status` until
 * the import ends. Every status read checks `total = success + duplicate + failure`, so a test that
 * polls proves the invariant at each read it makes.
 */
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '../../db/client';
import { campaigns } from '../../db/schema';
import { newSid } from '../../domain/ids';
import type { Json, TestAccount } from './api';
import { httpClient, type HttpResponse } from './http-app';

export type Part =
  { name: string; value: string } | { name: string; filename: string; content: string | Buffer; contentType?: string };

function partHead(boundary: string, part: Part): string {
  const disposition =
    'filename' in part
      ? `form-data; name="${part.name}"; filename="${part.filename}"`
      : `form-data; name="${part.name}"`;
  const type = 'filename' in part ? `\r\nContent-Type: ${part.contentType ?? 'text/csv'}` : '';
  return `--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`;
}

/** A `multipart/form-data` body with the parts in the given order. */
export function multipart(
  parts: Part[],
  boundary = 'outcallTestBoundary7MA4YWxkTrZu0gW',
): { body: Buffer; contentType: string } {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const content = 'filename' in part ? part.content : part.value;
    pieces.push(
      Buffer.from(partHead(boundary, part)),
      Buffer.isBuffer(content) ? content : Buffer.from(content),
      Buffer.from('\r\n'),
    );
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(pieces), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * A streamed multipart body (chunked transfer, no Content-Length): the fields, then a file whose
 * content comes from `file` piece by piece, so a test can send 60 MB without holding it.
 */
export function streamedMultipart(
  fields: Array<{ name: string; value: string }>,
  file: { filename: string; pieces: () => Iterable<Buffer> },
  boundary = 'outcallStreamBoundary0123456789',
): { body: ReadableStream<Uint8Array>; contentType: string } {
  const head =
    fields.map((f) => `${partHead(boundary, f)}${f.value}\r\n`).join('') +
    partHead(boundary, { name: 'file_name', filename: file.filename, content: '' });
  function* all(): Generator<Buffer> {
    yield Buffer.from(head);
    yield* file.pieces();
    yield Buffer.from(`\r\n--${boundary}--\r\n`);
  }
  const it = all();
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = it.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** POSTs a body to the account's csv-upload endpoint. */
export async function postUploadBody(
  baseUrl: string,
  account: TestAccount,
  body: Buffer | ReadableStream<Uint8Array> | string,
  contentType: string | null,
): Promise<HttpResponse> {
  const res = await fetch(`${baseUrl}/v2/accounts/${account.sid}/contacts/csv-upload`, {
    method: 'POST',
    headers: { authorization: account.auth, ...(contentType && { 'content-type': contentType }) },
    body,
    // Required by undici for a streamed request body; missing from the DOM typings.
    ...(body instanceof ReadableStream && { duplex: 'half' }),
  } as RequestInit);
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: left as text for the assertion message
  }
  return { status: res.status, headers: res.headers, json, text };
}

export interface CsvUploadInput {
  csv: string | Buffer;
  listName?: string;
  type?: string;
  fileName?: string;
  /** Put the file part before the text fields (clients differ). */
  fileFirst?: boolean;
}

/** `POST /contacts/csv-upload` with `list_name`, `type` and the file as `file_name`. */
export async function postCsv(baseUrl: string, account: TestAccount, input: CsvUploadInput): Promise<HttpResponse> {
  const fields: Part[] = [];
  if (input.listName !== undefined) fields.push({ name: 'list_name', value: input.listName });
  if (input.type !== undefined) fields.push({ name: 'type', value: input.type });
  const file: Part = { name: 'file_name', filename: input.fileName ?? 'contacts.csv', content: input.csv };
  const { body, contentType } = multipart(input.fileFirst ? [file, ...fields] : [...fields, file]);
  return postUploadBody(baseUrl, account, body, contentType);
}

/** SPEC §5 csv-status invariant, checked at every read. */
export function expectCountsAddUp(s: Json): void {
  expect(s.total_records, JSON.stringify(s)).toBe(s.success_count + s.duplicate_count + s.failure_count);
  expect(s.progress).toBeGreaterThanOrEqual(0);
  expect(s.progress).toBeLessThanOrEqual(1);
}

/** Polls csv-status until the upload is no longer `processing`; returns the final status object. */
export async function waitForUpload(
  baseUrl: string,
  account: TestAccount,
  uploadId: string,
  timeoutMs = 180_000,
): Promise<Json> {
  const get = httpClient(baseUrl, account);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await get('GET', `/v2/accounts/${account.sid}/csv-status/${uploadId}`);
    expect(res.status, res.text).toBe(200);
    const s = res.json.response[0].data;
    expectCountsAddUp(s);
    if (s.status !== 'processing') return s;
    if (Date.now() > deadline)
      throw new Error(`upload ${uploadId} still processing after ${timeoutMs} ms: ${res.text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Uploads a CSV and waits for its import; fails the test unless the POST answers 200. */
export async function importCsv(
  baseUrl: string,
  account: TestAccount,
  input: CsvUploadInput,
): Promise<{ upload: Json; status: Json }> {
  const res = await postCsv(baseUrl, account, input);
  expect(res.status, res.text).toBe(200);
  const upload = res.json.response[0].data;
  return { upload, status: await waitForUpload(baseUrl, account, upload.upload_id) };
}

/**
 * A campaign row that uses `listSids`, written straight into the read model: the arrangement for the
 * SPEC §5 rules that look at attached campaigns (delete → 409, an upload dropping a template column
 * → 409) without running a campaign.
 */
export async function insertListCampaign(
  db: Db,
  input: {
    accountSid: string;
    listSids: string[];
    status?: string;
    campaignType?: 'static' | 'dynamic';
    readViaText?: string | null;
  },
): Promise<string> {
  const id = newSid();
  const now = new Date();
  await db.insert(campaigns).values({
    id,
    accountSid: input.accountSid,
    name: `list campaign ${id.slice(0, 6)}`,
    callerId: '08047112233',
    campaignType: input.campaignType ?? 'static',
    lists: input.listSids,
    readViaText: input.readViaText ?? 'Hello',
    flowType: 'greeting',
    retries: {
      number_of_retries: 0,
      interval_mins: null,
      mechanism: 'Linear',
      on_status: ['busy', 'no-answer', 'failed'],
    },
    status: input.status ?? 'Created',
    dateCreated: now,
    dateUpdated: now,
  });
  return id;
}

/** Moves a campaign row to another status (e.g. a terminal one). */
export async function setCampaignStatus(db: Db, id: string, status: string): Promise<void> {
  await db.update(campaigns).set({ status }).where(eq(campaigns.id, id));
}
