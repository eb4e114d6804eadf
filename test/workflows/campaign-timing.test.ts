/**
 * SPEC §4.1, §4.3, §4.4, §4.6: every timer path of a campaign on the time-skipping server, with the
 * real activities and database (only the carrier is fake): send_at, end_at while running and while
 * paused, 30-day expiry, pause holding a due retry and resume releasing it, complete, the calling
 * window for first attempts and retries across midnight, jitter bounds, and a Failed campaign.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { wallClock } from '../../domain/time';
import { zonedInstant } from '../../domain/calling-window';
import { campaignHarness, type Harness, type HarnessOptions } from '../support/campaign-harness';

const COMPLETES = '+919876543210';
const COMPLETES_2 = '+919876543211';
const COMPLETES_3 = '+919876543212';
const BUSY = '+919876543216';
const BUSY_THEN_COMPLETES = '+919876543219';
const REFUSED = '+919876543000';
const MIN = 60_000;

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function harness(opts: HarnessOptions = {}) {
  h = await campaignHarness(opts);
  return h;
}

/** The next instant at local `hh:mm` in `tz` after `nowMs`. */
function nextLocal(nowMs: number, tz: string, hh: number, mm: number): number {
  const w = wallClock(new Date(nowMs), tz);
  for (let d = 0; d < 3; d++) {
    const base = new Date(Date.UTC(w.year, w.month - 1, w.day + d));
    const t = zonedInstant(base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate(), hh * 60 + mm, tz);
    if (t > nowMs) return t;
  }
  throw new Error('unreachable');
}

const seconds = (ms: number) => Math.round(ms / 1000);

describe('§4.1 send_at', () => {
  it('starts the campaign at send_at with a durable timer, not before', async () => {
    const t = await harness();
    const t0 = await t.now();
    const id = await t.createCampaign({ numbers: [COMPLETES], sendAtMs: t0 + 2 * 3600_000 });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    const c = await t.campaign(id);
    expect(seconds(c.dateStarted!.getTime() - (t0 + 2 * 3600_000))).toBeLessThanOrEqual(1);
    expect(c.dateStarted!.getTime()).toBeGreaterThanOrEqual(t0 + 2 * 3600_000);
    expect(t.dials[0]!.atMs).toBeGreaterThanOrEqual(t0 + 2 * 3600_000);
  });
});

describe('§4.6 end_at', () => {
  it('while running: stops new attempts, waits for the live call, cancels the never-dialled numbers', async () => {
    const t = await harness({ silent: [COMPLETES] });
    const t0 = await t.now();
    const id = await t.createCampaign({
      numbers: [COMPLETES, COMPLETES_2, COMPLETES_3],
      maxLive: 1,
      endAtMs: t0 + 30 * MIN,
    });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    const numbers = await t.numbers(id);
    // The silent call was live at end_at: the drain waited until a lookup settled it.
    expect(numbers.map((n) => n.status)).toEqual(['completed', 'canceled', 'canceled']);
    expect(t.dials.map((d) => d.to)).toEqual([COMPLETES]);
    const c = await t.campaign(id);
    expect(c.dateEnded!.getTime()).toBeGreaterThan(t0 + 30 * MIN);
    expect(c.closing).toBeNull();
  });

  it('fails a number at once when its retry would fall at or after end_at', async () => {
    const t = await harness();
    const t0 = await t.now();
    const id = await t.createCampaign({
      numbers: [BUSY],
      retries: { numberOfRetries: 3, intervalMins: 20 },
      endAtMs: t0 + 30 * MIN,
    });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    // Attempt 1 at t0 (retry due +20 < end_at), attempt 2 at +20 (retry due +40 ≥ end_at → failed).
    expect(t.dials.map((d) => Math.round((d.atMs - t0) / MIN))).toEqual([0, 20]);
    const [n] = await t.numbers(id);
    expect(n).toMatchObject({ status: 'failed', attempts: 2, lastStatus: 'busy' });
    const c = await t.campaign(id);
    expect(c.dateEnded!.getTime()).toBeLessThan(t0 + 30 * MIN);
  });

  it('while paused: the campaign becomes Canceled and its unfinished numbers failed', async () => {
    const t = await harness();
    const t0 = await t.now();
    const id = await t.createCampaign({
      numbers: [BUSY, COMPLETES],
      maxLive: 1,
      retries: { numberOfRetries: 1, intervalMins: 10 },
      endAtMs: t0 + 30 * MIN,
    });
    await t.env.sleep(5 * MIN);
    expect(await t.control(id, 'pause')).toMatchObject({ kind: 'applied', status: 'Paused' });
    expect(await t.result(id)).toMatchObject({ status: 'Canceled' });
    const numbers = await t.numbers(id);
    // The busy number's retry fell due while paused: failed at the end. Asleep for its retry it held
    // no slot, so the second number was dialled at once (maxLive 1) and completed before the pause.
    expect(numbers.map((n) => n.status)).toEqual(['failed', 'completed']);
    const c = await t.campaign(id);
    expect(seconds(c.dateEnded!.getTime() - (t0 + 30 * MIN))).toBeLessThanOrEqual(2);
  });
});

describe('§4.6 expiry', () => {
  it('cancels a campaign paused before start 30 days after it was paused', async () => {
    const t = await harness();
    const t0 = await t.now();
    const id = await t.createCampaign({ numbers: [COMPLETES], sendAtMs: t0 + 3600_000 });
    await t.env.sleep(10 * MIN);
    expect(await t.control(id, 'pause')).toMatchObject({ kind: 'applied', status: 'Paused' });
    const pausedAt = (await t.campaign(id)).pausedAt!.getTime();
    expect(await t.result(id)).toMatchObject({ status: 'Canceled' });
    const c = await t.campaign(id);
    expect(seconds(c.dateEnded!.getTime() - (pausedAt + 30 * 86_400_000))).toBeLessThanOrEqual(2);
    expect(c.dateStarted).toBeNull();
    expect((await t.numbers(id)).map((n) => n.status)).toEqual(['failed']);
    expect(t.dials).toEqual([]);
  });
});

