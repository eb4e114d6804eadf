/**
 * `npm run bench -- dispatch [--numbers N] [--quick] [--seconds S] [--cpm R] [--max-live M] [--max-run-children C] [--baseline K]`
 *
 * How fast one campaign dispatches, and what it costs Temporal: a list campaign of N numbers
 * (default 20,000; `--quick` 2,000) on a whole stack whose limits are set out of the way (an account
 * of 100,000 calls/min and channels, the window always open, the dial queue's server rate limit
 * raised, a zero-latency simulator: ring and talk 0, every number completes on its first attempt).
 * The worker runs in its own process so its memory can be read. Prints:
 *
 * * first-attempt dials per second (from the first dial request to the last, `attempts.dial_started_at`);
 * * Temporal history events per number (every run of the campaign and every number workflow, from
 *   visibility), the most events in one campaign run, and how many runs there were;
 * * the worker's peak RSS and its RSS at each quarter of the campaign (flat = bounded);
 * * the rate at which the same dev server runs empty child workflows through a window of the same
 *   size (bench/support/empty-children.ts), and the ratio of the two;
 * * the create request's time (the lists' preview snapshot) and the median GET latency while it runs.
 *
 * `--seconds S` stops measuring after S seconds of dialling (for a 500,000-number campaign: the
 * start and the steady rate, not the whole run); history figures then cover the runs and number
 * workflows closed by then. `--baseline K` sets the yardstick's children (default min(N, 5,000); 0 skips it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { campaignWorkflowId, newSid } from '../domain/ids';
import { startEmbeddedStack, type EmbeddedStack } from '../bin/embedded-stack';
import { median } from './support/figures';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ACCOUNT = {
  sid: 'bench',
  api_key: 'bench_key',
  api_token: 'bench_token_0123456789',
  calling_window: '00:00-24:00',
  calls_per_minute: 100_000,
  channels: 100_000,
};
const AUTH = { key: ACCOUNT.api_key, token: ACCOUNT.api_token };
const SECRET = 'bench-signing-secret-0123456789';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
}

/** VmRSS and VmHWM of a process, in MiB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** N contacts in one list, straight into the database (the setup, not the measurement). */
async function makeList(stack: EmbeddedStack, n: number): Promise<string> {
  const sql = stack.db.$client;
  const list = newSid();
  await sql`insert into lists (sid, account_sid, name, type) values (${list}, ${ACCOUNT.sid}, ${`bench ${list.slice(0, 8)}`}, ${n > 100_000 ? 'dynamic' : 'static'})`;
  // Distinct mobiles ending in 1..5: the simulator completes them on the first attempt.
  await sql`
    insert into contacts (sid, account_sid, number, first_name, date_created, date_updated)
    select md5(${list} || g), ${ACCOUNT.sid}, '+9198' || lpad((10000000 + g * 10 + 1 + g % 5)::text, 8, '0'), 'Contact ' || g, now(), now()
      from generate_series(0, ${n - 1}::int) g
    on conflict do nothing`;
  await sql`
    insert into list_memberships (list_sid, contact_sid)
    select ${list}, sid from contacts where account_sid = ${ACCOUNT.sid} order by number`;
  return list;
}

function startWorkerProcess(stack: EmbeddedStack, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bin/worker.ts')], {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      OUTCALL_PUBLIC_URL: stack.baseUrl,
      OUTCALL_SIGNING_SECRET: SECRET,
      OUTCALL_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'outcall-bench-worker-')),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

interface HistoryFigures {
  runs: number;
  maxRunEvents: number;
  campaignEvents: number;
  numberWorkflows: number;
  numberEvents: number;
}

