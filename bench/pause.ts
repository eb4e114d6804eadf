/**
 * `npm run bench -- pause [--quick]`: SPEC §4.1/§4.5 pause at scale: how soon after `resume` the held numbers dial
 * again at the campaign's rate, that nothing dialled while paused, and that retries due during the pause go out soon
 * after resume. Campaign shape: docs/benchmarks.md.
 */
import { and, eq, gt, sql } from 'drizzle-orm';
import { attempts, campaignNumbers, simCalls } from '../db/schema';
import { startEmbeddedStack, type EmbeddedStack } from '../bin/embedded-stack';
import { startWorkerProcess } from '../bin/worker-process';

const ACCOUNT = {
  sid: 'bench_pause',
  api_key: 'bench_pause_key',
  api_token: 'bench_pause_token_0123',
  calling_window: '00:00-24:00',
  calls_per_minute: 600,
  channels: 60,
};
const auth = { key: ACCOUNT.api_key, token: ACCOUNT.api_token };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function put(stack: EmbeddedStack, id: string, action: 'pause' | 'resume'): Promise<number> {
  const t = Date.now();
  const res = await stack.api('PUT', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`, auth, { action });
  if (res.status !== 200) throw new Error(`${action}: ${res.status} ${res.text}`);
  return t;
}

/** Dial requests the simulator received in [fromMs, toMs), with their attempt numbers. */
async function dialsBetween(
  stack: EmbeddedStack,
  fromMs: number,
  toMs = Date.now() + 3600_000,
): Promise<Array<{ atMs: number; attempt: number; to: string }>> {
  const rows = await stack.db
    .select({ at: simCalls.createdAt, attempt: simCalls.attemptNumber, to: simCalls.to })
    .from(simCalls)
    .where(and(eq(simCalls.accountSid, ACCOUNT.sid), gt(simCalls.createdAt, new Date(fromMs))));
  return rows
    .map((r) => ({ atMs: r.at.getTime(), attempt: r.attempt, to: r.to }))
    .filter((d) => d.atMs < toMs)
    .sort((a, b) => a.atMs - b.atMs);
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export default async function pause(args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const n = quick ? 1000 : 5000;
  const stack = await startEmbeddedStack({
    env: { OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]), OUTCALL_SIM_RING_MS: '0', OUTCALL_SIM_TALK_MS: '500' },
    worker: false,
  });
  const worker = await startWorkerProcess(stack);
  try {
    const from = Array.from({ length: n }, (_, i) => `+9198${String(i).padStart(7, '0')}${i % 5 === 0 ? 6 : 1}`);
    const created = await stack.api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, auth, {
      from,
      caller_id: '08012345678',
      url: 'http://my.exotel.com/acme/exoml/start_voice/926',
      name: `pause at scale (${n})`,
      retries: { number_of_retries: 1, interval_mins: 1, mechanism: 'Linear', on_status: ['busy'] },
    });
    if (created.status !== 200) throw new Error(`create: ${created.status} ${created.text}`);
    const id = created.json.response[0].data.id as string;
    console.log(
      `pause benchmark${quick ? ' (--quick)' : ''}: ${n} numbers, 600 calls/min, 60 channels, busy numbers retried ` +
        `after 1 min`,
    );

    // Run until retries are pending, then pause.
    const retrying = async () =>
      Number(
        (
          await stack.db
            .select({ n: sql<number>`count(*)::int` })
            .from(campaignNumbers)
            .where(and(eq(campaignNumbers.campaignId, id), eq(campaignNumbers.status, 'retry')))
        )[0]?.n ?? 0,
      );
    // With one number in five busy and a 1-minute interval, about a fifth of a minute's dials wait for
    // a retry at any time (≤ 120 at 600/min): pause once a good share of that is pending.
    const wanted = quick ? 30 : 60;
    for (let t = 0; (await retrying()) < wanted; t++) {
      if (t > 300) break; // pause with what is pending after 5 minutes
      await sleep(1000);
    }
    const before = await dialsBetween(stack, 0);
    const rateBefore = before.filter((d) => d.atMs > Date.now() - 30_000).length * 2;
    const pausedAt = await put(stack, id, 'pause');
    const pending = await retrying();
    console.log(
      `  paused with ${pending} retries pending, ${before.length} dials made, ${rateBefore}/min over the last 30 s`,
    );

    // Stay paused long enough for retries to fall due (interval 1 min), then resume.
    const pauseMs = quick ? 70_000 : 90_000;
    await sleep(pauseMs);
    const dueDuringPause = await stack.db
      .select({ position: campaignNumbers.position, due: campaignNumbers.nextAttemptAt })
      .from(campaignNumbers)
      .where(and(eq(campaignNumbers.campaignId, id), eq(campaignNumbers.status, 'retry')));
    const fellDue = dueDuringPause.filter((r) => r.due !== null && r.due.getTime() <= Date.now());
    const whilePaused = await dialsBetween(stack, pausedAt + 5000);
    const resumedAt = await put(stack, id, 'resume');

    await sleep(quick ? 30_000 : 45_000);
    const after = await dialsBetween(stack, resumedAt);
    const firstAfter = after[0];
    const firstRetry = after.find((d) => d.attempt > 1);
    const heldNumbers = new Set(fellDue.map((r) => from[r.position]!));
    const heldDials = after.filter((d) => d.attempt > 1 && heldNumbers.has(d.to));
    const in10 = after.filter((d) => d.atMs < resumedAt + 10_000);
    const nextFirsts = after.filter((d) => d.attempt === 1);
    console.log(`\n  paused for ${s(resumedAt - pausedAt)}; ${fellDue.length} retries fell due while paused`);
    // SPEC §4.1: pausing stops new attempts; an attempt begun (row committed) before it runs to its end.
    const begunBefore = whilePaused.length
      ? (
          await stack.db
            .select({ number: attempts.number, n: attempts.attemptNumber, created: attempts.dateCreated })
            .from(attempts)
            .where(eq(attempts.campaignId, id))
        ).filter(
          (a) => a.created.getTime() < pausedAt && whilePaused.some((d) => d.to === a.number && d.attempt === a.n),
        ).length
      : 0;
    console.log(
      `  dials while paused (from 5 s after pause): ${whilePaused.length}, of which attempts begun before the ` +
        `pause: ${begunBefore}`,
    );
    console.log(
      `  first dial after resume:                  ` +
        `${firstAfter ? s(firstAfter.atMs - resumedAt) : 'none'}   (goal ≤ 5 s)`,
    );
    console.log(`  first held retry dialled after resume:    ${firstRetry ? s(firstRetry.atMs - resumedAt) : 'none'}`);
    if (heldDials.length > 0) {
      const lastHeld = heldDials[heldDials.length - 1]!;
      console.log(
        `  held retries dialled again:               ${heldDials.length} of ${fellDue.length}, the last ` +
          `${s(lastHeld.atMs - resumedAt)} after resume`,
      );
    }
    const firstFirst = nextFirsts[0];
    console.log(`  first new first attempt after resume:     ${firstFirst ? s(firstFirst.atMs - resumedAt) : 'none'}`);
    console.log(
      `  dials in the first 10 s after resume:     ${in10.length} (${in10.length * 6}/min; before the pause ` +
        `${rateBefore}/min; account limit 600/min)`,
    );
    const held = await stack.db
      .select({ n: sql<number>`count(*)::int` })
      .from(attempts)
      .where(eq(attempts.campaignId, id));
    console.log(`  attempts so far: ${held[0]?.n ?? 0}`);
  } finally {
    await worker.stop();
    await stack.stop();
  }
}
