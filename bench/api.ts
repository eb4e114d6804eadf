/**
 * `npm run bench -- api [--numbers N] [--rate R] [--seconds S] [--quick]`: how fast the API answers under an open-loop
 * load of `GET /campaigns/{id}` (bench/support/load.ts), p50 / p99 / max: idle, creating a campaign over a large list,
 * during its dispatch, and during a CSV import. Method: docs/benchmarks.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newSid } from '../domain/ids';
import { startEmbeddedStack, type EmbeddedStack } from '../bin/embedded-stack';
import { percentile } from './support/figures';
import { multipartFromFile, MULTIPART_TYPE, writeCsv } from './support/csv-files';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ACCOUNT = {
  sid: 'bench_api',
  api_key: 'bench_api_key',
  api_token: 'bench_api_token_0123456789',
  calling_window: '00:00-24:00',
  calls_per_minute: 100_000,
  channels: 100_000,
  api_requests_per_minute: 1_000_000,
};
const AUTH = { key: ACCOUNT.api_key, token: ACCOUNT.api_token };
const AUTHORIZATION = `Basic ${Buffer.from(`${AUTH.key}:${AUTH.token}`).toString('base64')}`;
const SECRET = 'bench-signing-secret-0123456789';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
}

interface Load {
  latencies: number[];
  failed: number;
  statuses: Record<string, number>;
}

/** Runs the load generator against `urlPath`; resolves with each request's latency (ms). */
function load(stack: EmbeddedStack, urlPath: string, rate: number, seconds: number) {
  return new Promise<Load>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'bench/support/load.ts'),
        stack.baseUrl + urlPath,
        AUTHORIZATION,
        String(rate),
        String(seconds),
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Load) : reject(new Error(`load exited ${code}`)),
    );
  });
}

const figures = (l: Load) =>
  `p50 ${percentile(l.latencies, 50).toFixed(1)} ms, p99 ${percentile(l.latencies, 99).toFixed(1)} ms, ` +
  `max ${Math.max(...l.latencies).toFixed(0)} ms (${l.latencies.length} requests, ${l.failed} not 200` +
  `${l.failed > 0 ? `: ${notOk(l.statuses)}` : ''})`;
/** The answers other than 200, e.g. `503 ×12, error ×3`. */
const notOk = (statuses: Record<string, number>) =>
  Object.entries(statuses)
    .filter(([status]) => status !== '200')
    .map(([status, n]) => `${status} ×${n}`)
    .join(', ');

function startWorkerProcess(stack: EmbeddedStack, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bin/worker.ts')], {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      OUTCALL_PUBLIC_URL: stack.baseUrl,
      OUTCALL_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'outcall-bench-worker-')),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** N contacts in one dynamic list, straight into the database (the setup, not the measurement). */
async function makeList(stack: EmbeddedStack, n: number): Promise<string> {
  const sql = stack.db.$client;
  const list = newSid();
  const name = `bench ${list.slice(0, 8)}`;
  await sql`insert into lists (sid, account_sid, name, type) values (${list}, ${ACCOUNT.sid}, ${name}, 'dynamic')`;
  // Distinct mobiles ending in 1..5: the simulator completes them on the first attempt.
  await sql`
    insert into contacts (sid, account_sid, number, first_name, date_created, date_updated)
    select md5(${list} || g), ${ACCOUNT.sid}, '+9198' || lpad((10000000 + g * 10 + 1 + g % 5)::text, 8, '0'),
           'Contact ' || g, now(), now()
      from generate_series(0, ${n - 1}::int) g`;
  await sql`
    insert into list_memberships (list_sid, contact_sid, vars)
    select ${list}, sid, jsonb_build_object('plan', 'Gold')
      from contacts where account_sid = ${ACCOUNT.sid} order by number`;
  await sql`analyze contacts`;
  await sql`analyze list_memberships`;
  return list;
}

