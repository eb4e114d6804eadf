import { describe, expect, it } from 'vitest';
import { formatInstant, offsetMinutes, wallClock } from '../../domain/time';

/** The definition formatInstant's per-hour offset cache must agree with, second by second. */
function reference(at: Date, zone: string): string {
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const w = wallClock(at, zone);
  const off = offsetMinutes(at, zone);
  const offset = `${off < 0 ? '-' : '+'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
  return `${p(w.year, 4)}-${p(w.month)}-${p(w.day)}T${p(w.hour)}:${p(w.minute)}:${p(w.second)}${offset}`;
}

describe('formatInstant keeps the exact offset across transitions', () => {
  it.each([
    ['America/New_York', '2024-03-10T06:59:59Z', '2024-03-10T01:59:59-05:00'],
    ['America/New_York', '2024-03-10T07:00:00Z', '2024-03-10T03:00:00-04:00'],
    ['America/New_York', '2024-11-03T05:59:59Z', '2024-11-03T01:59:59-04:00'],
    ['America/New_York', '2024-11-03T06:00:00Z', '2024-11-03T01:00:00-05:00'],
    ['Australia/Lord_Howe', '2024-04-06T14:59:59Z', '2024-04-07T01:59:59+11:00'],
    ['Australia/Lord_Howe', '2024-04-06T15:00:00Z', '2024-04-07T01:30:00+10:30'],
    ['Asia/Kolkata', '2024-01-15T03:30:00.999Z', '2024-01-15T09:00:00+05:30'],
  ])('%s at %s is %s', (zone, iso, want) => {
    expect(formatInstant(new Date(iso), zone)).toBe(want);
  });

  it('agrees with wall clock and offset every 37 s through the hours around a transition', () => {
    for (const [zone, iso] of [
      ['America/New_York', '2024-11-03T04:00:00Z'],
      ['Europe/London', '2024-03-31T00:00:00Z'],
      ['Australia/Lord_Howe', '2024-10-05T14:00:00Z'],
    ] as const) {
      for (let t = Date.parse(iso); t < Date.parse(iso) + 4 * 3_600_000; t += 37_000) {
        expect(formatInstant(new Date(t), zone)).toBe(reference(new Date(t), zone));
      }
    }
  });
});
