/**
 * One campaign of the dispatch benchmark (bench/dispatch.ts), start to end: its list written straight
 * into the database, the create request, the polling while it runs (GET latency, each worker's RSS,
 * CPU per process), the first-attempt dial rate, and its cost read from the histories.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { newSid, numberWorkflowId } from '../../domain/ids';
import type { EmbeddedStack } from '../../bin/embedded-stack';
import type { WorkerProcess } from '../../bin/worker-process';
import { printCampaignCost, type CampaignCost } from './campaign-histories';
import { median } from './figures';
import { CpuMeter, descendantsNamed, RssTrajectory, type CpuUsage } from './process-usage';

export const ACCOUNT = {
  sid: 'bench',
  api_key: 'bench_key',
  api_token: 'bench_token_0123456789',
  calling_window: '00:00-24:00',
  calls_per_minute: 100_000,
  channels: 100_000,
};
const AUTH = { key: ACCOUNT.api_key, token: ACCOUNT.api_token };

/**
 * N contacts in one list, straight into the database (the setup, not the measurement), with distinct
 * mobiles ending in `lastDigits` in turn: the simulator completes 1–5 on the first attempt and 9 on
 * the second (busy first).
 */
async function makeList(stack: EmbeddedStack, n: number, lastDigits: number[]): Promise<string> {
  const sql = stack.db.$client;
  const list = newSid();
  const type = n > 100_000 ? 'dynamic' : 'static';
  await sql`insert into lists (sid, account_sid, name, type)
    values (${list}, ${ACCOUNT.sid}, ${`bench ${list.slice(0, 8)}`}, ${type})`;
  // A contact's sid follows from its number, so a second list of the same numbers reuses the contacts.
  await sql`
    with numbers as (
      select g, '+9198' || (10000000 + g * 10 + (${lastDigits}::int[])[1 + g % ${lastDigits.length}])::text as number
        from generate_series(0, ${n - 1}::int) g)
    insert into contacts (sid, account_sid, number, first_name, date_created, date_updated)
    select md5(${ACCOUNT.sid} || number), ${ACCOUNT.sid}, number, 'Contact ' || g, now(), now() from numbers
    on conflict do nothing`;
  await sql`
    insert into list_memberships (list_sid, contact_sid)
    select ${list},
           md5(${ACCOUNT.sid} || '+9198' ||
               (10000000 + g * 10 + (${lastDigits}::int[])[1 + g % ${lastDigits.length}])::text)
      from generate_series(0, ${n - 1}::int) g order by g`;
  return list;
}

export interface CampaignRun {
  label: string;
  numbers: number;
  /** Digits the numbers end in (see makeList). */
  lastDigits: number[];
  retries: { number_of_retries: number; interval_mins?: number; on_status?: string[] };
  /** Stop measuring after this many seconds of dialling (null: run to Completed). */
  seconds: number | null;
  /** Number histories to read for the cost breakdown (in each group of `groupByAttempts`). */
  sample: number;
  /** Read and print the number workflows' cost apart by how many attempts each made. */
  groupByAttempts?: boolean;
  workers: WorkerProcess[];
}

export interface CampaignResult {
  status: string;
  done: number;
  firstAttempts: number;
  /** First-attempt dials per second, from the first dial request to the last. */
  rate: number;
  cost: CampaignCost;
  cpu: CpuUsage;
}

export async function runCampaign(stack: EmbeddedStack, client: Client, run: CampaignRun): Promise<CampaignResult> {
  const log = (line: string) => console.log(`  ${line}`);
  const tList = Date.now();
  const list = await makeList(stack, run.numbers, run.lastDigits);
  log(`${run.label}: list of ${run.numbers} contacts built in ${((Date.now() - tList) / 1000).toFixed(1)} s (setup)`);
  const tCreate = Date.now();
  const created = await stack.api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, AUTH, {
    lists: [list],
    caller_id: '08012345678',
    url: 'http://flow.example/start',
    retries: run.retries,
  });
  if (created.status !== 200) throw new Error(`create: ${created.status} ${created.text}`);
  const createMs = Date.now() - tCreate;
  const id = created.json.response[0].data.id as string;
  log(`POST /campaigns (preview snapshot of ${created.json.response[0].data.stats.created} numbers): ${createMs} ms`);

  const workerPids = () => run.workers.map((w) => w.pid);
  const cpu = new CpuMeter({
    'Temporal server': () => (stack.temporalPid ? [stack.temporalPid] : []),
    PostgreSQL: () => descendantsNamed(process.pid, 'postgres'),
    workers: workerPids,
    'this process (API, simulator)': () => [process.pid],
  });
  const rss = new RssTrajectory(workerPids);
  const getMs: number[] = [];
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
      log(
        `InProgress (the start's snapshot of ${c.stats.created} numbers taken) within ` +
          `${((startedAt - tCreate - createMs) / 1000).toFixed(1)} s of the create's answer`,
      );
    }
    rss.sample(done);
    cpu.sample();
    if (status === 'Completed') break;
    if (run.seconds !== null && startedAt !== null && Date.now() - startedAt > run.seconds * 1000) break;
    for (const w of run.workers) if (await isGone(w)) throw new Error(await exitReport(w));
  }
  const [d] = await stack.db.$client<{ n: number; first: Date; last: Date; snapshotted: number }[]>`
    select count(*)::int as n, min(dial_started_at) as first, max(dial_started_at) as last,
           (select count(*)::int from campaign_numbers where campaign_id = ${id}) as snapshotted
      from attempts where campaign_id = ${id} and attempt_number = 1 and dial_started_at is not null`;
  const spanS = (new Date(d!.last).getTime() - new Date(d!.first).getTime()) / 1000;
  const rate = (d!.n - 1) / spanS;
  log(`status ${status}; ${d!.n} first attempts dialled over ${spanS.toFixed(1)} s`);
  log(`first-attempt dials per second: ${rate.toFixed(1)}`);
  log(
    `GET /campaigns/{id} with stats over ${d!.snapshotted} numbers: median ${median(getMs)} ms, ` +
      `max ${Math.max(...getMs)} ms (${getMs.length} reads)`,
  );
  for (const line of rss.report(done)) log(line);
  log(`CPU ${cpu.report()}`);
  let groupOf: ((workflowId: string) => string) | undefined;
  if (run.groupByAttempts) {
    const rows = await stack.db.$client<{ position: number; attempts: number }[]>`
      select position, attempts from campaign_numbers where campaign_id = ${id}`;
    const byId = new Map(rows.map((r) => [numberWorkflowId(id, r.position), attemptsLabel(r.attempts)]));
    groupOf = (workflowId) => byId.get(workflowId) ?? 'unknown';
  }
  const cost = await printCampaignCost(client, id, done, run.sample, groupOf);
  return { status, done, firstAttempts: d!.n, rate, cost, cpu: cpu.usage() };
}

export function attemptsLabel(n: number): string {
  return `${n} attempt${n === 1 ? '' : 's'}`;
}

/** Why a worker is gone: its exit code or signal and the end of its log. */
async function exitReport(w: WorkerProcess): Promise<string> {
  const code = await w.exited;
  const tail =
    w.logFile && existsSync(w.logFile) ? readFileSync(w.logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
  return `worker ${w.pid} exited with ${code}` + (w.logFile ? ` (log ${w.logFile}):\n${tail}` : '');
}

async function isGone(w: WorkerProcess): Promise<boolean> {
  return Promise.race([w.exited.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
}