async function historyOf(client: Client, campaignId: string, expectNumbers: number): Promise<HistoryFigures> {
  for (let tries = 0; ; tries++) {
    const f: HistoryFigures = { runs: 0, maxRunEvents: 0, campaignEvents: 0, numberWorkflows: 0, numberEvents: 0 };
    for await (const w of client.workflow.list({ query: `OutcallCampaignId = '${campaignId}'`, pageSize: 1000 })) {
      if (w.type === 'campaignWorkflow') {
        f.runs++;
        f.campaignEvents += w.historyLength;
        f.maxRunEvents = Math.max(f.maxRunEvents, w.historyLength);
      } else {
        f.numberWorkflows++;
        f.numberEvents += w.historyLength;
      }
    }
    // Visibility is eventually consistent: wait until every number workflow is listed as closed.
    if (f.numberWorkflows >= expectNumbers || tries >= 30) return f;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Empty children through a window of `window` on the same dev server: children per second. */
async function yardstick(
  stack: EmbeddedStack,
  count: number,
  window: number,
): Promise<{ perSecond: number; eventsPerChild: number; runs: number }> {
  const connection = await NativeConnection.connect({ address: stack.temporalAddress });
  const taskQueue = 'bench-empty-children';
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: path.join(root, 'bench/support/empty-children.ts'),
  });
  const client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  try {
    return await worker.runUntil(async () => {
      const workflowId = `bench-empty/${newSid()}`;
      const t0 = Date.now();
      await client.workflow.execute('emptyParent', { taskQueue, workflowId, args: [{ count, window }] });
      const seconds = (Date.now() - t0) / 1000;
      let events = 0;
      let runs = 0;
      for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
        events += w.historyLength;
        runs++;
      }
      return { perSecond: count / seconds, eventsPerChild: events / count, runs };
    });
  } finally {
    await client.connection.close();
    await connection.close();
  }
}

