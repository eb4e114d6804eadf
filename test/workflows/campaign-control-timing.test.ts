/**
 * SPEC §4.1, §4.6, §4.7 timer paths on the time-skipping server not in campaign-timing.test.ts (real activities and
 * database, fake carrier): the 30-day pause expiry and `end_at` over it, `end_at` and `complete` reaching a number
 * waiting for a retry, and `send_at` moved while paused or before start.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { campaignHarness, type Harness, type HarnessOptions } from '../support/campaign-harness';

const MIN = 60_000;
const DAY = 86_400_000;
/** Real time that may pass inside one step of a time-skipping test on a busy machine. */
const SLACK_MS = 5000;
const COMPLETES = '+919876543210';
const COMPLETES_2 = '+919876543211';
const BUSY = '+919876543216';
const COMPLETES_3 = '+919876543212';
const BUSY_THEN_COMPLETES = '+919876543219';

// Virtual days pass in seconds, but each step still waits for real activities on a shared machine.
vi.setConfig({ testTimeout: 180_000 });

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function harness(opts: HarnessOptions = {}) {
  h = await campaignHarness(opts);
  return h;
}

/** `actualMs` is at `expectedMs`, never before, at most SLACK_MS after. */
function near(actualMs: number, expectedMs: number) {
  const late = actualMs - expectedMs;
  expect(late, `${new Date(actualMs).toISOString()} vs ${new Date(expectedMs).toISOString()}`).toBeGreaterThanOrEqual(
    0,
  );
  expect(late).toBeLessThanOrEqual(SLACK_MS);
}

describe('§4.6 expiry of a campaign paused after start', () => {
  it('is Canceled 30 days after the pause; waiting and never-dialled numbers fail, none is dialled', async () => {
    // One live number at a time: a sleeping retry gives its slot back, a live call keeps it (the
    // silent number's call stays live for an hour, as its lookups report, then a lookup settles it).
    const t = await harness({ silent: [COMPLETES_2] });
    const id = await t.createCampaign({
      numbers: [BUSY, COMPLETES_2, COMPLETES],
      maxLive: 1,
      retries: { numberOfRetries: 1, intervalMins: 10 },
    });
    await t.env.sleep(5 * MIN);
    expect((await t.numbers(id)).map((n) => n.status)).toEqual(['retry', 'in-progress', 'pending']);
    expect(await t.control(id, 'pause')).toMatchObject({ kind: 'applied', status: 'Paused' });
    const paused = await t.campaign(id);
    expect(paused.dateStarted).not.toBeNull();
    await t.env.sleep(29 * DAY);
    expect((await t.campaign(id)).status).toBe('Paused');
    expect(await t.result(id)).toMatchObject({ status: 'Canceled' });
    const c = await t.campaign(id);
    near(c.dateEnded!.getTime(), paused.pausedAt!.getTime() + 30 * DAY);
    // The live call ran to its end while paused; the held retry and the never-dialled number failed.
    expect((await t.numbers(id)).map((n) => [n.status, n.attempts])).toEqual([
      ['failed', 1],
      ['completed', 1],
      ['failed', 0],
    ]);
    expect(t.dials.map((d) => d.to)).toEqual([BUSY, COMPLETES_2]);
  });

  it('a paused campaign with an end_at past the 30 days is canceled at end_at, not at 30 days', async () => {
    const t = await harness();
    const t0 = await t.now();
    const id = await t.createCampaign({
      numbers: [BUSY],
      retries: { numberOfRetries: 1, intervalMins: 10 },
      endAtMs: t0 + 40 * DAY,
    });
    await t.env.sleep(MIN);
    await t.control(id, 'pause');
    await t.env.sleep(31 * DAY);
    expect((await t.campaign(id)).status).toBe('Paused');
    expect(await t.result(id)).toMatchObject({ status: 'Canceled' });
    near((await t.campaign(id)).dateEnded!.getTime(), t0 + 40 * DAY);
    expect((await t.numbers(id))[0]).toMatchObject({ status: 'failed', attempts: 1 });
  });
});

