/**
 * SPEC §4.4 calling window on the time-skipping server with the real activities and database (fake carrier): retry
 * timing across a boundary to the second, jitter bounds, windows crossing midnight, the re-check before a dial, New
 * York's DST changes, and replay that does not depend on the worker's tz data.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eq } from 'drizzle-orm';
import { Worker } from '@temporalio/worker';
import { accounts } from '../../db/schema';
import { campaignWorkflowId, numberWorkflowId } from '../../domain/ids';
import { campaignHarness, type Harness, type HarnessOptions } from '../support/campaign-harness';
import { workflowBundle } from '../support/workflow-env';
import { DAY_MS, nextDstTransition, nextLocal } from '../support/wall-clock';

const MIN = 60_000;
const JITTER_MAX = 60_000;
/** Real time that may pass inside one step of a time-skipping test on a busy machine. */
const SLACK_MS = 5000;
const BUSY = '+919876543216';
const BUSY_THEN_COMPLETES = '+919876543219';
const COMPLETES = '+919876543210';

// Virtual days pass in seconds, but each step still waits for real activities on a shared machine.
vi.setConfig({ testTimeout: 180_000 });

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function harness(opts: HarnessOptions) {
  h = await campaignHarness(opts);
  return h;
}

async function skipTo(t: Harness, atMs: number) {
  await t.env.sleep(Math.max(0, atMs - (await t.now())));
}

/** Expects `atMs` to be at `openingMs` plus a jitter of 0–60 s. */
function expectJittered(atMs: number, openingMs: number) {
  const late = atMs - openingMs;
  expect(
    late,
    `${new Date(atMs).toISOString()} vs opening ${new Date(openingMs).toISOString()}`,
  ).toBeGreaterThanOrEqual(0);
  expect(late).toBeLessThanOrEqual(JITTER_MAX + SLACK_MS);
}

/**
 * Expects `actualMs` at `expectedMs`, never before it, and at most `slackMs` after: the
 * time-skipping server lets real time run while activities work, so a step can land a little late.
 */
function near(actualMs: number, expectedMs: number, slackMs = SLACK_MS) {
  const late = actualMs - expectedMs;
  expect(late, `${new Date(actualMs).toISOString()} vs ${new Date(expectedMs).toISOString()}`).toBeGreaterThanOrEqual(
    0,
  );
  expect(late, `${new Date(actualMs).toISOString()} vs ${new Date(expectedMs).toISOString()}`).toBeLessThanOrEqual(
    slackMs,
  );
}

describe('§4.3/§4.4 retry timing across a window boundary (Asia/Kolkata 10:30-21:00)', () => {
  const tz = 'Asia/Kolkata';

  it('keeps a retry due in the window to the second; one due at the close waits for the next opening', async () => {
    const t = await harness({ window: '10:30-21:00', timezone: tz });
    const at2030 = nextLocal(await t.now(), tz, 20, 30);
    await skipTo(t, at2030);
    const id = await t.createCampaign({ numbers: [BUSY], retries: { numberOfRetries: 3, intervalMins: 15 } });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    const at = t.dials.map((d) => d.atMs);
    expect(at).toHaveLength(4);
    near(at[0]!, at2030);
    // +15 min: 20:45, inside the window, exactly the interval after the settle.
    near(at[1]! - at[0]!, 15 * MIN);
    // Due 21:00:00 — the window is closed from 21:00 on — so the next morning's 10:30 plus jitter.
    expectJittered(at[2]!, nextLocal(at2030, tz, 10, 30));
    // And the interval again from that settle, inside the window.
    near(at[3]! - at[2]!, 15 * MIN);
    expect((await t.numbers(id))[0]).toMatchObject({ status: 'failed', attempts: 4, lastStatus: 'busy' });
  });

  it('spreads retries moved to the same opening over 0–60 s, each number with its own jitter', async () => {
    const t = await harness({ window: '10:30-21:00', timezone: tz });
    const at2055 = nextLocal(await t.now(), tz, 20, 55);
    await skipTo(t, at2055);
    // Twelve busy numbers (last digit 6), each retried 10 minutes later: at 21:05, outside.
    const numbers = Array.from({ length: 12 }, (_, i) => `+91987654${String(i).padStart(2, '0')}06`);
    const id = await t.createCampaign({ numbers, retries: { numberOfRetries: 1, intervalMins: 10 } });
    await t.env.sleep(5 * MIN);
    const waiting = await t.numbers(id);
    expect(waiting.map((n) => n.status)).toEqual(numbers.map(() => 'retry'));
    const opening = nextLocal(at2055, tz, 10, 30);
    const jitters = waiting.map((n) => n.nextAttemptAt!.getTime() - opening);
    for (const j of jitters) {
      expect(j).toBeGreaterThanOrEqual(0);
      expect(j).toBeLessThanOrEqual(JITTER_MAX);
    }
    // Not one instant for everyone: the herd is spread.
    expect(new Set(jitters).size).toBeGreaterThanOrEqual(6);
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    // Each retry went out at its own due time.
    for (const n of waiting) {
      const retry = t.dials.find((d) => d.to === n.number && d.attempt === 2)!;
      near(retry.atMs, n.nextAttemptAt!.getTime());
    }
  });
});