export default async function dispatch(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const n = Number(arg(args, 'numbers') ?? (quick ? 2000 : 20_000));
  const seconds = arg(args, 'seconds') ? Number(arg(args, 'seconds')) : null;
  const maxLive = Number(arg(args, 'max-live') ?? 500);
  const maxRunChildren = Number(arg(args, 'max-run-children') ?? 1000);
  const baseline = Number(arg(args, 'baseline') ?? Math.min(n, 5000));
  // `--cpm`: the account's calls_per_minute (default out of the way), to see a campaign keep a configured rate.
  const cpm = Number(arg(args, 'cpm') ?? ACCOUNT.calls_per_minute);
  const env = {
    OUTCALL_ACCOUNTS: JSON.stringify([{ ...ACCOUNT, calls_per_minute: cpm }]),
    OUTCALL_SIM_RING_MS: '0',
    OUTCALL_SIM_TALK_MS: '0',
    OUTCALL_MAX_LIVE_NUMBERS: String(maxLive),
    OUTCALL_MAX_RUN_CHILDREN: String(maxRunChildren),
    OUTCALL_MAX_DIALS_PER_SECOND: '100000',
    OUTCALL_SIGNING_SECRET: SECRET,
  };
  console.log(
    `dispatch: ${n} numbers, window ${maxLive}, ≤${maxRunChildren} open children per run, calls_per_minute ${cpm}, simulator ring 0 talk 0${seconds ? `, measured for ${seconds} s` : ''}`,
  );
  const stack = await startEmbeddedStack({ env, worker: false });
  const worker = startWorkerProcess(stack, env);
  const temporal = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection: temporal });
  try {
    const tList = Date.now();
    const list = await makeList(stack, n);
    console.log(`  list of ${n} contacts built in ${((Date.now() - tList) / 1000).toFixed(1)} s (setup)`);
    const tCreate = Date.now();
    const created = await stack.api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, AUTH, {
      lists: [list],
      caller_id: '08012345678',
      url: 'http://flow.example/start',
      retries: { number_of_retries: 0 },
    });
    if (created.status !== 200) throw new Error(`create: ${created.status} ${created.text}`);
    const createMs = Date.now() - tCreate;
    const id = created.json.response[0].data.id as string;
    console.log(
      `  POST /campaigns (preview snapshot of ${created.json.response[0].data.stats.created} numbers): ${createMs} ms`,
    );

    const getMs: number[] = [];
    const rss: Array<{ done: number; rss: number }> = [];
    let status = 'Created';
    let done = 0;
    let startedAt: number | null = null;
    for (;;) {
      await new Promise((r) => setTimeout(r, 2000));
      const t = Date.now();
      const c = (await stack.api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`, AUTH)).json.response[0].data;
      getMs.push(Date.now() - t);
      status = c.status;
      done = c.stats.completed + c.stats.failed;
      if (startedAt === null && c.date_started) {
        startedAt = Date.now();
        console.log(
          `  InProgress (the start's snapshot of ${c.stats.created} numbers taken) within ${((startedAt - tCreate - createMs) / 1000).toFixed(1)} s of the create's answer`,
        );
      }
      if (worker.pid) rss.push({ done, rss: memoryOf(worker.pid).rss });
      if (status === 'Completed') break;
      if (seconds !== null && startedAt !== null && Date.now() - startedAt > seconds * 1000) break;
      if (worker.exitCode !== null) throw new Error(`worker exited with ${worker.exitCode}`);
    }
    const peak = worker.pid ? memoryOf(worker.pid).peak : NaN;
    const [d] = await stack.db.$client<{ n: number; first: Date; last: Date; snapshotted: number }[]>`
      select count(*)::int as n, min(dial_started_at) as first, max(dial_started_at) as last,
             (select count(*)::int from campaign_numbers where campaign_id = ${id}) as snapshotted
        from attempts where campaign_id = ${id} and attempt_number = 1 and dial_started_at is not null`;
    const spanS = (new Date(d!.last).getTime() - new Date(d!.first).getTime()) / 1000;
    const rate = (d!.n - 1) / spanS;
    console.log(`  status ${status}; ${d!.n} first attempts dialled over ${spanS.toFixed(1)} s`);
    console.log(`  first-attempt dials per second: ${rate.toFixed(1)}`);
    console.log(
      `  GET /campaigns/{id} with stats over ${d!.snapshotted} numbers: median ${median(getMs)} ms, max ${Math.max(...getMs)} ms (${getMs.length} reads)`,
    );
    const quarter = (q: number) => rss.find((r) => r.done >= (q * Math.max(done, 1)) / 4)?.rss ?? NaN;
    console.log(
      `  worker RSS: peak ${peak.toFixed(0)} MiB; at 25/50/75/100% of the numbers done: ${[1, 2, 3, 4].map((q) => quarter(q).toFixed(0)).join(' / ')} MiB`,
    );

    if (status === 'Completed') {
      const h = await historyOf(client, id, n);
      console.log(
        `  campaign runs: ${h.runs}; most events in one run: ${h.maxRunEvents}; campaign events ${h.campaignEvents}, number workflows ${h.numberWorkflows} with ${h.numberEvents} events`,
      );
      console.log(
        `  Temporal history events per number: ${((h.campaignEvents + h.numberEvents) / n).toFixed(2)} (campaign ${(h.campaignEvents / n).toFixed(2)} + number ${(h.numberEvents / h.numberWorkflows).toFixed(2)})`,
      );
    } else {
      // Stopped early: the runs closed so far, the current one, and the number workflows that closed.
      const runs: number[] = [];
      for await (const w of client.workflow.list({
        query: `WorkflowId = '${campaignWorkflowId(id)}' and ExecutionStatus != 'Running'`,
      }))
        runs.push(w.historyLength);
      const current = (await client.workflow.getHandle(campaignWorkflowId(id)).describe()).historyLength;
      let closed = 0;
      let numberEvents = 0;
      for await (const w of client.workflow.list({
        query: `OutcallCampaignId = '${id}' and WorkflowType = 'numberWorkflow' and ExecutionStatus = 'Completed'`,
        pageSize: 1000,
      })) {
        closed++;
        numberEvents += w.historyLength;
      }
      const campaignEvents = runs.reduce((a, b) => a + b, 0) + current;
      console.log(
        `  campaign runs so far: ${runs.length} closed + 1 running (${current} events); most events in one closed run: ${Math.max(0, ...runs)}`,
      );
      console.log(
        `  Temporal history events per number (${closed} closed numbers): ${(campaignEvents / Math.max(done, 1) + numberEvents / Math.max(closed, 1)).toFixed(2)} ` +
          `(campaign ${(campaignEvents / Math.max(done, 1)).toFixed(2)} + number ${(numberEvents / Math.max(closed, 1)).toFixed(2)})`,
      );
    }
    if (baseline > 0) {
      worker.kill('SIGTERM');
      const y = await yardstick(stack, baseline, maxLive);
      console.log(
        `  empty child workflows, window ${maxLive}, same dev server: ${y.perSecond.toFixed(1)} per second (${y.runs} runs, ${y.eventsPerChild.toFixed(2)} parent events per child)`,
      );
      console.log(`  ratio of first-attempt dials to empty children per second: ${(rate / y.perSecond).toFixed(2)}`);
    }
  } finally {
    if (worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    await temporal.close();
    await stack.stop();
  }
}
