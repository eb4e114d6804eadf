/**
 * The fault suite (issue 10): one campaign through an Outcall whose API (serving the simulator carrier), worker,
 * Temporal dev server and PostgreSQL run as separate processes on loopback, while they are SIGKILLed and restarted on a
 * schedule, a proxy drops a share of the carrier's callbacks and the webhook receiver is down for a while. Bounded: it
 * stops by itself at its deadline. `npm run chaos` (bench/chaos.ts) and test/integration/chaos_small.test.ts drive it.
 */
import os from 'node:os';
import path from 'node:path';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../db/client';
import { freePort } from '../services';
import { carrierFigures, readModelFigures, webhookFigures, webhooksSettled, type ApiCall } from './figures';
import type { Managed } from './processes';
import { ACCOUNT_KEY, ACCOUNT_TOKEN, apiClient, persistently, processOf, sleep, startStack, type Stack } from './stack';
import { startCallbackProxy } from './proxy';
import { startWebhookReceiver } from './receiver';
import { controlTimeline } from './control-timeline';
import { campaignWorkflowId } from '../../domain/ids';

export type Fault = 'worker' | 'api' | 'temporal' | 'postgres';

export interface ChaosOptions {
  numbers: number;
  /** The faults, one after another, `gapMs` apart from the campaign's start. */
  faults: Fault[];
  gapMs: number;
  /** How long a killed process stays down before it is started again. */
  downMs: Partial<Record<Fault, number>>;
  dropCallbackShare: number;
  /** Webhook receiver down for this long, starting this long after the campaign started (0: never). */
  receiverDown: { afterMs: number; forMs: number } | null;
  /** Send `pause` (then `resume`) right after this fault in the list, while the process restarts. */
  pauseAfterFault: number | null;
  /** Also run the same campaign without faults first, for the time ratio. */
  baseline: boolean;
  /** The whole run stops by this long after the start whatever happens. */
  deadlineMs: number;
  /** Use this PostgreSQL database and/or Temporal server instead of starting (and killing) our own. */
  external?: { databaseUrl?: string; temporalAddress?: string };
  /** OUTCALL_MAX_LIVE_NUMBERS / OUTCALL_MAX_RUN_CHILDREN, below the server's pending-children limit. */
  window?: { maxLiveNumbers: number; maxRunChildren: number };
  log?: (line: string) => void;
  /** Keep the run's directory (process logs, Temporal's file) instead of deleting it; its path is logged. */
  keepDir?: boolean;
  /** Every number ends in this digit (e.g. 9: busy on attempt 1, then completed); else the digits cycle. */
  lastDigit?: number;
  /** The campaign's retry interval; default 1 minute. */
  retryIntervalMins?: number;
}

export interface CampaignFigures {
  status: string;
  completedInS: number | null;
  numbers: number;
  dials: number;
  duplicateDials: number;
  notFinal: number;
  mismatches: number;
  webhooksEmitted: number;
  webhooksLost: number;
  webhooksDuplicated: number;
  longestNoDialS: number;
}

export interface ChaosReport {
  chaos: CampaignFigures;
  baseline: CampaignFigures | null;
  kills: Record<string, number>;
  /** Seconds the killed processes were down (each kill until it was running again). */
  outageS: number;
  callbacksDropped: number;
  callbacksForwarded: number;
  /** Answer times of `pause` and `resume` sent while a process restarted (ms), when sent. */
  pauseAnswerMs: number | null;
  resumeAnswerMs: number | null;
  /** Workflow tasks over 1 s the worker logged (TMPRL1104, threshold 1 s) during the chaos campaign. */
  slowWorkflowTasks: number;
  /** The same during the baseline campaign (no faults), when run. */
  slowWorkflowTasksBaseline: number | null;
  /** Numbers running (in progress or waiting for a retry) when each fault struck; null when unread. */
  runningAtFaults: Array<number | null>;
  loadAverage: [number, number, number];
}

/** Distinct mobile numbers; the last digit cycles so every simulator outcome occurs, never `…000`. */
export function chaosNumbers(block: number, n: number, lastDigit?: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `+919${String(block).padStart(2, '0')}${String(i).padStart(6, '0')}${lastDigit ?? (i % 9) + 1}`,
  );
}

