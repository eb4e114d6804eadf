/**
 * SPEC §4.4 window arithmetic: a table of instants × zones × windows with hand-computed answers
 * (DST zones on both transitions, windows across midnight, `00:00-24:00`, calling days), then a
 * property check of `windowState` against an oracle that reads the local wall clock directly.
 */
import { describe, expect, it } from 'vitest';
import { callingWindow, deferToWindow, windowState, zonedInstant } from '../../domain/calling-window';
import { wallClock } from '../../domain/time';

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
    expect(windowState(night, at('2024-01-15T23:00:00Z'))).toEqual({
      open: true,
      closesAtMs: at('2024-01-16T06:00:00Z'),
    });
    expect(windowState(night, at('2024-01-16T05:59:59Z'))).toEqual({
      open: true,
      closesAtMs: at('2024-01-16T06:00:00Z'),
    });
    expect(windowState(night, at('2024-01-16T06:00:00Z'))).toEqual({
      open: false,
      nextOpenMs: at('2024-01-16T22:00:00Z'),
    });
  });

  it('a cross-midnight window opened on a non-calling day stays closed after midnight', () => {
    // 2024-01-14 is a Sunday (7); calling days Monday..Saturday.
    const night = callingWindow('22:00-06:00', 'UTC', [1, 2, 3, 4, 5, 6]);
    expect(windowState(night, at('2024-01-15T02:00:00Z'))).toEqual({
      open: false,
      nextOpenMs: at('2024-01-15T22:00:00Z'),
    });
    expect(windowState(night, at('2024-01-16T02:00:00Z')).open).toBe(true);
  });

  it('00:00-24:00 on every day is always open', () => {
    expect(windowState(callingWindow('00:00-24:00', 'Asia/Kolkata', ALL), at('2024-01-15T18:29:59Z'))).toEqual({
      open: true,
      closesAtMs: null,
    });
  });

  it('skips days that are not calling days', () => {
    const weekdays = callingWindow('09:00-17:00', 'Europe/London', [1, 2, 3, 4, 5]);
    // Friday 2024-01-19 17:00 GMT → next opening Monday 09:00.
    expect(windowState(weekdays, at('2024-01-19T17:00:00Z'))).toEqual({
      open: false,
      nextOpenMs: at('2024-01-22T09:00:00Z'),
    });
    // 00:00-24:00 with weekdays only: Saturday is closed until Monday midnight.
    const allDay = callingWindow('00:00-24:00', 'UTC', [1, 2, 3, 4, 5]);
    expect(windowState(allDay, at('2024-01-20T12:00:00Z'))).toEqual({
      open: false,
      nextOpenMs: at('2024-01-22T00:00:00Z'),
    });
    expect(windowState(allDay, at('2024-01-19T12:00:00Z'))).toEqual({
      open: true,
      closesAtMs: at('2024-01-20T00:00:00Z'),
    });
  });

  it('has no next opening when no day is a calling day', () => {
    expect(windowState(callingWindow('09:00-17:00', 'UTC', []), at('2024-01-19T12:00:00Z'))).toEqual({
      open: false,
      nextOpenMs: null,
    });
  });

  describe('across DST (America/New_York, 2024-03-10 and 2024-11-03)', () => {
    const ny = callingWindow('09:00-17:00', 'America/New_York', ALL);
    it('opens at 09:00 local on the day clocks go forward (13:00Z, not 14:00Z)', () => {
      expect(windowState(ny, at('2024-03-10T12:00:00Z'))).toEqual({
        open: false,
        nextOpenMs: at('2024-03-10T13:00:00Z'),
      });
    });
    it('opens at 09:00 local the day before (14:00Z, EST)', () => {
      expect(windowState(ny, at('2024-03-09T13:30:00Z'))).toEqual({
        open: false,
        nextOpenMs: at('2024-03-09T14:00:00Z'),
      });
    });
    it('closes at 17:00 local on the day clocks go back (22:00Z, EST)', () => {
      expect(windowState(ny, at('2024-11-03T21:59:00Z'))).toEqual({
        open: true,
        closesAtMs: at('2024-11-03T22:00:00Z'),
      });
    });
    it('maps a wall time inside the spring-forward gap to the instant the clocks jump past it', () => {
      // 02:30 does not exist on 2024-03-10: at 07:00Z the clocks go from 01:59:59 EST to 03:00 EDT.
      expect(iso(zonedInstant(2024, 3, 10, 150, 'America/New_York'))).toBe('2024-03-10T07:00:00.000Z');
    });
    it('maps an ambiguous wall time (clocks going back) to its first occurrence', () => {
      expect(iso(zonedInstant(2024, 11, 3, 90, 'America/New_York'))).toBe('2024-11-03T05:30:00.000Z');
    });
    it('a 24-hour window on the 23-hour day closes at the next local midnight', () => {
      const day = callingWindow('00:00-24:00', 'America/New_York', [7]); // 2024-03-10 is a Sunday
      expect(windowState(day, at('2024-03-10T12:00:00Z'))).toEqual({
        open: true,
        closesAtMs: at('2024-03-11T04:00:00Z'),
      });
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

const WEEKDAYS = [1, 2, 3, 4, 5];

/** zone, window, calling days, instant (UTC), open?, closing (open) or next opening (closed), why. */
type Row = [string, string, readonly number[], string, boolean, string | null, string];

describe('§4.4 the window as a table of instants × zones (answers computed by hand)', () => {
  it.each<Row>([
    // zone, window, days, instant (UTC), open?, closing (when open) or next opening (when closed), note
    [
      'Asia/Kolkata',
      '10:30-21:00',
      ALL,
      '2024-12-31T15:30:00Z',
      false,
      '2025-01-01T05:00:00Z',
      "21:00 IST on New Year's Eve: next year",
    ],
    [
      'Asia/Kathmandu',
      '10:30-21:00',
      ALL,
      '2024-01-15T04:44:59Z',
      false,
      '2024-01-15T04:45:00Z',
      '+05:45: 10:29:59 local',
    ],
    [
      'Asia/Kathmandu',
      '10:30-21:00',
      ALL,
      '2024-01-15T04:45:00Z',
      true,
      '2024-01-15T15:15:00Z',
      '10:30 local, open until 21:00 local',
    ],
    [
      'Asia/Kolkata',
      '00:00-24:00',
      WEEKDAYS,
      '2024-01-20T12:00:00Z',
      false,
      '2024-01-21T18:30:00Z',
      'Saturday: closed until Monday 00:00 IST',
    ],
    ['UTC', '00:00-24:00', ALL, '2024-02-29T23:59:59Z', true, null, 'always open, leap day'],
    // America/New_York: clocks go forward 2024-03-10 02:00 EST (07:00Z), back 2024-11-03 02:00 EDT (06:00Z).
    [
      'America/New_York',
      '09:00-17:00',
      ALL,
      '2024-03-09T22:00:00Z',
      false,
      '2024-03-10T13:00:00Z',
      'Saturday 17:00 EST → Sunday 09:00 EDT',
    ],
    [
      'America/New_York',
      '09:00-17:00',
      ALL,
      '2024-03-10T06:59:00Z',
      false,
      '2024-03-10T13:00:00Z',
      '01:59 EST, a minute before the gap',
    ],
    [
      'America/New_York',
      '09:00-17:00',
      ALL,
      '2024-03-10T13:00:00Z',
      true,
      '2024-03-10T21:00:00Z',
      '09:00 EDT on the 23-hour day',
    ],
    [
      'America/New_York',
      '09:00-17:00',
      ALL,
      '2024-11-02T21:00:00Z',
      false,
      '2024-11-03T14:00:00Z',
      'Saturday 17:00 EDT → Sunday 09:00 EST',
    ],
    [
      'America/New_York',
      '09:00-17:00',
      ALL,
      '2024-11-03T05:30:00Z',
      false,
      '2024-11-03T14:00:00Z',
      'the first 01:30 (EDT)',
    ],
    [
      'America/New_York',
      '09:00-17:00',
      ALL,
      '2024-11-03T06:30:00Z',
      false,
      '2024-11-03T14:00:00Z',
      'the second 01:30 (EST)',
    ],
    ['America/New_York', '09:00-17:00', ALL, '2024-11-03T13:59:59Z', false, '2024-11-03T14:00:00Z', '08:59:59 EST'],
    [
      'America/New_York',
      '22:00-06:00',
      ALL,
      '2024-03-10T09:59:00Z',
      true,
      '2024-03-10T10:00:00Z',
      'the 7-hour night: opened 22:00 EST, closes 06:00 EDT',
    ],
    [
      'America/New_York',
      '22:00-06:00',
      ALL,
      '2024-03-10T10:00:00Z',
      false,
      '2024-03-11T02:00:00Z',
      'closed at 06:00 EDT until 22:00 EDT',
    ],
    [
      'America/New_York',
      '22:00-06:00',
      ALL,
      '2024-11-03T10:30:00Z',
      true,
      '2024-11-03T11:00:00Z',
      'the 9-hour night: opened 22:00 EDT, closes 06:00 EST',
    ],
    [
      'America/New_York',
      '00:00-24:00',
      [7],
      '2024-11-04T04:30:00Z',
      true,
      '2024-11-04T05:00:00Z',
      'the 25-hour Sunday, 23:30 EST',
    ],
    [
      'America/New_York',
      '00:00-24:00',
      [7],
      '2024-11-02T12:00:00Z',
      false,
      '2024-11-03T04:00:00Z',
      'Saturday: closed until Sunday 00:00 EDT',
    ],
    // Europe/London: BST from 2024-03-31 01:00Z to 2024-10-27 01:00Z.
    [
      'Europe/London',
      '09:00-17:00',
      WEEKDAYS,
      '2024-03-29T17:00:00Z',
      false,
      '2024-04-01T08:00:00Z',
      'Friday 17:00 GMT → Monday 09:00 BST',
    ],
    [
      'Europe/London',
      '09:00-17:00',
      WEEKDAYS,
      '2024-10-25T15:59:00Z',
      true,
      '2024-10-25T16:00:00Z',
      'Friday, BST: closes 17:00 BST',
    ],
    [
      'Europe/London',
      '09:00-17:00',
      WEEKDAYS,
      '2024-10-25T16:00:00Z',
      false,
      '2024-10-28T09:00:00Z',
      'Friday 17:00 BST → Monday 09:00 GMT',
    ],
    [
      'Europe/London',
      '01:15-03:00',
      ALL,
      '2024-03-31T00:30:00Z',
      false,
      '2024-03-31T01:00:00Z',
      '01:15 does not exist that day: opens as the clocks jump to 02:00 BST',
    ],
    [
      'America/New_York',
      '22:00-02:30',
      ALL,
      '2024-03-10T06:59:00Z',
      true,
      '2024-03-10T07:00:00Z',
      '02:30 does not exist: closes as the clocks jump past it',
    ],
    [
      'America/New_York',
      '22:00-02:30',
      ALL,
      '2024-03-10T07:00:00Z',
      false,
      '2024-03-11T02:00:00Z',
      '03:00 EDT is after 02:30: closed until 22:00 EDT',
    ],
    // Australia/Lord_Howe: half-hour DST, +11 → +10:30 on 2024-04-07 02:00 local.
    [
      'Australia/Lord_Howe',
      '09:00-17:00',
      ALL,
      '2024-04-06T06:00:00Z',
      false,
      '2024-04-06T22:30:00Z',
      'Saturday 17:00 +11 → Sunday 09:00 +10:30',
    ],
    // Across midnight with calling days: the window belongs to the day it opens on.
    [
      'UTC',
      '22:00-06:00',
      [5],
      '2024-01-20T05:00:00Z',
      true,
      '2024-01-20T06:00:00Z',
      "Saturday 05:00, in Friday's window",
    ],
    ['UTC', '22:00-06:00', [5], '2024-01-20T22:30:00Z', false, '2024-01-26T22:00:00Z', 'Saturday night: next Friday'],
    [
      'Asia/Kolkata',
      '18:00-09:00',
      ALL,
      '2024-01-15T03:29:59Z',
      true,
      '2024-01-15T03:30:00Z',
      "08:59:59 IST, in the previous evening's window",
    ],
  ])('%s %s days %j at %s: open=%s, boundary %s (%s)', (zone, text, days, instant, open, boundary) => {
    const s = windowState(callingWindow(text, zone, days), at(instant));
    expect(s.open).toBe(open);
    expect(iso(s.open ? s.closesAtMs : s.nextOpenMs)).toBe(boundary === null ? null : new Date(boundary).toISOString());
  });
});

/** The oracle: open when the local wall clock at `atMs` lies in the window of a calling day. */
function oracleOpen(text: string, zone: string, days: readonly number[], atMs: number): boolean {
  const [open, close] = text.split('-').map((hm) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3)));
  const w = wallClock(new Date(atMs), zone);
  const minute = w.hour * 60 + w.minute;
  const weekday = (offset: number) => {
    const d = new Date(Date.UTC(w.year, w.month - 1, w.day + offset)).getUTCDay();
    return days.includes(d === 0 ? 7 : d);
  };
  if (close! > open!) return weekday(0) && minute >= open! && minute < close!;
  return (weekday(0) && minute >= open!) || (weekday(-1) && minute < close!);
}

describe('§4.4 windowState agrees with the wall clock everywhere (property check)', () => {
  // Edges anywhere but inside a clocks-going-back overlap (where a wall time happens twice): 02:30
  // falls in New York's spring-forward gap.
  const windows = [
    '10:30-21:00',
    '09:00-17:00',
    '22:00-06:00',
    '18:00-09:00',
    '00:00-24:00',
    '02:30-05:00',
    '22:00-02:30',
  ];
  const zones = ['Asia/Kolkata', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'UTC'];
  const daySets = [ALL, [6, 7]];
  // 2024's transitions in these zones; instants are drawn around each (a fixed LCG, so reproducible).
  const transitions = [
    '2024-03-10T07:00:00Z',
    '2024-11-03T06:00:00Z',
    '2024-03-31T01:00:00Z',
    '2024-10-27T01:00:00Z',
    '2024-04-06T15:00:00Z',
    '2024-10-05T15:30:00Z',
  ];
  const MIN = 60_000;
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const instants = transitions.flatMap((tr) => [
    at(tr) - MIN,
    at(tr),
    ...Array.from({ length: 10 }, () => at(tr) + Math.floor(((rand() - 0.5) * 4 * 86_400_000) / MIN) * MIN),
  ]);

  it.each(zones)('%s', (zone) => {
    let checked = 0;
    for (const text of windows) {
      for (const days of daySets) {
        const cw = callingWindow(text, zone, days);
        for (const t of instants) {
          const s = windowState(cw, t);
          const label = `${zone} ${text} ${days.join('')} at ${iso(t)}`;
          expect(s.open, label).toBe(oracleOpen(text, zone, days, t));
          if (s.open && s.closesAtMs !== null) {
            expect(s.closesAtMs, label).toBeGreaterThan(t);
            expect(oracleOpen(text, zone, days, s.closesAtMs - MIN), `${label}: last minute before closing`).toBe(true);
            // Closed at the closing, unless the next day's window starts right then (00:00-24:00 on
            // consecutive calling days): windows are reported one day at a time.
            const reopens = windowState(cw, s.closesAtMs).open;
            expect(oracleOpen(text, zone, days, s.closesAtMs) && !reopens, `${label}: closing`).toBe(false);
          }
          if (!s.open) {
            expect(s.nextOpenMs, label).not.toBeNull();
            expect(s.nextOpenMs!, label).toBeGreaterThan(t);
            expect(oracleOpen(text, zone, days, s.nextOpenMs!), `${label}: opening`).toBe(true);
            expect(oracleOpen(text, zone, days, s.nextOpenMs! - MIN), `${label}: minute before opening`).toBe(false);
          }
          checked++;
        }
      }
    }
    expect(checked).toBe(windows.length * daySets.length * instants.length);
  });
});
