/**
 * `npm run bench -- csv-import [--rows N | --quick]` (`--quick` = 20,000 rows): SPEC §5 CSV import measured on a whole stack (embedded
 * PostgreSQL, dev server, API; no worker). A dynamic CSV of N rows (default 500,000) with the standard
 * columns number, first_name, last_name and 5 extra columns is streamed from disk to
 * `POST /contacts/csv-upload` and polled at `csv-status` until completed. Printed: rows/s, wall time,
 * peak RSS of this process (which hosts the API and the importer), the status-poll latency while the
 * import runs, and the ratio to a plain PostgreSQL `COPY` of the same file into a bare table in the
 * same database. Then where the time goes, each phase measured on its own over the same rows: storing
 * the upload, reading and parsing the CSV, validating rows (E.164 numbers), and the database writes
 * (the import's own `writeImportBatch`, into a fresh account).
 */
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { upsertAccount } from '../db/queries/accounts';
import { insertList } from '../db/queries/lists';
import { writeImportBatch, type ImportBatch } from '../db/queries/csv-import';
import { checkCsvHeader, contactFromRecord, LIST_CAPS, type ContactRow, type RowFailure } from '../domain/contact-csv';
import { CsvParser, type CsvRecord } from '../domain/csv-parser';
import { newSid } from '../domain/ids';
import { startEmbeddedStack, type EmbeddedStack } from '../bin/embedded-stack';
import { median, peakRssMiB } from './support/figures';

const ACCOUNT = {
  sid: 'bench_csv',
  api_key: 'bench_csv_key',
  api_token: 'bench_csv_token_0123456789',
  api_requests_per_minute: 1_000_000,
};
const HEADER = 'number,first_name,last_name,plan,amount,due_date,branch,ref';
const BOUNDARY = 'outcallBenchBoundary9f8e7d6c';

function parseArgs(args: string[]): { rows: number } {
  let rows = 500_000;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--rows') rows = Number(args[++i]);
    else if (a.startsWith('--rows=')) rows = Number(a.slice(7));
    else if (a === '--quick') rows = 20_000;
  }
  if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive integer');
  return { rows };
}

