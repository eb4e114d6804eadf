/**
 * `npm run bench -- csv-import [--rows N | --quick] [--costs]`: SPEC §5 CSV import on a whole stack (no worker):
 * rows/s, wall time, the ratio to a plain `COPY` and peak RSS for files of N/5 and N rows and an all-duplicate run,
 * then status-poll latency, event-loop delay and the time per phase. Method: docs/benchmarks.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { upsertAccount } from '../db/queries/accounts';
import { insertList } from '../db/queries/lists';
import { writeImportBatch, type ImportBatch, type ListTally } from '../db/queries/csv-import';
import { checkCsvHeader, contactFromRecord, LIST_CAPS, type ContactRow, type RowFailure } from '../domain/contact-csv';
import { CsvParser, type CsvRecord } from '../domain/csv-parser';
import { newSid } from '../domain/ids';
import { startEmbeddedStack, type EmbeddedStack } from '../bin/embedded-stack';
import { median, peakRssMiB } from './support/figures';
import { copyBaselineMs, CSV_HEADER, multipartFromFile, MULTIPART_TYPE, writeCsv } from './support/csv-files';
import { importCosts } from './support/import-costs';

const ACCOUNT = {
  sid: 'bench_csv',
  api_key: 'bench_csv_key',
  api_token: 'bench_csv_token_0123456789',
  api_requests_per_minute: 1_000_000,
};
const AUTH = { key: ACCOUNT.api_key, token: ACCOUNT.api_token };

function parseArgs(args: string[]): { rows: number; costs: boolean } {
  let rows = 500_000;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--rows') rows = Number(args[++i]);
    else if (a.startsWith('--rows=')) rows = Number(a.slice(7));
    else if (a === '--quick') rows = 20_000;
  }
  if (!Number.isInteger(rows) || rows < 5) throw new Error('--rows must be an integer of at least 5');
  return { rows, costs: args.includes('--costs') };
}

interface ImportRun {
  /** Event-loop delay of the API process while importing, in ms: p50, p99, max. */
  loopDelayMs: [number, number, number];
  postMs: number;
  totalMs: number;
  peakRssMiB: number;
  pollMs: number[];
  status: Record<string, unknown>;
}

