/**
 * `ops lists upload <file> --name <list> [--type static|dynamic]` (SPEC §5, §8): sends the CSV to the
 * API's `POST /contacts/csv-upload` as a streamed multipart body, with a progress bar while the bytes go and while
 * `csv-status` reports the import, then prints the counts and the first failures. Credentials:
 * `--account/--key/--token`, else the local stack's demo account; the API at `--url`, else OUTCALL_PUBLIC_URL.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { OpsCommand } from '../ops-args';
import { newSid } from '../../domain/ids';
import { OpsError, type Output } from './output';
import { megabytes, progressBar } from './progress';

type UploadCommand = Extract<OpsCommand, { kind: 'lists.upload' }>;

interface Credentials {
  sid: string;
  key: string;
  token: string;
}

interface CsvStatus {
  upload_id: string;
  list_sid: string;
  status: 'processing' | 'completed' | 'failed';
  total_records: number;
  success_count: number;
  duplicate_count: number;
  failure_count: number;
  progress: number;
  failures: Array<{ row: number; number: string; reason: string }>;
  error: string | null;
}

const FIRST_FAILURES = 10;

function credentials(config: Config, c: UploadCommand): Credentials {
  if (c.key && c.token && c.accountSid) return { sid: c.accountSid, key: c.key, token: c.token };
  const file = path.join(config.OUTCALL_DATA_DIR, 'demo-account.json');
  if (!existsSync(file))
    throw new OpsError('give --account, --key and --token (or run it beside `npm start`, whose demo account it uses)');
  const demo = JSON.parse(readFileSync(file, 'utf8')) as { sid: string; api_key: string; api_token: string };
  if (c.accountSid && c.accountSid !== demo.sid)
    throw new OpsError(`--key and --token are needed for account ${c.accountSid} (only the demo account's are known)`);
  return { sid: demo.sid, key: c.key ?? demo.api_key, token: c.token ?? demo.api_token };
}

/** The multipart body as a stream that reports how many of its bytes have been read (sent). */
function multipartBody(file: string, fields: Record<string, string>, onBytes: (sent: number) => void) {
  const boundary = `outcall-${newSid()}`;
  const head = Buffer.from(
    Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file_name"; ` +
      `filename="${path.basename(file).replace(/"/g, '')}"\r\nContent-Type: text/csv\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = head.length + statSync(file).size + tail.length;
  let sent = 0;
  const count = (chunk: Uint8Array) => {
    sent += chunk.length;
    onBytes(sent);
    return chunk;
  };
  async function* pieces() {
    yield count(head);
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) yield count(chunk as Buffer);
    yield count(tail);
  }
  const iterator = pieces();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
  return { body, length, contentType: `multipart/form-data; boundary=${boundary}` };
}

async function api<T>(url: string, auth: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { authorization: auth, ...(init.headers ?? {}) } });
  } catch (err) {
    throw new OpsError(`${url}: ${(err as Error).message} (is the API running? --url sets where)`);
  }
  const json = (await res.json().catch(() => null)) as {
    response?: Array<{ data?: T; error_data?: { description: string } }>;
  } | null;
  const item = json?.response?.[0];
  if (!res.ok || item?.data === undefined)
    throw new OpsError(`HTTP ${res.status}: ${item?.error_data?.description ?? 'unexpected answer'}`);
  return item.data;
}

export async function listsUpload(config: Config, o: Output, c: UploadCommand): Promise<number> {
  if (!existsSync(c.file) || !statSync(c.file).isFile()) throw new OpsError(`${c.file}: no such file`);
  const who = credentials(config, c);
  const base = (c.url ?? config.OUTCALL_PUBLIC_URL).replace(/\/+$/, '');
  const account = `${base}/v2/accounts/${encodeURIComponent(who.sid)}`;
  const auth = `Basic ${Buffer.from(`${who.key}:${who.token}`).toString('base64')}`;
  const bars = !o.json;

  const sending = bars ? progressBar('uploading') : null;
  const { body, length, contentType } = multipartBody(c.file, { list_name: c.name, type: c.type }, (sent) =>
    sending?.update(sent / length, `${megabytes(sent)} of ${megabytes(length)}`),
  );
  const accepted = await api<{ upload_id: string; list_sid: string }>(`${account}/contacts/csv-upload`, auth, {
    method: 'POST',
    headers: { 'content-type': contentType, 'content-length': String(length) },
    body,
    // `duplex` is required by undici for a streamed request body but missing from the DOM typings.
    duplex: 'half',
  } as RequestInit);
  sending?.done(megabytes(length));

  const importing = bars ? progressBar('importing') : null;
  let status: CsvStatus;
  for (;;) {
    status = await api<CsvStatus>(`${account}/csv-status/${accepted.upload_id}`, auth);
    importing?.update(status.progress, `${status.total_records} rows`);
    if (status.status !== 'processing') break;
    await new Promise((r) => setTimeout(r, 300));
  }
  importing?.done(`${status.total_records} rows`);

  const failures = status.failures.slice(0, FIRST_FAILURES);
  o.result({ ...status, failures }, () =>
    [
      `Upload ${status.upload_id} into list ${status.list_sid}: ${status.status}` +
        (status.error ? ` (${status.error})` : ''),
      `  rows ${status.total_records}   added ${status.success_count}   duplicate ${status.duplicate_count}` +
        `   failed ${status.failure_count}`,
      ...(failures.length > 0
        ? [`  first failures:`, ...failures.map((f) => `    row ${f.row}  ${f.number || '(empty)'}  ${f.reason}`)]
        : []),
    ].join('\n'),
  );
  return status.status === 'completed' ? 0 : 1;
}
