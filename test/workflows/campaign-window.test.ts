/**
 * ARCHITECTURE "a child waiting hours for a retry must not hold a dialling slot", on the
 * time-skipping server with the real activities and database (only the carrier is fake): numbers
 * asleep until a retry give their slot back, so first attempts keep flowing; a pause hands every
 * number back (those woken during it included) and resume restarts them all, with exact stats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { campaignWorkflowId } from '../../domain/ids';
import type { CampaignStatusOutput } from '../../workflows/definitions';
import { campaignHarness, type Harness } from '../support/campaign-harness';

const MIN = 60_000;
/** Six distinct numbers the fake carrier answers busy on the first attempt and completes after (…9). */
const BUSY_THEN_COMPLETES = Array.from({ length: 6 }, (_, i) => `+91987654${String(3009 + i * 10)}`);

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const status = (t: Harness, id: string) =>
  t.env.client.workflow.getHandle(campaignWorkflowId(id)).query<CampaignStatusOutput>('status');

describe('the window counts numbers asleep for a retry as free slots', () => {
  it('dials every first attempt before the first retry is due, with two slots for six numbers', async () => {
    h = await campaignHarness();
    const t = h;
    const t0 = await t.now();
    const id = await t.createCampaign({
      numbers: BUSY_THEN_COMPLETES,
      maxLive: 2,
      retries: { numberOfRetries: 1, intervalMins: 30 },
    });
    await t.env.sleep(5 * MIN);
    // All six were dialled within the first minutes and now sleep, holding no slot.
    expect(t.dials.map((d) => d.attempt)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Math.max(...t.dials.map((d) => d.atMs - t0))).toBeLessThan(MIN);
    expect(await status(t, id)).toMatchObject({ live: 0, sleeping: 6, exhausted: true });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    const retries = t.dials.filter((d) => d.attempt === 2);
    expect(retries).toHaveLength(6);
    // Each retry went out 30 minutes after its first attempt, not behind a queue of sleepers.
    for (const r of retries) {
      const first = t.dials.find((d) => d.to === r.to && d.attempt === 1)!;
      expect(Math.round((r.atMs - first.atMs) / MIN)).toBe(30);
    }
    expect((await t.numbers(id)).map((n) => n.status)).toEqual(Array(6).fill('completed'));
  });

  it('hands back the numbers woken while paused and restarts every one on resume', async () => {
    h = await campaignHarness();
    const t = h;
    const id = await t.createCampaign({
      numbers: BUSY_THEN_COMPLETES,
      maxLive: 2,
      retries: { numberOfRetries: 1, intervalMins: 10 },
    });
    await t.env.sleep(3 * MIN);
    expect(await t.control(id, 'pause')).toMatchObject({ kind: 'applied', status: 'Paused' });
    await t.env.sleep(20 * MIN); // every retry fell due while paused
    expect(t.dials).toHaveLength(6);
    expect(await status(t, id)).toMatchObject({ live: 0, sleeping: 0, retrying: 0, held: 6 });
    const held = await t.database.db.$client<
      { n: number }[]
    >`select count(*)::int as n from campaign_numbers where campaign_id = ${id} and held_attempt = 2`;
    expect(held[0]!.n).toBe(6);
    const resumedAt = await t.now();
    expect(await t.control(id, 'resume')).toMatchObject({ kind: 'applied', status: 'InProgress' });
    expect(await t.result(id)).toMatchObject({ status: 'Completed' });
    const retries = t.dials.filter((d) => d.attempt === 2);
    expect(retries).toHaveLength(6);
    // Two slots: the six restarts go out in three rounds of immediate calls, all within seconds.
    expect(Math.max(...retries.map((r) => r.atMs - resumedAt))).toBeLessThan(10_000);
    const numbers = await t.numbers(id);
    expect(numbers.map((n) => [n.status, n.attempts, n.heldAttempt])).toEqual(Array(6).fill(['completed', 2, null]));
  });
});