describe('§4.1/§4.6 end_at before any window opened', () => {
  it('ends Completed at end_at without a dial, every number canceled', async () => {
    const tz = 'Asia/Kolkata';
    const t = await harness({ window: '10:30-21:00', timezone: tz });
    const tenPm = nextLocal(await t.now(), tz, 22, 0);
    await skipTo(t, tenPm);
    const id = await t.createCampaign({ numbers: [COMPLETES, BUSY], endAtMs: tenPm + 60 * MIN });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    near((await t.campaign(id)).dateEnded!.getTime(), tenPm + 60 * MIN);
    expect((await t.numbers(id)).map((n) => n.status)).toEqual(['canceled', 'canceled']);
    expect(t.dials).toEqual([]);
  });
});

describe('§4.4 a window that crosses midnight (UTC 22:00-06:00)', () => {
  it('defers a first attempt to 22:00 plus jitter, and a retry due at 06:05 to the next 22:00', async () => {
    const t = await harness({ window: '22:00-06:00', timezone: 'UTC' });
    const noon = nextLocal(await t.now(), 'UTC', 12, 0);
    await skipTo(t, noon);
    const first = await t.createCampaign({ numbers: [COMPLETES] });
    expect(await t.result(first)).toMatchObject({ status: 'Completed' });
    expectJittered(t.dials[0]!.atMs, nextLocal(noon, 'UTC', 22, 0));

    const at0550 = nextLocal(await t.now(), 'UTC', 5, 50);
    await skipTo(t, at0550);
    const id = await t.createCampaign({
      numbers: [BUSY_THEN_COMPLETES],
      retries: { numberOfRetries: 1, intervalMins: 15 },
    });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    const mine = t.dials.filter((d) => d.to === BUSY_THEN_COMPLETES);
    near(mine[0]!.atMs, at0550);
    expectJittered(mine[1]!.atMs, nextLocal(at0550, 'UTC', 22, 0));
    expect((await t.numbers(id))[0]).toMatchObject({ status: 'completed', attempts: 2 });
  });
});

describe('§4.4 the window is checked again immediately before each dial', () => {
  it('a retry scheduled inside the window waits when an operator narrows the window before it is due', async () => {
    const tz = 'Asia/Kolkata';
    const t = await harness({ window: '10:30-21:00', timezone: tz });
    const at2030 = nextLocal(await t.now(), tz, 20, 30);
    await skipTo(t, at2030);
    const id = await t.createCampaign({
      numbers: [BUSY_THEN_COMPLETES],
      retries: { numberOfRetries: 1, intervalMins: 15 },
    });
    await t.env.sleep(5 * MIN);
    const waiting = (await t.numbers(id))[0]!;
    expect(waiting.status).toBe('retry');
    near(waiting.nextAttemptAt!.getTime(), at2030 + 15 * MIN);
    // The window now closes at 20:40: the retry due at 20:45 must not go out tonight.
    const { accountSid } = await t.campaign(id);
    await t.database.db.update(accounts).set({ callingWindow: '10:30-20:40' }).where(eq(accounts.sid, accountSid));
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    expect(t.dials).toHaveLength(2);
    expectJittered(t.dials[1]!.atMs, nextLocal(at2030, tz, 10, 30));
  });
});

describe('§4.4 DST follows the IANA database (America/New_York 09:00-17:00)', () => {
  const tz = 'America/New_York';

  it.each([
    ['forward', 13],
    ['back', 14],
  ] as const)(
    'a retry due after 17:00 on the Saturday before clocks go %s opens at 09:00 local on Sunday (%i:00 UTC)',
    async (direction, utcHour) => {
      const t = await harness({ window: '09:00-17:00', timezone: tz });
      const change = nextDstTransition(await t.now(), tz, direction);
      const sunday = new Date(change.atMs);
      expect(sunday.getUTCDay()).toBe(0);
      const saturday1650 = nextLocal(change.atMs - 2 * DAY_MS, tz, 16, 50, 6);
      await skipTo(t, saturday1650);
      const id = await t.createCampaign({
        numbers: [BUSY_THEN_COMPLETES],
        retries: { numberOfRetries: 1, intervalMins: 20 },
      });
      expect(await t.result(id)).toMatchObject({ status: 'Completed' });
      const opening = Date.UTC(sunday.getUTCFullYear(), sunday.getUTCMonth(), sunday.getUTCDate(), utcHour, 0);
      expect(t.dials).toHaveLength(2);
      expectJittered(t.dials[1]!.atMs, opening);
    },
  );
});

describe('§4.4 replay safety', () => {
  it('replays the histories of a window-deferred campaign and its number without a nondeterminism error', async () => {
    const tz = 'Asia/Kolkata';
    const t = await harness({ window: '10:30-21:00', timezone: tz });
    await skipTo(t, nextLocal(await t.now(), tz, 22, 0));
    const id = await t.createCampaign({
      numbers: [BUSY_THEN_COMPLETES],
      retries: { numberOfRetries: 1, intervalMins: 10 },
    });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    const bundle = await workflowBundle();
    for (const workflowId of [campaignWorkflowId(id), numberWorkflowId(id, 0)]) {
      const history = await t.env.client.workflow.getHandle(workflowId).fetchHistory();
      // The window boundaries are in the history as activity results; replay never recomputes them.
      await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId)).resolves.toBeUndefined();
    }
  });
});
