import { describe, expect, it } from 'vitest';
import { callingWindow, deferToWindow, windowState, zonedInstant } from '../../domain/calling-window';

const ALL = [1, 2, 3, 4, 5, 6, 7];
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('§4.4 calling window [C-10]', () => {
  const kolkata = callingWindow('10:30-21:00', 'Asia/Kolkata', ALL);

  it.each([
    // instant (UTC)              open?  next opening / closing (UTC)
    ['2024-01-15T05:00:00Z', true, '2024-01-15T15:30:00.000Z'], // 10:30 IST exactly
    ['2024-01-15T04:59:59Z', false, '2024-01-15T05:00:00.000Z'], // 10:29:59 IST
    ['2024-01-15T15:29:59Z', true, '2024-01-15T15:30:00.000Z'], // 20:59:59 IST
    ['2024-01-15T15:30:00Z', false, '2024-01-16T05:00:00.000Z'], // 21:00 IST: closed until tomorrow
    ['2024-01-15T20:00:00Z', false, '2024-01-16T05:00:00.000Z'], // 01:30 IST next day
  ])('Asia/Kolkata 10:30-21:00 at %s: open=%s, boundary %s', (instant, open, boundary) => {
    const s = windowState(kolkata, at(instant));
    expect(s.open).toBe(open);
    expect(iso(s.open ? s.closesAtMs : s.nextOpenMs)).toBe(boundary);
  });

  it('handles a window that crosses midnight, belonging to the day it opens', () => {
    const night = callingWindow('22:00-06:00', 'UTC', ALL);
    expect(windowState(night, at('2024-01-15T23:00:00Z'))).toEqual({ open: true, closesAtMs: at('2024-01-16T06:00:00Z') });
    expect(windowState(night, at('2024-01-16T05:59:59Z'))).toEqual({ open: true, closesAtMs: at('2024-01-16T06:00:00Z') });
    expect(windowState(night, at('2024-01-16T06:00:00Z'))).toEqual({ open: false, nextOpenMs: at('2024-01-16T22:00:00Z') });
  });

  it('a cross-midnight window opened on a non-calling day stays closed after midnight', () => {
    // 2024-01-14 is a Sunday (7); calling days Monday..Saturday.
    const night = callingWindow('22:00-06:00', 'UTC', [1, 2, 3, 4, 5, 6]);
    expect(windowState(night, at('2024-01-15T02:00:00Z'))).toEqual({ open: false, nextOpenMs: at('2024-01-15T22:00:00Z') });
    expect(windowState(night, at('2024-01-16T02:00:00Z')).open).toBe(true);
  });

  it('00:00-24:00 on every day is always open', () => {
    expect(windowState(callingWindow('00:00-24:00', 'Asia/Kolkata', ALL), at('2024-01-15T18:29:59Z'))).toEqual({ open: true, closesAtMs: null });
  });

  it('skips days that are not calling days', () => {
    const weekdays = callingWindow('09:00-17:00', 'Europe/London', [1, 2, 3, 4, 5]);
    // Friday 2024-01-19 17:00 GMT → next opening Monday 09:00.
    expect(windowState(weekdays, at('2024-01-19T17:00:00Z'))).toEqual({ open: false, nextOpenMs: at('2024-01-22T09:00:00Z') });
    // 00:00-24:00 with weekdays only: Saturday is closed until Monday midnight.
    const allDay = callingWindow('00:00-24:00', 'UTC', [1, 2, 3, 4, 5]);
    expect(windowState(allDay, at('2024-01-20T12:00:00Z'))).toEqual({ open: false, nextOpenMs: at('2024-01-22T00:00:00Z') });
    expect(windowState(allDay, at('2024-01-19T12:00:00Z'))).toEqual({ open: true, closesAtMs: at('2024-01-20T00:00:00Z') });
  });

  it('has no next opening when no day is a calling day', () => {
    expect(windowState(callingWindow('09:00-17:00', 'UTC', []), at('2024-01-19T12:00:00Z'))).toEqual({ open: false, nextOpenMs: null });
  });

  describe('across DST (America/New_York, 2024-03-10 and 2024-11-03)', () => {
    const ny = callingWindow('09:00-17:00', 'America/New_York', ALL);
    it('opens at 09:00 local on the day clocks go forward (13:00Z, not 14:00Z)', () => {
      expect(windowState(ny, at('2024-03-10T12:00:00Z'))).toEqual({ open: false, nextOpenMs: at('2024-03-10T13:00:00Z') });
    });
    it('opens at 09:00 local the day before (14:00Z, EST)', () => {
      expect(windowState(ny, at('2024-03-09T13:30:00Z'))).toEqual({ open: false, nextOpenMs: at('2024-03-09T14:00:00Z') });
    });
    it('closes at 17:00 local on the day clocks go back (22:00Z, EST)', () => {
      expect(windowState(ny, at('2024-11-03T21:59:00Z'))).toEqual({ open: true, closesAtMs: at('2024-11-03T22:00:00Z') });
    });
    it('maps a wall time inside the spring-forward gap to the instant after it', () => {
      expect(iso(zonedInstant(2024, 3, 10, 150, 'America/New_York'))).toBe('2024-03-10T07:30:00.000Z');
    });
    it('a 24-hour window on the 23-hour day closes at the next local midnight', () => {
      const day = callingWindow('00:00-24:00', 'America/New_York', [7]); // 2024-03-10 is a Sunday
      expect(windowState(day, at('2024-03-10T12:00:00Z'))).toEqual({ open: true, closesAtMs: at('2024-03-11T04:00:00Z') });
    });
  });

  describe('deferral with jitter', () => {
    it('leaves work due inside the window where it is', () => {
      expect(deferToWindow(kolkata, at('2024-01-15T06:00:00Z'), 42_000)).toBe(at('2024-01-15T06:00:00Z'));
    });
    it('moves work due at night to the next opening plus the jitter', () => {
      expect(deferToWindow(kolkata, at('2024-01-15T18:30:00Z'), 42_000)).toBe(at('2024-01-16T05:00:42Z'));
    });
    it('keeps the jitter within 0..60 s', () => {
      expect(deferToWindow(kolkata, at('2024-01-15T18:30:00Z'), 600_000)).toBe(at('2024-01-16T05:01:00Z'));
      expect(deferToWindow(kolkata, at('2024-01-15T18:30:00Z'), -5)).toBe(at('2024-01-16T05:00:00Z'));
    });
  });
});
