/**
 * SPEC §7 "every attempt is settled — in minutes": when an attempt whose outcome did not come is
 * looked up (domain/settle-ladder.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  afterLookup,
  firstLookup,
  MAX_LOOKUP_GAP_MS,
  UNKNOWN_AFTER_MS,
  type LadderState,
  type LookupSeen,
} from '../../domain/settle-ladder';

/** Instants of the lookups (ms after the dial) while the carrier keeps answering `seen`, until it gives up. */
function lookupTimes(start: LadderState, answers: (i: number) => LookupSeen, max = 40): number[] | 'unknown' {
  let t = 0;
  let s = start;
  const times: number[] = [];
  for (let i = 0; i < max; i++) {
    t += s.waitMs;
    times.push(t);
    const next = afterLookup(s, answers(i), t);
    if (next.kind === 'unknown') return times;
    s = next.state;
  }
  return times;
}

describe('§7 settlement ladder', () => {
  it('looks a dial of unknown fate up within a minute', () => {
    expect(firstLookup('ambiguous', 30_000).waitMs).toBeLessThanOrEqual(60_000);
  });

  it('looks up a call whose callback does not come at ring_timeout_s + 1 minute', () => {
    expect(firstLookup('accepted', 45_000).waitMs).toBe(105_000);
  });

  it('gives up on a call the carrier does not know after 30 minutes of lookups, at least every 5 minutes', () => {
    const times = lookupTimes(firstLookup('ambiguous', 30_000), () => 'not_found') as number[];
    expect(times.slice(0, 5)).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(MAX_LOOKUP_GAP_MS);
    // The last lookup is the one 30 minutes after the first that missed the call.
    expect(times[times.length - 1]! - times[0]!).toBe(UNKNOWN_AFTER_MS);
  });

  it('keeps looking while the carrier reports the call live, every minute growing to every 5 minutes', () => {
    const times = lookupTimes(firstLookup('accepted', 30_000), () => 'live', 10) as number[];
    expect(times.slice(0, 5)).toEqual([90_000, 150_000, 270_000, 510_000, 810_000]);
    expect(times).toHaveLength(10); // never gives up on a live call
  });

  it('never gives up while the lookup itself fails, and does not count failures as "not found"', () => {
    const errors = lookupTimes(firstLookup('ambiguous', 30_000), () => 'error', 20) as number[];
    expect(errors).toHaveLength(20);
    // Not found, then the carrier is unreachable for a while: the 30 minutes run from the first miss.
    const mixed = lookupTimes(firstLookup('ambiguous', 30_000), (i) => (i === 0 ? 'not_found' : 'error'), 30);
    expect(mixed).toHaveLength(30);
  });

  it('starts the ladder again when a call not found turns up live', () => {
    let s = firstLookup('ambiguous', 30_000);
    const missed = afterLookup(s, 'not_found', 30_000);
    if (missed.kind !== 'again') throw new Error('expected another lookup');
    s = missed.state;
    const live = afterLookup(s, 'live', 60_000);
    expect(live).toEqual({ kind: 'again', state: { waitMs: 60_000, missingSinceMs: null, last: 'live' } });
  });
});