/** Writes the CSV to `file` row by row (never held in memory); returns its size in bytes. */
async function writeCsv(file: string, rows: number): Promise<number> {
  const out = createWriteStream(file);
  const plans = ['Gold', 'Silver', 'Bronze', 'Platinum', 'Basic'];
  let chunk: string[] = [HEADER];
  for (let i = 0; i < rows; i++) {
    chunk.push(
      `+9190${String(10_000_000 + i)},Name${i},Surname${i % 997},${plans[i % 5]},${(i % 9000) + 100}.50,2025-0${(i % 9) + 1}-1${i % 10},BR${i % 100},REF-${i}`,
    );
    if (chunk.length >= 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  }
  out.end(chunk.length > 0 ? `${chunk.join('\n')}\n` : '');
  await once(out, 'finish');
  return statSync(file).size;
}

/** `COPY` of the file into a bare table with one text column per CSV column. */
async function copyBaseline(stack: EmbeddedStack, file: string): Promise<number> {
  const sql = stack.db.$client;
  await sql.unsafe(
    `create table bench_copy (${HEADER.split(',')
      .map((c) => `${c} text`)
      .join(', ')})`,
  );
  const started = performance.now();
  const writable = await sql`copy bench_copy from stdin with (format csv, header true)`.writable();
  await pipeline(createReadStream(file), writable);
  const ms = performance.now() - started;
  const [{ n } = { n: 0 }] = await sql<Array<{ n: number }>>`select count(*)::int as n from bench_copy`;
  await sql`drop table bench_copy`;
  if (n <= 0) throw new Error('COPY loaded nothing');
  return ms;
}

/** The multipart body, streamed from disk: `list_name`, `type`, then the file. */
function multipartFromFile(file: string, listName: string): ReadableStream<Uint8Array> {
  const head = [
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="list_name"\r\n\r\n${listName}\r\n`,
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="type"\r\n\r\ndynamic\r\n`,
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file_name"; filename="bench.csv"\r\nContent-Type: text/csv\r\n\r\n`,
  ].join('');
  async function* parts() {
    yield Buffer.from(head);
    for await (const piece of createReadStream(file, { highWaterMark: 256 * 1024 })) yield piece as Buffer;
    yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  }
  return Readable.toWeb(Readable.from(parts())) as ReadableStream<Uint8Array>;
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Heap and buffers still reachable after a full GC, in MiB: memory the process actually holds. */
function liveMiB(): number {
  gc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 2 ** 20;
}

/** The same kind of authenticated GET before the import starts, for comparison with the polls. */
async function idlePollMs(stack: EmbeddedStack): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await stack.api('GET', `/v2/accounts/${ACCOUNT.sid}/lists?limit=1`, {
      key: ACCOUNT.api_key,
      token: ACCOUNT.api_token,
    });
    out.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

interface ImportRun {
  /** Event-loop delay while importing, in ms: p50, p99, max. */
  loopDelayMs: [number, number, number];
  liveBeforeMiB: number;
  liveMaxMiB: number;
  postMs: number;
  totalMs: number;
  rssBeforeMiB: number;
  rssMaxMiB: number;
  peakRssMiB: number;
  pollMs: number[];
  status: Record<string, unknown>;
}

async function importOverHttp(stack: EmbeddedStack, file: string): Promise<ImportRun> {
  const auth = `Basic ${Buffer.from(`${ACCOUNT.api_key}:${ACCOUNT.api_token}`).toString('base64')}`;
  const liveBeforeMiB = liveMiB();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const rssBeforeMiB = process.memoryUsage().rss / 2 ** 20;
  let rssMax = 0;
  let liveMax = liveBeforeMiB;
  let lastLive = performance.now();
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
    // A full GC now and then (not often: it would also hold RSS down) to read the live set.
    if (performance.now() - lastLive > 15_000) {
      // The forced GC's own pause is the bench's, not the import's: kept out of the delay histogram.
      loop.disable();
      liveMax = Math.max(liveMax, liveMiB());
      loop.enable();
      lastLive = performance.now();
    }
  }, 100);
  const started = performance.now();
  const res = await fetch(`${stack.baseUrl}/v2/accounts/${ACCOUNT.sid}/contacts/csv-upload`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body: multipartFromFile(file, 'bench list'),
    duplex: 'half',
  } as RequestInit);
  const posted = (await res.json()) as { response: Array<{ data: { upload_id: string } }> };
  const postMs = performance.now() - started;
  if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${JSON.stringify(posted)}`);
  const uploadId = posted.response[0]!.data.upload_id;
  const pollMs: number[] = [];
  for (;;) {
    const t = performance.now();
    const s = await stack.api('GET', `/v2/accounts/${ACCOUNT.sid}/csv-status/${uploadId}`, {
      key: ACCOUNT.api_key,
      token: ACCOUNT.api_token,
    });
    pollMs.push(performance.now() - t);
    const status = s.json.response[0].data as Record<string, unknown>;
    if (status.status !== 'processing') {
      clearInterval(sampler);
      loop.disable();
      const loopDelayMs: [number, number, number] = [
        loop.percentile(50) / 1e6,
        loop.percentile(99) / 1e6,
        loop.max / 1e6,
      ];
      return {
        loopDelayMs,
        liveBeforeMiB,
        liveMaxMiB: liveMax,
        postMs,
        totalMs: performance.now() - started,
        rssBeforeMiB,
        rssMaxMiB: rssMax / 2 ** 20,
        peakRssMiB: await peakRssMiB(),
        pollMs,
        status,
      };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Reads and parses the file the way the importer does (1 MiB text pieces). */
function* records(file: string): Generator<CsvRecord> {
  const text = readFileSync(file, 'utf8');
  const parser = new CsvParser(1001);
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += 1 << 20) {
    out.length = 0;
    parser.push(text.slice(i, i + (1 << 20)), out);
    yield* out;
  }
  out.length = 0;
  parser.end(out);
  yield* out;
}

/** Phase timings over the same rows, each on its own. */
async function phases(stack: EmbeddedStack, file: string) {
  let started = performance.now();
  let n = 0;
  for (const r of records(file)) n += r.fields.length > 0 ? 1 : 0;
  const parseMs = performance.now() - started;

  const header = checkCsvHeader(HEADER.split(','), 'dynamic');
  if (!header.ok) throw new Error(header.description);
  // The writes alone go into a fresh account and list (no contact exists yet, as in the real run).
  const accountSid = `bench_w_${newSid().slice(0, 6)}`;
  await upsertAccount(stack.db, { sid: accountSid, api_key: `${accountSid}_k`, api_token: `${accountSid}_t` });
  const list = await insertList(stack.db, { sid: newSid(), accountSid, name: 'writes', tag: null, now: new Date() });
  const uploadId = newSid();
  await stack.db
    .$client`insert into csv_uploads (id, account_sid, list_sid, type, status) values (${uploadId}, ${accountSid}, ${list!.sid}, 'dynamic', 'processing')`;
  // This loop is the upload's importer: it holds the upload's lease, so the API's sweep leaves it alone.
  const lease = await stack.db.$client.reserve();
  await lease`select pg_advisory_lock(hashtextextended(${`csv-upload:${uploadId}`}, 0))`;
  const writeMs: number[] = [];
  const write = async (b: { rows: ContactRow[]; failures: RowFailure[] }) => {
    const input: ImportBatch = {
      uploadId,
      accountSid,
      listSid: list!.sid,
      cap: LIST_CAPS.dynamic,
      rows: b.rows,
      failures: b.failures,
      reported: 0,
      progressPermille: 0,
    };
    const t = performance.now();
    await writeImportBatch(stack.db.$client, input);
    writeMs.push(performance.now() - t);
  };
  started = performance.now();
  let row = 0;
  let batch: { rows: ContactRow[]; failures: RowFailure[] } = { rows: [], failures: [] };
  let first = true;
  for (const r of records(file)) {
    if (first) {
      first = false;
      continue;
    }
    const v = contactFromRecord(r, ++row, header.layout, 'IN');
    if (v.ok) batch.rows.push(v.contact);
    else batch.failures.push(v.failure);
    if (batch.rows.length + batch.failures.length >= 5000) {
      await write(batch);
      batch = { rows: [], failures: [] };
    }
  }
  if (batch.rows.length + batch.failures.length > 0) await write(batch);
  lease.release();
  const validateMs = performance.now() - started - parseMs - writeMs.reduce((a, b) => a + b, 0);
  return { records: n, parseMs, validateMs, writeMs };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (x: number) => `${x.toFixed(0)} MiB`;

export default async function csvImportBench(args: string[]): Promise<void> {
  const { rows } = parseArgs(args);
  const loadAtStart = os.loadavg()[0]!.toFixed(1);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outcall-bench-csv-'));
  const file = path.join(dir, 'bench.csv');
  const bytes = await writeCsv(file, rows);
  const stack = await startEmbeddedStack({ env: { OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]) }, worker: false });
  try {
    const copyMs = await copyBaseline(stack, file);
    const idle = await idlePollMs(stack);
    const run = await importOverHttp(stack, file);
    const st = run.status;
    if (
      st.status !== 'completed' ||
      st.total_records !== rows ||
      st.success_count !== Math.min(rows, LIST_CAPS.dynamic)
    ) {
      throw new Error(
        `unexpected csv-status: ${JSON.stringify({ ...st, failures: (st.failures as unknown[]).slice(0, 3) })}`,
      );
    }
    const importMs = run.totalMs - run.postMs;
    const out = [
      `CSV import (SPEC §5): ${rows.toLocaleString('en')} rows, dynamic list, 3 standard + 5 extra columns, ${(bytes / 2 ** 20).toFixed(1)} MiB`,
      `  machine: ${os.cpus().length} CPUs, load average at start ${loadAtStart}, now ${os.loadavg()[0]!.toFixed(1)} (timings on a shared machine are noisy)`,
      `  rows/s (POST to completed)       ${Math.round(rows / (run.totalMs / 1000)).toLocaleString('en')}`,
      `  wall time                        ${s(run.totalMs)}  (upload+store ${s(run.postMs)}, import ${s(importMs)})`,
      `  peak RSS (API + importer + client, one process)  ${mib(run.peakRssMiB)}  (RSS before upload ${mib(run.rssBeforeMiB)}, max sampled during ${mib(run.rssMaxMiB)})`,
      `  live heap + buffers after a full GC (sampled every 15 s)  before ${mib(run.liveBeforeMiB)}, max during ${mib(run.liveMaxMiB)}`,
      `  csv-status latency while importing  median ${median(run.pollMs).toFixed(0)} ms, max ${Math.max(...run.pollMs).toFixed(0)} ms (${run.pollMs.length} polls; idle before: median ${median(idle).toFixed(0)} ms, max ${Math.max(...idle).toFixed(0)} ms)`,
      `  event-loop delay of the API process while importing  p50 ${run.loopDelayMs[0].toFixed(0)} ms, p99 ${run.loopDelayMs[1].toFixed(0)} ms, max ${run.loopDelayMs[2].toFixed(0)} ms`,
      `  COPY of the same file into a bare table  ${s(copyMs)}  (${Math.round(rows / (copyMs / 1000)).toLocaleString('en')} rows/s)`,
      `  ratio import / COPY              ${(run.totalMs / copyMs).toFixed(1)}x`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
    const p = await phases(stack, file);
    const writeTotal = p.writeMs.reduce((a, b) => a + b, 0);
    const where = [
      `Where the time goes (each phase alone, same rows, this process):`,
      `  upload + store (multipart stream → 1 MiB chunks in PostgreSQL)  ${s(run.postMs)}`,
      `  read + parse CSV                 ${s(p.parseMs)}`,
      `  validate rows (E.164 via libphonenumber, cells)  ${s(p.validateMs)}`,
      `  database writes (${p.writeMs.length} batches of ≤5,000: contacts + memberships + counters)  ${s(writeTotal)}  (median batch ${median(p.writeMs).toFixed(0)} ms, last ${p.writeMs.at(-1)!.toFixed(0)} ms)`,
      `  the import overlaps validating one batch with writing the previous one: import ≈ parse + max(validate, writes) + reading the chunks back`,
    ];
    process.stdout.write(`${where.join('\n')}\n`);
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
