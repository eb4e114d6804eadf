/**
 * SPEC §4.4 (ext) the recipient-local calling window on the time-skipping server with the real activities and
 * database (only the carrier is fake): an Indian (1 zone), a US (29 zones) and an Australian (13 zones) number, from
 * the night New York's clocks go back; every dial inside the window of every zone of its country, to the minute,
 * and the US retry where only the new (EST) offsets keep it open.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { zonesOfCountry } from '../../domain/recipient-window';
import { wallClock } from '../../domain/time';
import { campaignHarness, type Harness } from '../support/campaign-harness';
import { nextDstTransition } from '../support/wall-clock';

const MIN = 60_000;
/** Jitter (0–60 s) plus real time that may pass inside one step on a busy machine. */
const LATE_MS = 60_000 + 5_000;
const WINDOW = { from: 9 * 60, to: 21 * 60 };
// Last digit 6: always busy, so each number makes its first attempt and its one retry.
const IN = '+919876543216';
const US = '+12127360106';
const AU = '+61291234566';
const COUNTRY: Record<string, string> = { [IN]: 'IN', [US]: 'US', [AU]: 'AU' };

vi.setConfig({ testTimeout: 180_000 });

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Expects `atMs` at `expectedMs`, never before it, and within the jitter and slack after. */
function at(label: string, atMs: number | undefined, expectedMs: number) {
  expect(atMs, label).toBeDefined();
  const late = atMs! - expectedMs;
  const shown = `${label}: ${new Date(atMs!).toISOString()} vs ${new Date(expectedMs).toISOString()}`;
  expect(late, shown).toBeGreaterThanOrEqual(0);
  expect(late, shown).toBeLessThanOrEqual(LATE_MS);
}

/** The window 09:00-21:00 is open at `atMs` on the wall clock of every zone of `country`. */
function insideEveryZone(country: string, atMs: number) {
  const zones = zonesOfCountry(country);
  expect(zones.length).toBeGreaterThan(0);
  for (const zone of zones) {
    const w = wallClock(new Date(atMs), zone);
    const minute = w.hour * 60 + w.minute;
    expect(minute >= WINDOW.from && minute < WINDOW.to, `${new Date(atMs).toISOString()} in ${zone}`).toBe(true);
  }
}

describe('§4.4 (ext) each number is dialled inside its own local window, across a DST change', () => {
  it('dials an Indian, a US and an Australian number of one campaign at their own openings', async () => {
    h = await campaignHarness({ window: '09:00-21:00', timezone: 'Asia/Kolkata', recipientLocalTime: true });
    const change = nextDstTransition(await h.now(), 'America/New_York', 'back');
    const sunday = new Date(change.atMs);
    expect(sunday.getUTCDay()).toBe(0);
    const utc = (day: number, hh: number, mm: number) =>
      Date.UTC(sunday.getUTCFullYear(), sunday.getUTCMonth(), sunday.getUTCDate() + day, hh, mm);
    // 01:30 UTC: Saturday 21:30 EDT in New York (closed), 07:00 in Kolkata (closed), 12:30 AEDT in
    // Sydney and 09:30 in Perth (open).
    const start = utc(0, 1, 30);
    await h.env.sleep(start - (await h.now()));
    const id = await h.createCampaign({ numbers: [IN, US, AU], retries: { numberOfRetries: 1, intervalMins: 390 } });
    expect(await h.result(id)).toMatchObject({ status: 'Completed' });

    const of = (n: string) => h!.dials.filter((d) => d.to === n).map((d) => d.atMs);
    for (const n of [IN, US, AU]) {
      expect(of(n), n).toHaveLength(2);
      for (const t of of(n)) insideEveryZone(COUNTRY[n]!, t);
    }
    // Australia: open at once; its retry 6.5 h later (08:00 UTC, 19:00 in Sydney) is still inside.
    at('AU first', of(AU)[0], start);
    at('AU retry', of(AU)[1], of(AU)[0]! + 390 * MIN);
    expect(of(AU)[0]! - start).toBeLessThan(5_000);
    // India: 09:00 IST is 03:30 UTC; its retry (15:30 IST) is inside.
    at('IN first', of(IN)[0], utc(0, 3, 30));
    at('IN retry', of(IN)[1], of(IN)[0]! + 390 * MIN);
    // US: 09:00 in Honolulu (and, after the change, Adak) is 19:00 UTC. The retry falls due at
    // 01:30 UTC on Monday: 20:30 EST in New York, open now that clocks went back (21:30 under EDT).
    at('US first', of(US)[0], utc(0, 19, 0));
    at('US retry', of(US)[1], of(US)[0]! + 390 * MIN);
    expect(of(US)[1]! < utc(1, 2, 0)).toBe(true);
  });

  it('fails a number whose zones share no window (no_window) without dialling it', async () => {
    // 08:00-12:00 in every US zone at once: New York's noon is before Honolulu's 08:00.
    h = await campaignHarness({ window: '08:00-12:00', timezone: 'Asia/Kolkata', recipientLocalTime: true });
    const id = await h.createCampaign({ numbers: [US, '+919876543210'] });
    expect(await h.result(id)).toMatchObject({ status: 'Completed' });
    const numbers = await h.numbers(id);
    expect(numbers.find((n) => n.number === US)).toMatchObject({ status: 'failed', reason: 'no_window', attempts: 0 });
    expect(h.dials.map((d) => d.to)).toEqual(['+919876543210']);
  });
});