/** One upload over HTTP, from the POST until csv-status says it is no longer processing. */
async function importOverHttp(stack: EmbeddedStack, file: string, listName: string): Promise<ImportRun> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = performance.now();
  const res = await fetch(`${stack.baseUrl}/v2/accounts/${ACCOUNT.sid}/contacts/csv-upload`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${AUTH.key}:${AUTH.token}`).toString('base64')}`,
      'content-type': MULTIPART_TYPE,
    },
    body: multipartFromFile(file, listName),
    duplex: 'half',
  } as RequestInit);
  const posted = (await res.json()) as { response: Array<{ data: { upload_id: string } }> };
  const postMs = performance.now() - started;
  if (res.status !== 200) throw new Error(`upload answered ${res.status}: ${JSON.stringify(posted)}`);
  const uploadId = posted.response[0]!.data.upload_id;
  const pollMs: number[] = [];
  for (;;) {
    const t = performance.now();
    const s = await stack.api('GET', `/v2/accounts/${ACCOUNT.sid}/csv-status/${uploadId}`, AUTH);
    pollMs.push(performance.now() - t);
    const status = s.json.response[0].data as Record<string, unknown>;
    if (status.status !== 'processing') {
      const totalMs = performance.now() - started;
      loop.disable();
      return {
        loopDelayMs: [loop.percentile(50) / 1e6, loop.percentile(99) / 1e6, loop.max / 1e6],
        postMs,
        totalMs,
        peakRssMiB: await peakRssMiB(),
        pollMs,
        status,
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function expectCounts(run: ImportRun, counts: { total: number; success: number; duplicate: number }): void {
  const st = run.status;
  if (
    st.status !== 'completed' ||
    st.total_records !== counts.total ||
    st.success_count !== counts.success ||
    st.duplicate_count !== counts.duplicate
  ) {
    const shown = { ...st, failures: (st.failures as unknown[]).slice(0, 3) };
    throw new Error(`unexpected csv-status (wanted ${JSON.stringify(counts)}): ${JSON.stringify(shown)}`);
  }
}

/** Reads and parses the file in 256 KiB text pieces, as the importer does. */
function* records(file: string): Generator<CsvRecord> {
  const text = readFileSync(file, 'utf8');
  const parser = new CsvParser(1001);
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += 1 << 18) {
    out.length = 0;
    parser.push(text.slice(i, i + (1 << 18)), out);
    yield* out;
  }
  out.length = 0;
  parser.end(out);
  yield* out;
}

/** Phase timings over the same rows, each on its own, in this thread. */
async function phases(stack: EmbeddedStack, file: string) {
  let started = performance.now();
  for (const r of records(file)) void r;
  const parseMs = performance.now() - started;

  const header = checkCsvHeader(CSV_HEADER.split(','), 'dynamic');
  if (!header.ok) throw new Error(header.description);
  const batches: Array<{ rows: ContactRow[]; failures: RowFailure[] }> = [{ rows: [], failures: [] }];
  started = performance.now();
  let row = 0;
  for (const r of records(file)) {
    if (row++ === 0) continue;
    const v = contactFromRecord(r, row - 1, header.layout, 'IN');
    const b = batches.at(-1)!;
    if (v.ok) b.rows.push(v.contact);
    else b.failures.push(v.failure);
    if (b.rows.length + b.failures.length >= 50_000) batches.push({ rows: [], failures: [] });
  }
  const validateMs = performance.now() - started - parseMs;

  // The writes alone go into a fresh account and list (no contact exists yet, as in the first run).
  const accountSid = `bench_w_${newSid().slice(0, 6)}`;
  await upsertAccount(stack.db, { sid: accountSid, api_key: `${accountSid}_k`, api_token: `${accountSid}_t` });
  const list = await insertList(stack.db, { sid: newSid(), accountSid, name: 'writes', tag: null, now: new Date() });
  const uploadId = newSid();
  await stack.db.$client`
    insert into csv_uploads (id, account_sid, list_sid, type, status)
    values (${uploadId}, ${accountSid}, ${list!.sid}, 'dynamic', 'processing')`;
  // This connection is the upload's importer: it holds the lease, so the API's sweep leaves it alone.
  const conn = await stack.db.$client.reserve();
  await conn`select pg_advisory_lock(hashtextextended(${`csv-upload:${uploadId}`}, 0))`;
  const writeMs: number[] = [];
  let tally: ListTally | null = null;
  for (const b of batches) {
    const input: ImportBatch = {
      uploadId,
      accountSid,
      listSid: list!.sid,
      cap: LIST_CAPS.dynamic,
      ...b,
      reported: 0,
      progressPermille: 0,
    };
    const t = performance.now();
    tally = (await writeImportBatch(conn, input, tally)).tally;
    writeMs.push(performance.now() - t);
  }
  conn.release();
  return { parseMs, validateMs, writeMs };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mib = (x: number) => `${x.toFixed(0)} MiB`;
const perSecond = (rows: number, ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en');

function describeRun(what: string, rows: number, run: ImportRun, copyMs: number): string[] {
  return [
    `${what}`,
    `  rows/s (POST to completed)       ${perSecond(rows, run.totalMs)}`,
    `  wall time                        ${s(run.totalMs)}  (upload+store ${s(run.postMs)}, ` +
      `import ${s(run.totalMs - run.postMs)})`,
    `  COPY of the same file            ${s(copyMs)}  (${perSecond(rows, copyMs)} rows/s, median of 3)`,
    `  ratio import / COPY              ${(run.totalMs / copyMs).toFixed(1)}x`,
    `  peak RSS of this process so far  ${mib(run.peakRssMiB)}`,
  ];
}

export default async function csvImportBench(args: string[]): Promise<void> {
  const { rows, costs } = parseArgs(args);
  const small = Math.max(1, Math.round(rows / 5));
  const loadAtStart = os.loadavg()[0]!.toFixed(1);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outcall-bench-csv-'));
  const smallFile = path.join(dir, 'small.csv');
  const bigFile = path.join(dir, 'big.csv');
  await writeCsv(smallFile, small, rows);
  const bytes = await writeCsv(bigFile, rows);
  const stack = await startEmbeddedStack({ env: { OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]) }, worker: false });
  const out = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);
  try {
    const sql = stack.db.$client;
    out([
      `CSV import (SPEC §5): dynamic lists, 3 standard + 5 extra columns; ${rows.toLocaleString('en')} rows are ` +
        `${(bytes / 2 ** 20).toFixed(1)} MiB`,
      `  machine: ${os.cpus().length} CPUs, load average at start ${loadAtStart} (shared machine: ratios to COPY ` +
        'in the same run are the figures that travel)',
      `  peak RSS of this process before any upload  ${mib(await peakRssMiB())}`,
    ]);
    const copySmall = await copyBaselineMs(sql, smallFile);
    const first = await importOverHttp(stack, smallFile, 'bench small');
    expectCounts(first, { total: small, success: small, duplicate: 0 });
    out(describeRun(`${small.toLocaleString('en')} rows into a new list`, small, first, copySmall));

    const copyBig = await copyBaselineMs(sql, bigFile);
    const big = await importOverHttp(stack, bigFile, 'bench big');
    const joined = Math.min(rows, LIST_CAPS.dynamic);
    expectCounts(big, { total: rows, success: joined, duplicate: 0 });
    out(describeRun(`${rows.toLocaleString('en')} rows into a new list`, rows, big, copyBig));

    const again = await importOverHttp(stack, bigFile, 'bench big');
    expectCounts(again, { total: rows, success: 0, duplicate: joined });
    out(describeRun(`the same ${rows.toLocaleString('en')} rows again (all duplicates)`, rows, again, copyBig));
    out([
      `While importing ${rows.toLocaleString('en')} rows (the API relays; parsing, validation and writes run ` +
        'on its import thread):',
      `  csv-status latency  median ${median(big.pollMs).toFixed(0)} ms, ` +
        `max ${Math.max(...big.pollMs).toFixed(0)} ms (${big.pollMs.length} polls)`,
      `  event-loop delay of the API process  p50 ${big.loopDelayMs[0].toFixed(0)} ms, ` +
        `p99 ${big.loopDelayMs[1].toFixed(0)} ms, max ${big.loopDelayMs[2].toFixed(0)} ms`,
    ]);

    const p = await phases(stack, bigFile);
    const writeTotal = p.writeMs.reduce((a, b) => a + b, 0);
    out([
      `Where the time goes (each phase alone, same ${rows.toLocaleString('en')} rows, one thread):`,
      `  upload + store (multipart stream → 1 MiB chunks in PostgreSQL)  ${s(big.postMs)}`,
      `  read + parse CSV                 ${s(p.parseMs)}`,
      `  validate rows (E.164: fast path, else libphonenumber; cells)  ${s(p.validateMs)}`,
      `  database writes (${p.writeMs.length} batches of ≤50,000: lookup + COPY contacts + COPY memberships + ` +
        `counters)  ${s(writeTotal)}  (median batch ${median(p.writeMs).toFixed(0)} ms)`,
      '  the import overlaps parsing and validating one batch with writing the previous one',
    ]);
    if (costs) out(await importCosts(stack, bigFile, rows));
    out([`  load average at end ${os.loadavg()[0]!.toFixed(1)}`]);
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
