/**
 * `npm run bench -- throttle [--quick] [--only=a,b,c]`: SPEC §4.5 pacing on a whole stack: (a) a custom campaign's
 * throttle, (b) two auto campaigns sharing an account, (c) channels under a high rate, each judged at the instant
 * Outcall sent the request and, beside it, at the carrier. Scenarios and method: docs/benchmarks.md.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { attempts, campaigns, simCalls, simRequests } from '../db/schema';
import { startEmbeddedStack, type EmbeddedStack } from '../bin/embedded-stack';
import { startWorkerProcess } from '../bin/worker-process';

interface Account {
  sid: string;
  api_key: string;
  api_token: string;
  calling_window: string;
  calls_per_minute: number;
  channels: number;
}

const account = (sid: string, cpm: number, channels: number): Account => ({
  sid,
  api_key: `${sid}_key`,
  api_token: `${sid}_token_0123456789`,
  calling_window: '00:00-24:00',
  calls_per_minute: cpm,
  channels,
});

/** `n` distinct mobile numbers ending in 1 (the simulator completes them), in a block of their own. */
const numbers = (block: number, n: number) =>
  Array.from({ length: n }, (_, i) => `+919${block}${String(i).padStart(7, '0')}1`);

async function createCampaign(stack: EmbeddedStack, a: Account, body: Record<string, unknown>): Promise<string> {
  const res = await stack.api(
    'POST',
    `/v2/accounts/${a.sid}/campaigns`,
    { key: a.api_key, token: a.api_token },
    {
      caller_id: '08012345678',
      url: 'http://my.exotel.com/acme/exoml/start_voice/926',
      retries: { number_of_retries: 0 },
      ...body,
    },
  );
  if (res.status !== 200) throw new Error(`create campaign for ${a.sid}: ${res.status} ${res.text}`);
  return res.json.response[0].data.id as string;
}

interface Dial {
  atMs: number;
  to: string;
}

/** When Outcall sent each dial request of the account (attempts.dial_started_at). */
async function sentOf(stack: EmbeddedStack, accountSid: string): Promise<Dial[]> {
  const rows = await stack.db
    .select({ at: attempts.dialStartedAt, to: attempts.number })
    .from(attempts)
    .innerJoin(campaigns, eq(campaigns.id, attempts.campaignId))
    .where(eq(campaigns.accountSid, accountSid));
  return rows
    .filter((r) => r.at !== null)
    .map((r) => ({ atMs: r.at!.getTime(), to: r.to }))
    .sort((x, y) => x.atMs - y.atMs);
}

async function dialsOf(stack: EmbeddedStack, accountSid: string, to: string[]): Promise<Dial[]> {
  const calls = await stack.db
    .select({ at: simCalls.createdAt, to: simCalls.to })
    .from(simCalls)
    .where(eq(simCalls.accountSid, accountSid));
  const refused =
    to.length > 0
      ? await stack.db
          .select({ at: simRequests.at, to: simRequests.to })
          .from(simRequests)
          .where(inArray(simRequests.to, to))
      : [];
  return [...calls, ...refused].map((r) => ({ atMs: r.at.getTime(), to: r.to })).sort((x, y) => x.atMs - y.atMs);
}