describe('§4.1 pause and resume', () => {
  it('holds a retry that falls due while paused and dials it within seconds of resume', async () => {
    const t = await harness();
    const t0 = await t.now();
    const id = await t.createCampaign({
      numbers: [BUSY_THEN_COMPLETES],
      retries: { numberOfRetries: 1, intervalMins: 10 },
    });
    await t.env.sleep(5 * MIN);
    expect(await t.control(id, 'pause')).toMatchObject({ kind: 'applied', status: 'Paused' });
    await t.env.sleep(15 * MIN); // the retry fell due at +10 while paused
    expect(t.dials).toHaveLength(1);
    expect((await t.numbers(id))[0]).toMatchObject({ status: 'retry', attempts: 1 });
    const resumedAt = await t.now();
    expect(await t.control(id, 'resume')).toMatchObject({ kind: 'applied', status: 'InProgress' });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    expect(t.dials).toHaveLength(2);
    // Soon after resume, not a fresh 10-minute interval later.
    expect(t.dials[1]!.atMs - resumedAt).toBeLessThan(5000);
    expect(t.dials[1]!.atMs - t0).toBeGreaterThanOrEqual(20 * MIN);
    expect((await t.numbers(id))[0]).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('answers a repeated pause with no change, and rejects delete after start', async () => {
    const t = await harness();
    const id = await t.createCampaign({ numbers: [BUSY], retries: { numberOfRetries: 1, intervalMins: 30 } });
    await t.env.sleep(MIN);
    expect(await t.control(id, 'pause')).toMatchObject({ kind: 'applied', status: 'Paused' });
    expect(await t.control(id, 'pause')).toMatchObject({ kind: 'applied', status: 'Paused' });
    const del = await t.control(id, 'delete');
    expect(del).toMatchObject({ kind: 'conflict', status: 'Paused' });
  });

  it('complete drains: the live call settles, the never-dialled numbers become failed', async () => {
    const t = await harness({ silent: [COMPLETES] });
    const id = await t.createCampaign({ numbers: [COMPLETES, COMPLETES_2, COMPLETES_3], maxLive: 1 });
    await t.env.sleep(MIN);
    // complete is allowed from Paused (domain/campaign-transitions.ts): pause, then complete.
    expect(await t.control(id, 'complete')).toMatchObject({ kind: 'conflict', status: 'InProgress' });
    expect(await t.control(id, 'pause')).toMatchObject({ kind: 'applied', status: 'Paused' });
    expect(await t.control(id, 'complete')).toMatchObject({ kind: 'applied', status: 'Paused', closing: true });
    expect(await t.control(id, 'resume')).toMatchObject({ kind: 'conflict' });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    expect((await t.numbers(id)).map((n) => n.status)).toEqual(['completed', 'failed', 'failed']);
    expect(t.dials).toHaveLength(1);
  });
});

describe('§4.4 calling window', () => {
  const tz = 'Asia/Kolkata';

  it('defers a first attempt created at 22:00 to the next 10:30 plus 0–60 s of jitter', async () => {
    const t = await harness({ window: '10:30-21:00', timezone: tz });
    const tenPm = nextLocal(await t.now(), tz, 22, 0);
    await t.env.sleep(tenPm - (await t.now()));
    const id = await t.createCampaign({ numbers: [COMPLETES] });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    const opening = nextLocal(tenPm, tz, 10, 30);
    const late = t.dials[0]!.atMs - opening;
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThanOrEqual(62_000);
  });

  it('moves a retry that falls due after 21:00 to the next morning, across midnight', async () => {
    const t = await harness({ window: '10:30-21:00', timezone: tz });
    const at2055 = nextLocal(await t.now(), tz, 20, 55);
    await t.env.sleep(at2055 - (await t.now()));
    const id = await t.createCampaign({
      numbers: [BUSY_THEN_COMPLETES],
      retries: { numberOfRetries: 1, intervalMins: 10 },
    });
    await t.env.sleep(2 * MIN);
    const waiting = (await t.numbers(id))[0]!;
    expect(waiting.status).toBe('retry');
    const opening = nextLocal(at2055, tz, 10, 30);
    const jitter = waiting.nextAttemptAt!.getTime() - opening;
    expect(jitter).toBeGreaterThanOrEqual(0);
    expect(jitter).toBeLessThanOrEqual(60_000);
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    expect(t.dials).toHaveLength(2);
    expect(seconds(t.dials[1]!.atMs - waiting.nextAttemptAt!.getTime())).toBeLessThanOrEqual(1);
  });

  it('dials only on calling days', async () => {
    const t = await harness({ window: '00:00-24:00', timezone: 'UTC', days: [] });
    const id = await t.createCampaign({ numbers: [COMPLETES] });
    await t.env.sleep(3 * 86_400_000);
    expect(t.dials).toEqual([]);
    expect((await t.campaign(id)).status).toBe('InProgress');
    await t.control(id, 'pause');
    await t.control(id, 'complete');
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
  });
});

describe('§4.1 Failed', () => {
  it('ends Failed when every dial request was refused by the carrier', async () => {
    const t = await harness();
    const id = await t.createCampaign({ numbers: [REFUSED], retries: { numberOfRetries: 1, intervalMins: 1 } });
    expect(await t.result(id)).toMatchObject({ status: 'Failed' });
    expect((await t.numbers(id))[0]).toMatchObject({ status: 'failed', attempts: 2, reason: 'carrier_refused' });
  });
});
