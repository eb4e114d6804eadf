/**
 * Wall-clock helpers for timing tests: the next instant a zone's clock shows `hh:mm`, and the next
 * DST transition of a zone, so a time-skipping test can place itself anywhere in local time.
 */
import { zonedInstant } from '../../domain/calling-window';
import { offsetMinutes, wallClock } from '../../domain/time';

const DAY_MS = 86_400_000;

/**
 * The first instant after `afterMs` at which `timeZone`'s clock shows `hh:mm` (optionally on ISO
 * weekday `weekday`).
 */
export function nextLocal(afterMs: number, timeZone: string, hh: number, mm: number, weekday?: number): number {
  const w = wallClock(new Date(afterMs), timeZone);
  for (let d = 0; d < 9; d++) {
    const base = new Date(Date.UTC(w.year, w.month - 1, w.day + d));
    const iso = base.getUTCDay() === 0 ? 7 : base.getUTCDay();
    if (weekday !== undefined && iso !== weekday) continue;
    const t = zonedInstant(base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate(), hh * 60 + mm, timeZone);
    if (t > afterMs) return t;
  }
  throw new Error(`no ${hh}:${mm} in ${timeZone} within 9 days of ${new Date(afterMs).toISOString()}`);
}

/**
 * The next change of `timeZone`'s UTC offset after `afterMs` in the direction asked for ("forward":
 * clocks go forward, the offset grows), to the minute: `{ atMs, before, after }` offsets in minutes.
 */
export function nextDstTransition(
  afterMs: number,
  timeZone: string,
  direction: 'forward' | 'back',
): { atMs: number; before: number; after: number } {
  let t = afterMs;
  let off = offsetMinutes(new Date(t), timeZone);
  for (let hours = 0; hours < 2 * 366 * 24; hours++) {
    const next = t + 3600_000;
    const o = offsetMinutes(new Date(next), timeZone);
    if (o !== off) {
      // Narrow to the minute.
      let lo = t;
      let hi = next;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
        if (offsetMinutes(new Date(mid), timeZone) === off) lo = mid;
        else hi = mid;
      }
      if (o > off === (direction === 'forward')) return { atMs: hi, before: off, after: o };
      off = o;
    }
    t = next;
  }
  throw new Error(`${timeZone} has no ${direction} transition within two years`);
}

/** Local midnight starting the calendar day (in `timeZone`) that contains `atMs`. */
export function localDayStart(atMs: number, timeZone: string): number {
  const w = wallClock(new Date(atMs), timeZone);
  return zonedInstant(w.year, w.month, w.day, 0, timeZone);
}

export { DAY_MS };