describe('§4.6 end_at reaching a number that waits for a retry', () => {
  it('is Completed after end_at: waiting number failed, live call settled, never-dialled one canceled', async () => {
    const t = await harness({ silent: [COMPLETES_2] });
    const t0 = await t.now();
    // The retry is due an hour later; end_at is moved (while paused) to 30 minutes in.
    const id = await t.createCampaign({
      numbers: [BUSY, COMPLETES_2, COMPLETES],
      maxLive: 1,
      retries: { numberOfRetries: 1, intervalMins: 60 },
    });
    await t.env.sleep(5 * MIN);
    expect((await t.numbers(id)).map((n) => n.status)).toEqual(['retry', 'in-progress', 'pending']);
    await t.control(id, 'pause');
    expect(await t.control(id, null, { endAtMs: t0 + 30 * MIN }, ['schedule'])).toMatchObject({
      kind: 'applied',
      status: 'Paused',
    });
    expect(await t.control(id, 'resume')).toMatchObject({ kind: 'applied', status: 'InProgress' });
    await t.env.sleep(30 * MIN);
    // Past end_at the campaign drains: no new attempt, the status stays until the live call settles.
    const draining = await t.campaign(id);
    expect(draining).toMatchObject({ status: 'InProgress', closing: 'Completed' });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    const c = await t.campaign(id);
    expect(c.dateEnded!.getTime()).toBeGreaterThan(t0 + 30 * MIN);
    expect((await t.numbers(id)).map((n) => n.status)).toEqual(['failed', 'completed', 'canceled']);
    expect(t.dials.map((d) => d.to)).toEqual([BUSY, COMPLETES_2]);
  });
});

describe('§4.1 complete', () => {
  it('marks a number that waits for its retry failed, and keeps the outcome of the numbers already final', async () => {
    const t = await harness({ silent: [COMPLETES_2] });
    // One live number at a time: the silent call keeps the last number from starting.
    const id = await t.createCampaign({
      numbers: [COMPLETES, BUSY, COMPLETES_2, COMPLETES_3],
      maxLive: 1,
      retries: { numberOfRetries: 2, intervalMins: 30 },
    });
    await t.env.sleep(5 * MIN);
    expect((await t.numbers(id)).map((n) => n.status)).toEqual(['completed', 'retry', 'in-progress', 'pending']);
    expect(await t.control(id, 'pause')).toMatchObject({ kind: 'applied', status: 'Paused' });
    expect(await t.control(id, 'complete')).toMatchObject({ kind: 'applied', status: 'Paused', closing: true });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    expect((await t.numbers(id)).map((n) => [n.status, n.attempts])).toEqual([
      ['completed', 1],
      ['failed', 1],
      ['completed', 1],
      ['failed', 0],
    ]);
    // The dropped retry never went out, not even when its time came.
    await t.env.sleep(60 * MIN);
    expect(t.dials.map((d) => d.to)).toEqual([COMPLETES, BUSY, COMPLETES_2]);
  });
});

describe('§4.7 schedule changes', () => {
  it('a started campaign rolled to a later send_at while paused dials nothing before it once resumed', async () => {
    const t = await harness({ silent: [COMPLETES_2] });
    const t0 = await t.now();
    const id = await t.createCampaign({
      numbers: [BUSY_THEN_COMPLETES, COMPLETES_2, COMPLETES],
      maxLive: 1,
      retries: { numberOfRetries: 1, intervalMins: 10 },
    });
    await t.env.sleep(5 * MIN);
    expect((await t.numbers(id)).map((n) => n.status)).toEqual(['retry', 'in-progress', 'pending']);
    await t.control(id, 'pause');
    const sendAtMs = t0 + 2 * DAY;
    expect(await t.control(id, null, { sendAtMs }, ['schedule'])).toMatchObject({ kind: 'applied', status: 'Paused' });
    expect(await t.control(id, 'resume')).toMatchObject({ kind: 'applied', status: 'InProgress' });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    expect(t.dials.map((d) => d.to)).toEqual([
      BUSY_THEN_COMPLETES,
      COMPLETES_2,
      expect.any(String),
      expect.any(String),
    ]);
    // The held retry and the never-dialled number both wait for the new send_at.
    for (const d of t.dials.slice(2)) expect(d.atMs).toBeGreaterThanOrEqual(sendAtMs);
    expect((await t.numbers(id)).map((n) => n.status)).toEqual(['completed', 'completed', 'completed']);
  });

  it.each([
    ['earlier', 5, 2],
    ['later', 5, 9],
  ])('a send_at moved %s before start re-arms the start timer', async (_, firstHours, movedHours) => {
    const t = await harness();
    const t0 = await t.now();
    const id = await t.createCampaign({ numbers: [COMPLETES], sendAtMs: t0 + firstHours * 3600_000 });
    await t.env.sleep(MIN);
    const sendAtMs = t0 + movedHours * 3600_000;
    expect(await t.control(id, null, { sendAtMs }, ['schedule'])).toMatchObject({ kind: 'applied', status: 'Created' });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    near((await t.campaign(id)).dateStarted!.getTime(), sendAtMs);
    near(t.dials[0]!.atMs, sendAtMs);
  });
});