/** Creates the campaign and waits for it to end (or the deadline); the time from create to its end. */
async function runCampaign(
  api: ApiCall,
  accountSid: string,
  numbers: string[],
  hooks: string,
  during: (id: string) => Promise<void>,
  deadlineMs: number,
  log: (line: string) => void,
  retryIntervalMins = 1,
): Promise<{ id: string; completedInS: number | null }> {
  const base = `/v2/accounts/${accountSid}`;
  const created = await persistently(api, 'POST', `${base}/campaigns`, {
    caller_id: '08012345678',
    url: 'http://my.exotel.com/chaos/exoml/start_voice/1',
    from: numbers,
    retries: { number_of_retries: 1, interval_mins: retryIntervalMins },
    call_status_callback: `${hooks}/call-status`,
    call_schedule_callback: `${hooks}/call-schedule`,
    status_callback: `${hooks}/status`,
  });
  if (created.status !== 200) throw new Error(`create: ${created.status} ${JSON.stringify(created.json)}`);
  const id = created.json.response[0].data.id as string;
  const t0 = Date.now();
  const faults = during(id);
  let ended: number | null = null;
  let reported = 0;
  while (Date.now() < deadlineMs) {
    const res = await persistently(api, 'GET', `${base}/campaigns/${id}`, undefined, deadlineMs).catch(() => null);
    const status = res?.json?.response?.[0]?.data?.status as string | undefined;
    if (Date.now() - reported >= 30_000) {
      reported = Date.now();
      const stats = res?.json?.response?.[0]?.data?.stats ?? null;
      log(`${Math.round((reported - t0) / 1000)} s: ${status} ${JSON.stringify(stats)}`);
    }
    if (status && ['Completed', 'Failed', 'Canceled'].includes(status)) {
      ended = Date.now();
      break;
    }
    await sleep(2000);
  }
  await faults;
  return { id, completedInS: ended === null ? null : (ended - t0) / 1000 };
}

async function figuresOf(
  s: Stack,
  api: ApiCall,
  accountSid: string,
  id: string,
  received: Map<string, number>,
  completedInS: number | null,
  deadlineMs: number,
) {
  await webhooksSettled(s.db, id, deadlineMs);
  const carrier = await carrierFigures(s.db, accountSid);
  const model = await readModelFigures(api, `/v2/accounts/${accountSid}`, id);
  const hooks = await webhookFigures(s.db, id, received);
  return {
    status: model.status,
    completedInS,
    numbers: model.numbers,
    dials: carrier.dials,
    duplicateDials: carrier.duplicateDials,
    notFinal: model.notFinal,
    mismatches: model.mismatches,
    webhooksEmitted: hooks.emitted,
    webhooksLost: hooks.lost,
    webhooksDuplicated: hooks.duplicated,
    longestNoDialS: carrier.longestNoDialS,
  } satisfies CampaignFigures;
}

