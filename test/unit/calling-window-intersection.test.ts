/**
 * SPEC §4.4 (ext) `intersectionOf` (`domain/calling-window.ts`) against the zones' own windows at instants over both
 * DST changes of New York and Lord Howe: open exactly when every zone is, closing when one closes, opening at the first
 * instant open in all, `no window` only when none is.
 */
import { describe, expect, it } from 'vitest';
import {
  callingWindow,
  intersectionOf,
  INTERSECTION_HORIZON_MS,
  windowState,
  type CallingWindow,
} from '../../domain/calling-window';

const ALL = [1, 2, 3, 4, 5, 6, 7];
const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('§4.4 (ext) the intersection agrees with its zones (property check)', () => {
  const zones = ['America/New_York', 'Pacific/Honolulu', 'Australia/Lord_Howe', 'Asia/Kolkata'];
  const texts = ['10:30-21:00', '22:00-06:00', '00:00-24:00', '09:00-17:00'];
  const daySets = [ALL, [1, 3, 5]];
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const start = at('2024-03-01T00:00Z');
  const instants = Array.from({ length: 16 }, () => start + Math.floor((rand() * 250 * 86_400_000) / MIN) * MIN);
  // Every edge here (windows, offsets: Lord Howe +10:30/+11, Kolkata +5:30) is on a half hour, so a
  // scan of the half hours after `t` sees every stretch that is open in all.
  const STEP = 30 * MIN;
  const halfHoursFrom = (t: number, until: number) => {
    const out = [t];
    for (let u = Math.ceil(t / STEP) * STEP; u < until; u += STEP) out.push(u);
    return out;
  };

  it.each(texts)('%s', (text) => {
    for (const days of daySets) {
      for (const pair of [zones.slice(0, 2), zones.slice(1, 3), zones]) {
        const parts = pair.map((z) => callingWindow(text, z, days));
        const cw = intersectionOf(parts);
        const openInAll = (t: number) => parts.every((p) => windowState(p, t).open);
        for (const t of instants) {
          const s = windowState(cw, t);
          const label = `${pair.join('+')} ${text} ${days.join('')} at ${iso(t)}`;
          expect(s.open, label).toBe(openInAll(t));
          if (s.open && s.closesAtMs !== null) {
            expect(openInAll(s.closesAtMs - MIN), `${label}: minute before closing`).toBe(true);
            // The intersection closes when one of its zones does.
            const closesThen = (p: CallingWindow) => {
              const ps = windowState(p, t);
              return ps.open && ps.closesAtMs === s.closesAtMs;
            };
            expect(parts.some(closesThen), `${label}: closing`).toBe(true);
          }
          if (!s.open && s.nextOpenMs !== null) {
            expect(s.nextOpenMs, label).toBeGreaterThan(t);
            expect(openInAll(s.nextOpenMs), `${label}: opening`).toBe(true);
            // Nothing open in all before it.
            for (const u of halfHoursFrom(t, s.nextOpenMs)) expect(openInAll(u), `${label}: ${iso(u)}`).toBe(false);
            expect(openInAll(s.nextOpenMs - MIN), `${label}: minute before opening`).toBe(false);
          }
          if (!s.open && s.nextOpenMs === null) {
            for (const u of halfHoursFrom(t, t + INTERSECTION_HORIZON_MS)) expect(openInAll(u), label).toBe(false);
          }
        }
      }
    }
  });
});

describe('§4.4 (ext) intersectionOf', () => {
  it('is the zone itself for one zone, and refuses none', () => {
    const kolkata = callingWindow('10:30-21:00', 'Asia/Kolkata', ALL);
    expect(intersectionOf([kolkata])).toBe(kolkata);
    expect(() => intersectionOf([])).toThrow(/no zones/);
  });

  it('is always open when every zone is, and closes with the first zone to close', () => {
    const always = intersectionOf([
      callingWindow('00:00-24:00', 'UTC', ALL),
      callingWindow('00:00-24:00', 'Asia/Tokyo', ALL),
    ]);
    expect(windowState(always, at('2024-01-15T12:00:00Z'))).toEqual({ open: true, closesAtMs: null });
    const mixed = intersectionOf([
      callingWindow('00:00-24:00', 'UTC', ALL),
      callingWindow('09:00-17:00', 'Asia/Tokyo', ALL),
    ]);
    expect(windowState(mixed, at('2024-01-15T01:00:00Z'))).toEqual({
      open: true,
      closesAtMs: at('2024-01-15T08:00:00Z'),
    });
  });
});
