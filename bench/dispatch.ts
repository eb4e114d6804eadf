/**
 * `npm run bench -- dispatch [--engine dev|cluster] [--workers 1|2|1,2] [--numbers N] [--quick] [--seconds S] ...`: how
 * fast one campaign dispatches and what it costs Temporal (history events, Cloud Actions per number and per retry),
 * beside the same server's rate for empty child workflows. Options and output: docs/benchmarks.md.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { newSid } from '../domain/ids';
import { startEmbeddedStack, type EmbeddedStack, type TemporalEngine } from '../bin/embedded-stack';
import { startWorkerProcess, type WorkerProcess } from '../bin/worker-process';
import type { CampaignCost } from './support/campaign-histories';
import { ACCOUNT, attemptsLabel, runCampaign, type CampaignResult } from './support/dispatch-campaign';
import { addTally, formatTally, tallyTotal } from '../bin/history-accounting';
import { describeBound } from './support/process-usage';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'bench-signing-secret-0123456789';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
}

function engineArg(args: string[]): TemporalEngine {
  const e = arg(args, 'engine') ?? 'dev';
  if (e !== 'dev' && e !== 'cluster') throw new Error(`--engine must be dev or cluster, not ${e}`);
  return e;
}

/** Empty children through a window of `window` on the same server: children per second. */
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

/** Worker logs outlive the stack (its temp dir is removed at the end), so a crash can be read. */
const logDir = mkdtempSync(path.join(os.tmpdir(), 'outcall-bench-logs-'));
let workersStarted = 0;

async function startWorkers(stack: EmbeddedStack, env: Record<string, string>, n: number): Promise<WorkerProcess[]> {
  const workerEnv = { ...env, OUTCALL_PUBLIC_URL: stack.baseUrl, LOG_LEVEL: 'warn' };
  return Promise.all(
    Array.from({ length: n }, () =>
      startWorkerProcess(stack, workerEnv, path.join(logDir, `worker-${++workersStarted}.log`)),
    ),
  );
}

/**
 * Actions and events per extra retry, from one campaign: its numbers that took 2 attempts minus those
 * that took 1 (the campaign's own cost per number is the same for both), by rule and by event type.
 */
function printPerRetry(cost: CampaignCost): void {
  const once = cost.groups.get(attemptsLabel(1));
  const twice = cost.groups.get(attemptsLabel(2));
  if (!once || !twice) {
    console.log(`  Actions per extra retry: not measured (groups read: ${[...cost.groups.keys()].join(', ')})`);
    return;
  }
  const diff = <K extends string>(a: ReadonlyMap<K, number>, b: ReadonlyMap<K, number>) => {
    const d = new Map(a);
    addTally(d, new Map([...b].map(([k, v]) => [k, -v])));
    return d;
  };
  const actions = diff(twice.actions, once.actions);
  const events = diff(twice.events, once.events);
  console.log(
    `  Temporal Cloud Actions per extra retry: ${tallyTotal(actions).toFixed(2)} (${formatTally(actions, 1)})`,
  );
  console.log(`  history events per extra retry: ${tallyTotal(events).toFixed(2)} (${formatTally(events, 1)})`);
}

export default async function dispatch(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const engine = engineArg(args);
  const n = Number(arg(args, 'numbers') ?? (quick ? 2000 : 20_000));
  const seconds = arg(args, 'seconds') ? Number(arg(args, 'seconds')) : null;
  const maxLive = Number(arg(args, 'max-live') ?? 500);
  const maxRunChildren = Number(arg(args, 'max-run-children') ?? 1000);
  const baseline = Number(arg(args, 'baseline') ?? Math.min(n, 5000));
  const sample = Number(arg(args, 'sample') ?? 100);
  const retryNumbers = Number(arg(args, 'retry-numbers') ?? 100);
  const workerCounts = (arg(args, 'workers') ?? '1').split(',').map(Number);
  if (workerCounts.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new Error('--workers takes counts ≥ 1, e.g. 1,2');
  }
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
  const engineName = engine === 'cluster' ? 'Temporal on PostgreSQL' : 'Temporal dev server';
  console.log(
    `dispatch on ${engineName}: ${n} numbers, worker processes ${workerCounts.join(' then ')}, window ${maxLive}, ` +
      `≤${maxRunChildren} open children per run, calls_per_minute ${cpm}, simulator ring 0 talk 0` +
      (seconds ? `, measured for ${seconds} s` : ''),
  );
  console.log(`  worker logs: ${logDir}`);
  const stack = await startEmbeddedStack({ env, worker: false, engine });
  const client = new Client({ connection: await Connection.connect({ address: stack.temporalAddress }) });
  const results: Array<{ workers: number; result: CampaignResult }> = [];
  let running: WorkerProcess[] = [];
  try {
    for (const [i, count] of workerCounts.entries()) {
      running = await startWorkers(stack, env, count);
      const label = `campaign ${i + 1}, ${count} worker process${count > 1 ? 'es' : ''}`;
      const r = await runCampaign(stack, client, {
        label,
        numbers: n,
        lastDigits: [1, 2, 3, 4, 5],
        retries: { number_of_retries: 0 },
        seconds,
        sample,
        workers: running,
      });
      results.push({ workers: count, result: r });
      if (i === 0 && retryNumbers > 0 && r.status === 'Completed') {
        const retried = await runCampaign(stack, client, {
          label:
            'retry variant (half answer at once, half busy first and answer the retry 1 min later), ' +
            `${count} worker process(es)`,
          numbers: retryNumbers,
          lastDigits: [1, 9],
          retries: { number_of_retries: 1, interval_mins: 1, on_status: ['busy'] },
          seconds: null,
          sample,
          workers: running,
          groupByAttempts: true,
        });
        printPerRetry(retried.cost);
      }
      await Promise.all(running.map((w) => w.stop()));
      running = [];
    }
    if (baseline > 0) {
      const y = await yardstick(stack, baseline, maxLive);
      console.log(
        `  empty child workflows, window ${maxLive}, same ${engineName}: ${y.perSecond.toFixed(1)} per second ` +
          `(${y.runs} runs, ${y.eventsPerChild.toFixed(2)} parent events per child)`,
      );
      for (const { workers, result } of results)
        console.log(
          `  ratio of first-attempt dials to empty children per second, ${workers} worker process(es): ` +
            `${(result.rate / y.perSecond).toFixed(2)}`,
        );
    }
    const one = results.find((r) => r.workers === 1);
    for (const r of results.filter((x) => x.workers > 1 && one)) {
      console.log(
        `  ${r.workers} worker processes ÷ 1: ${(r.result.rate / one!.result.rate).toFixed(2)} ` +
          `(${r.result.rate.toFixed(1)} vs ${one!.result.rate.toFixed(1)} first-attempt dials per second)`,
      );
      for (const x of [one!, r])
        console.log(`    bound with ${x.workers} worker process(es): ${describeBound(x.result.cpu)}`);
    }
  } finally {
    await Promise.all(running.map((w) => w.stop()));
    await client.connection.close();
    await stack.stop();
  }
}