/** Number workflows running (dialling, waiting for a slot or for a retry), from Temporal's visibility. */
async function runningNumbers(temporalAddress: string): Promise<number | null> {
  const connection = await Connection.connect({ address: temporalAddress }).catch(() => null);
  if (!connection) return null;
  try {
    const client = new Client({ connection });
    const query = 'WorkflowType = "numberWorkflow" AND ExecutionStatus = "Running"';
    return (await client.workflow.count(query)).count;
  } catch {
    return null;
  } finally {
    await connection.close();
  }
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => undefined);
  const deadlineMs = Date.now() + o.deadlineMs;
  const base = mkdtempSync(path.join(os.tmpdir(), 'outcall-chaos-'));
  chmodSync(base, 0o777);
  log(`run directory ${base}`);
  const apiPort = await freePort();
  const proxy = await startCallbackProxy({ upstreamPort: apiPort, dropShare: o.dropCallbackShare });
  const receiver = await startWebhookReceiver();
  const [chaosSid, baselineSid] = ['chaos', 'chaos_baseline'];
  const s = await startStack(base, o, proxy.url, apiPort, [chaosSid, baselineSid]);
  const api = apiClient(`http://127.0.0.1:${apiPort}`);
  const baselineApi: ApiCall = async (method, p, body) => {
    const auth = `Basic ${Buffer.from(`${ACCOUNT_KEY}_${baselineSid}:${ACCOUNT_TOKEN}`).toString('base64')}`;
    const res = await fetch(`http://127.0.0.1:${apiPort}${p}`, {
      method,
      headers: { authorization: auth, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json().catch(() => null) };
  };
  let outageMs = 0;
  let pauseAnswerMs: number | null = null;
  let resumeAnswerMs: number | null = null;
  let slowBefore = 0;
  const runningAtFaults: Array<number | null> = [];
  try {
    let baseline: CampaignFigures | null = null;
    if (o.baseline) {
      log('baseline campaign (no faults)');
      const b = await runCampaign(
        baselineApi,
        baselineSid,
        chaosNumbers(11, o.numbers, o.lastDigit),
        receiver.url,
        async () => {},
        deadlineMs,
        log,
        o.retryIntervalMins,
      );
      baseline = await figuresOf(s, baselineApi, baselineSid, b.id, receiver.received, b.completedInS, deadlineMs);
      log(`baseline: ${JSON.stringify(baseline)}`);
    }
    slowBefore = s.worker.counted;
    log('chaos campaign');
    const chaosRun = await runCampaign(
      api,
      chaosSid,
      chaosNumbers(12, o.numbers, o.lastDigit),
      receiver.url,
      async (id) => {
        const t0 = Date.now();
        const receiverOutage = o.receiverDown
          ? (async () => {
              await sleep(o.receiverDown!.afterMs);
              log('webhook receiver down');
              await receiver.down();
              await sleep(o.receiverDown!.forMs);
              await receiver.up();
              log('webhook receiver up');
            })()
          : Promise.resolve();
        for (const [i, fault] of o.faults.entries()) {
          const at = t0 + (i + 1) * o.gapMs;
          if (Date.now() < at) await sleep(at - Date.now());
          if (Date.now() > deadlineMs) break;
          const p = processOf(s, fault);
          runningAtFaults.push(await runningNumbers(s.temporalAddress));
          const down = Date.now();
          log(`kill ${fault} (${i + 1}/${o.faults.length})`);
          await p.kill();
          await sleep(o.downMs[fault] ?? 3000);
          const restarting = p.start();
          if (o.pauseAfterFault === i) {
            // SPEC §4.1: an action is answered within 5 s, also while the worker replays after a crash:
            // sent the moment the restarted process runs again (a worker that is down answers nothing).
            await restarting;
            const sent = Date.now();
            const paused = await persistently(api, 'PUT', `/v2/accounts/${chaosSid}/campaigns/${id}`, {
              action: 'pause',
            });
            pauseAnswerMs = Date.now() - sent;
            log(`pause answered ${paused.status} in ${pauseAnswerMs} ms`);
            const timeline = await controlTimeline(s.temporalAddress, campaignWorkflowId(id), sent, Date.now() + 500);
            for (const line of timeline) log(`  pause ${line}`);
            await restarting;
            await sleep(5000);
            const sentResume = Date.now();
            const resumed = await persistently(api, 'PUT', `/v2/accounts/${chaosSid}/campaigns/${id}`, {
              action: 'resume',
            });
            resumeAnswerMs = Date.now() - sentResume;
            log(`resume answered ${resumed.status} in ${resumeAnswerMs} ms`);
            const after = await controlTimeline(
              s.temporalAddress,
              campaignWorkflowId(id),
              sentResume,
              Date.now() + 500,
            );
            for (const line of after) log(`  resume ${line}`);
          }
          await restarting;
          outageMs += Date.now() - down;
        }
        await receiverOutage;
      },
      deadlineMs,
      log,
      o.retryIntervalMins,
    );
    // A fault still scheduled when the campaign ended has run; the run waits for webhooks to settle.
    const chaos = await figuresOf(s, api, chaosSid, chaosRun.id, receiver.received, chaosRun.completedInS, deadlineMs);
    return {
      chaos,
      baseline,
      kills: Object.fromEntries(
        ([s.worker, s.api, s.temporal, s.postgres] as Array<Managed | null>)
          .filter((p): p is Managed => p !== null)
          .map((p) => [p.name, p.kills]),
      ),
      outageS: outageMs / 1000,
      callbacksDropped: proxy.dropped,
      callbacksForwarded: proxy.forwarded,
      pauseAnswerMs,
      resumeAnswerMs,
      slowWorkflowTasks: s.worker.counted - slowBefore,
      slowWorkflowTasksBaseline: o.baseline ? slowBefore : null,
      runningAtFaults,
      loadAverage: os.loadavg() as [number, number, number],
    };
  } finally {
    await s.stop();
    await proxy.stop();
    await receiver.stop();
    if (!o.keepDir) rmSync(base, { recursive: true, force: true });
  }
}