export default async function apiBench(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const n = Number(arg(args, 'numbers') ?? (quick ? 20_000 : 500_000));
  const rate = Number(arg(args, 'rate') ?? 200);
  const seconds = Number(arg(args, 'seconds') ?? (quick ? 5 : 15));
  const env = {
    OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]),
    OUTCALL_SIM_RING_MS: '0',
    OUTCALL_SIM_TALK_MS: '0',
    OUTCALL_MAX_LIVE_NUMBERS: '500',
    OUTCALL_MAX_RUN_CHILDREN: '1000',
    OUTCALL_MAX_DIALS_PER_SECOND: '100000',
    OUTCALL_SIGNING_SECRET: SECRET,
  };
  console.log(
    `api: GET /campaigns/{id} at ${rate}/s for ${seconds} s from a process of its own; a list of ` +
      `${n.toLocaleString('en')} contacts; load average at start ${os.loadavg()[0]!.toFixed(1)} (2 shared cores)`,
  );
  const stack = await startEmbeddedStack({ env, worker: false });
  const worker = startWorkerProcess(stack, env);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outcall-bench-api-'));
  const base = `/v2/accounts/${ACCOUNT.sid}`;
  try {
    const idle = await stack.api('POST', `${base}/campaigns`, AUTH, {
      from: Array.from({ length: 5000 }, (_, i) => `+9197${String(10_000_000 + i)}`),
      caller_id: '08012345678',
      url: 'http://flow.example/start',
      schedule: { send_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z') },
    });
    if (idle.status !== 200) throw new Error(`create: ${idle.status} ${idle.text}`);
    const idleId = idle.json.response[0].data.id as string;
    // Warm-up, not reported: the first requests pay for connections and compiling the handlers.
    await load(stack, `${base}/campaigns/${idleId}`, Math.min(rate, 50), 2);
    const idleLoad = await load(stack, `${base}/campaigns/${idleId}`, rate, seconds);
    console.log(`  1. idle (a campaign of 5,000 numbers): ${figures(idleLoad)}`);

    const list = await makeList(stack, n);
    const t0 = performance.now();
    const created = await stack.api('POST', `${base}/campaigns`, AUTH, {
      lists: [list],
      campaign_type: 'dynamic',
      caller_id: '08012345678',
      url: 'http://flow.example/start',
      retries: { number_of_retries: 0 },
    });
    const answerMs = performance.now() - t0;
    if (created.status !== 200) throw new Error(`create: ${created.status} ${created.text}`);
    const id = created.json.response[0].data.id as string;
    const sql = stack.db.$client;
    let progress = '';
    let startedMs = 0;
    for (;;) {
      const [c] = await sql<Array<{ started: boolean; copied: number | null }>>`
        select date_started is not null as started, snapshot_copied as copied from campaigns where id = ${id}`;
      if (c?.copied)
        progress = `${c.copied.toLocaleString('en')} copied at ${((performance.now() - t0) / 1000).toFixed(1)} s`;
      if (c?.started) {
        startedMs = performance.now() - t0;
        break;
      }
      if (performance.now() - t0 > 600_000) throw new Error('the campaign did not start within 10 minutes');
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(
      `  2. POST /campaigns over ${n.toLocaleString('en')} contacts: answered in ${answerMs.toFixed(0)} ms ` +
        `(stats ${JSON.stringify(created.json.response[0].data.stats.snapshot)}); ` +
        `InProgress ${(startedMs / 1000).toFixed(1)} s ` +
        `after the POST${progress ? ` (snapshot seen: ${progress})` : ''}`,
    );
    const [before] = await sql<Array<{ n: number }>>`select count(*)::int as n from attempts where campaign_id = ${id}`;
    const during = await load(stack, `${base}/campaigns/${id}`, rate, seconds);
    const [after] = await sql<Array<{ n: number }>>`select count(*)::int as n from attempts where campaign_id = ${id}`;
    const dials = ((after!.n - before!.n) / seconds).toFixed(0);
    console.log(`  3. during dispatch (${dials} dials/s meanwhile): ${figures(during)}`);
    worker.kill('SIGTERM');

    const file = path.join(dir, 'import.csv');
    await writeCsv(file, n, 5_000_000);
    const tImport = performance.now();
    const res = await fetch(`${stack.baseUrl}${base}/contacts/csv-upload`, {
      method: 'POST',
      headers: { authorization: AUTHORIZATION, 'content-type': MULTIPART_TYPE },
      body: multipartFromFile(file, 'bench api import'),
      duplex: 'half',
    } as RequestInit);
    const upload = ((await res.json()) as { response: Array<{ data: { upload_id: string } }> }).response[0]!.data;
    const importing = await load(stack, `${base}/campaigns/${idleId}`, rate, seconds);
    let status = '';
    for (;;) {
      const [u] = await sql<Array<{ status: string; total: number }>>`
        select status, total_records as total from csv_uploads where id = ${upload.upload_id}`;
      status = `${u!.status}, ${u!.total.toLocaleString('en')} rows`;
      if (u!.status !== 'processing') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    console.log(
      `  4. during an import of ${n.toLocaleString('en')} rows (${status} after ` +
        `${((performance.now() - tImport) / 1000).toFixed(1)} s): ${figures(importing)}`,
    );
    console.log('  side by side (p50 / p99 ms; goal is p99 below):');
    for (const [name, l, goal] of [
      ['idle', idleLoad, 10],
      ['during dispatch', during, 25],
      ['during an import', importing, 50],
    ] as const)
      console.log(
        `    ${name.padEnd(17)} ${percentile(l.latencies, 50).toFixed(1).padStart(8)} / ` +
          `${percentile(l.latencies, 99).toFixed(1).padStart(8)}   goal p99 < ${goal} ms`,
      );
    console.log(`  load average at end ${os.loadavg()[0]!.toFixed(1)}`);
  } finally {
    if (worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