/** The most instants in any half-open window of `widthMs`. */
function maxInWindow(ts: number[], widthMs: number): number {
  let best = 0;
  for (let i = 0, j = 0; i < ts.length; i++) {
    while (ts[i]! - ts[j]! >= widthMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** The most dials in one calendar second (UTC). */
function calendarSecondPeak(ts: number[]): number {
  const per = new Map<number, number>();
  for (const t of ts) per.set(Math.floor(t / 1000), (per.get(Math.floor(t / 1000)) ?? 0) + 1);
  return Math.max(0, ...per.values());
}

/** The most intervals [start, end) open at once. */
function maxOverlap(intervals: Array<[number, number]>): number {
  const edges = intervals
    .flatMap(([s, e]) => [[s, 1] as const, [e, -1] as const])
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let best = 0;
  for (const [, d] of edges) best = Math.max(best, (open += d));
  return best;
}

async function concurrency(
  stack: EmbeddedStack,
  accountSid: string,
  untilMs: number,
): Promise<{ carrier: number; live: number; meanHoldMs: number; liveIntervals: Array<[number, number]> }> {
  const calls = await stack.db
    .select({ s: simCalls.startTime, e: simCalls.endTime })
    .from(simCalls)
    .where(eq(simCalls.accountSid, accountSid));
  const rows = await stack.db
    .select({ s: attempts.dialStartedAt, e: attempts.settledAt })
    .from(attempts)
    .innerJoin(campaigns, eq(campaigns.id, attempts.campaignId))
    .where(and(eq(campaigns.accountSid, accountSid)));
  const live = rows
    .filter((r) => r.s !== null)
    .map((r): [number, number] => [r.s!.getTime(), (r.e ?? new Date(untilMs)).getTime()]);
  const settled = live.filter((_, i) => rows[i]!.e !== null);
  return {
    carrier: maxOverlap(calls.filter((c) => c.s && c.e).map((c): [number, number] => [c.s!.getTime(), c.e!.getTime()])),
    live: maxOverlap(live),
    meanHoldMs: settled.length ? settled.reduce((a, [s, e]) => a + (e - s), 0) / settled.length : NaN,
    liveIntervals: live,
  };
}

/**
 * The share of `channels` × `w` that calls were live (SPEC §4.5: dial request → final status
 * recorded). Unlike a count of dials over the window, it is not lifted by the burst that fills every
 * channel at the first dial.
 */
function occupancy(intervals: ReadonlyArray<[number, number]>, channels: number, w: Window): number {
  const busy = intervals.reduce((a, [s, e]) => a + Math.max(0, Math.min(e, w.toMs) - Math.max(s, w.fromMs)), 0);
  return busy / (channels * (w.toMs - w.fromMs));
}

interface Window {
  fromMs: number;
  toMs: number;
}

/** Dials per minute over `w`, counting instants in [from, to). */
function ratePerMinute(ts: number[], w: Window): number {
  const n = ts.filter((t) => t >= w.fromMs && t < w.toMs).length;
  return n / ((w.toMs - w.fromMs) / 60_000);
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');
const line = (label: string, value: string, goal: string, ok?: boolean) =>
  console.log(`    ${label.padEnd(30)} ${value.padEnd(26)} ${goal.padEnd(34)} ${ok === undefined ? '' : verdict(ok)}`);

/** `ts`: instants at the carrier (the goals); `sent`: the same dials as Outcall sent them. */
function printPacing(ts: number[], sent: number[], limit: number, w: Window) {
  const perMinute = maxInWindow(ts, 60_000);
  const peak = maxInWindow(ts, 1000);
  const perSecond = Math.ceil(limit / 60);
  line('dials', `${ts.length} (sent: ${sent.length})`, '');
  const sentPerMinute = maxInWindow(sent, 60_000);
  const sentPeak = maxInWindow(sent, 1000);
  line(
    'max dials in any 60 s window',
    `${sentPerMinute} (at the carrier: ${perMinute})`,
    `≤ ${limit}`,
    sentPerMinute <= limit,
  );
  line(
    'per-second peak (any 1 s)',
    `${sentPeak} (at the carrier: ${peak}, calendar s: ${calendarSecondPeak(ts)})`,
    `≤ ⌈${limit}/60⌉ = ${perSecond}`,
    sentPeak <= perSecond,
  );
  return ratePerMinute(ts, w);
}

async function waitUntil(what: string, cond: () => Promise<boolean>, timeoutMs: number, everyMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function firstDialMs(stack: EmbeddedStack, accountSid: string): Promise<number> {
  let first = NaN;
  await waitUntil(
    `the first dial of ${accountSid}`,
    async () => {
      const d = await dialsOf(stack, accountSid, []);
      first = d[0]?.atMs ?? NaN;
      return d.length > 0;
    },
    120_000,
    250,
  );
  return first;
}

async function sleepUntil(ms: number): Promise<void> {
  const left = ms - Date.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left));
}

export default async function throttle(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const only = new Set((args.find((a) => a.startsWith('--only='))?.slice(7) ?? 'a,b,c').split(','));
  const runMs = quick ? 90_000 : 600_000;
  const tailMs = quick ? 30_000 : 60_000;
  const size = (n: number) => (quick ? Math.ceil(n * 0.15) : n);
  console.log(
    `throttle benchmark${quick ? ' (--quick)' : ''}: runs of ${runMs / 60_000} min, achieved rate from the first ` +
      `dial excluding the last ${tailMs / 1000} s`,
  );

  if (only.has('a') || only.has('b')) {
    const A = account('bench_a', 60, 60);
    const B = account('bench_b', 60, 60);
    const stack = await startEmbeddedStack({
      env: { OUTCALL_ACCOUNTS: JSON.stringify([A, B]), OUTCALL_SIM_RING_MS: '0', OUTCALL_SIM_TALK_MS: '1000' },
      worker: false,
    });
    const worker = await startWorkerProcess(stack);
    try {
      const aNumbers = numbers(1, size(300));
      const bNumbers = [numbers(2, size(300)), numbers(3, size(300))];
      const started = Date.now();
      const ids: string[] = [];
      if (only.has('a'))
        await createCampaign(stack, A, { from: aNumbers, mode: 'custom', throttle: 30, name: '(a) custom 30/min' });
      if (only.has('b'))
        for (const [i, from] of bNumbers.entries())
          ids.push(await createCampaign(stack, B, { from, name: `(b) auto ${i + 1}` }));
      const firstA = only.has('a') ? await firstDialMs(stack, A.sid) : NaN;
      const firstB = only.has('b') ? await firstDialMs(stack, B.sid) : NaN;
      console.log(
        `  first dial ${((Math.min(...[firstA, firstB].filter(Number.isFinite)) - started) / 1000).toFixed(1)} s ` +
          `after the first create`,
      );
      await sleepUntil(Math.max(...[firstA, firstB].filter(Number.isFinite)) + runMs + 2000);

      if (only.has('a')) {
        const w = { fromMs: firstA, toMs: firstA + runMs - tailMs };
        const ts = (await dialsOf(stack, A.sid, aNumbers)).map((d) => d.atMs).filter((t) => t < firstA + runMs);
        const sent = (await sentOf(stack, A.sid)).map((d) => d.atMs).filter((t) => t < firstA + runMs);
        console.log(
          `\n(a) one custom campaign at 30 calls/min, ${aNumbers.length} numbers, ring 0 s, talk 1 s, ` +
            `${runMs / 60_000} min`,
        );
        const achieved = printPacing(ts, sent, 30, w);
        const c = await concurrency(stack, A.sid, firstA + runMs);
        line(
          'max concurrent calls',
          `${c.carrier} (live: ${c.live})`,
          `≤ channels ${A.channels}`,
          Math.max(c.carrier, c.live) <= A.channels,
        );
        line(
          'achieved rate',
          `${achieved.toFixed(2)}/min = ${pct(achieved / 30)}`,
          '≥ 95 % of 30/min',
          achieved >= 0.95 * 30,
        );
      }
      if (only.has('b')) {
        const w = { fromMs: firstB, toMs: firstB + runMs - tailMs };
        const all = await dialsOf(stack, B.sid, bNumbers.flat());
        const ts = all.map((d) => d.atMs).filter((t) => t < firstB + runMs);
        const sent = (await sentOf(stack, B.sid)).map((d) => d.atMs).filter((t) => t < firstB + runMs);
        console.log(
          `\n(b) two auto campaigns of ${bNumbers[0]!.length} numbers each on an account of 60 calls/min, ` +
            `${runMs / 60_000} min`,
        );
        const achieved = printPacing(ts, sent, 60, w);
        const c = await concurrency(stack, B.sid, firstB + runMs);
        line(
          'max concurrent calls',
          `${c.carrier} (live: ${c.live})`,
          `≤ channels ${B.channels}`,
          Math.max(c.carrier, c.live) <= B.channels,
        );
        line(
          'achieved rate',
          `${achieved.toFixed(2)}/min = ${pct(achieved / 60)}`,
          '≥ 95 % of 60/min',
          achieved >= 0.95 * 60,
        );
        const per = bNumbers.map((set) => {
          const mine = new Set(set);
          return ratePerMinute(
            all.filter((d) => mine.has(d.to)).map((d) => d.atMs),
            w,
          );
        });
        const spread = Math.abs(per[0]! - per[1]!) / Math.max(per[0]!, per[1]!);
        line(
          'per campaign',
          per.map((r) => `${r.toFixed(2)}/min`).join(' vs '),
          'within 10 % of each other',
          spread <= 0.1,
        );
        line('  difference', pct(spread), '');
      }
    } finally {
      await worker.stop();
      await stack.stop();
    }
  }

  if (only.has('c')) {
    const C = account('bench_c', 600, 40);
    const stack = await startEmbeddedStack({
      env: { OUTCALL_ACCOUNTS: JSON.stringify([C]), OUTCALL_SIM_RING_MS: '0', OUTCALL_SIM_TALK_MS: '10000' },
      worker: false,
    });
    const worker = await startWorkerProcess(stack);
    try {
      const cNumbers = numbers(4, size(600));
      await createCampaign(stack, C, { from: cNumbers, name: '(c) 600/min, 40 channels' });
      const first = await firstDialMs(stack, C.sid);
      await waitUntil(
        'every number of (c) to be dialled',
        async () => (await dialsOf(stack, C.sid, [])).length >= cNumbers.length,
        30 * 60_000,
        5000,
      );
      const ts = (await dialsOf(stack, C.sid, cNumbers)).map((d) => d.atMs);
      const last = ts.at(-1)!;
      await sleepUntil(last + 15_000); // the last calls end and settle
      // A run shorter than twice the tail is measured whole (a --quick smoke run).
      const w = { fromMs: first, toMs: last - first > 2 * tailMs ? last - tailMs : last };
      console.log(
        `\n(c) an account of 600 calls/min with 40 channels and 10-second calls, ${cNumbers.length} numbers ` +
          `(${((last - first) / 60_000).toFixed(1)} min)`,
      );
      const sent = (await sentOf(stack, C.sid)).map((d) => d.atMs);
      const achieved = printPacing(ts, sent, 600, w);
      const c = await concurrency(stack, C.sid, Date.now());
      line(
        'max concurrent calls',
        `${c.carrier} (live: ${c.live})`,
        `≤ channels ${C.channels}`,
        Math.max(c.carrier, c.live) <= C.channels,
      );
      // 40 channels held 10 s each allow 240 calls/min, below the 600/min rate: channels are the limit.
      const byChannels = (C.channels * 60_000) / 10_000;
      line(
        'achieved rate',
        `${achieved.toFixed(1)}/min = ${pct(achieved / byChannels)}`,
        `≥ 95 % of ${byChannels}/min (channels)`,
        achieved >= 0.95 * byChannels,
      );
      line('  mean channel hold', `${(c.meanHoldMs / 1000).toFixed(2)} s`, `dial request → status recorded`);
      line('  of what holds allow', pct(achieved / ((C.channels * 60_000) / c.meanHoldMs)), `40 × 60 s / mean hold`);
      // The achieved rate counts the 40 dials that fill the channels at the start over a window of a
      // minute or so, which lifts it above the steady rate; how busy the channels were is not lifted.
      line(
        '  channels busy in the window',
        pct(occupancy(c.liveIntervals, C.channels, w)),
        `live time / (40 × window)`,
      );
    } finally {
      await worker.stop();
      await stack.stop();
    }
  }
}
