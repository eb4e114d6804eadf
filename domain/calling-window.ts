/**
 * SPEC §4.4 calling window [C-10]: a daily window (`10:30-21:00`; `00:00-24:00` = always; may cross
 * midnight, `22:00-06:00`) on the account's calling days (ISO weekdays 1 = Monday .. 7 = Sunday), in
 * its IANA time zone; DST follows the IANA database. A window that crosses midnight belongs to the
 * day it opens on. Pure: every function takes the instant it reasons about.
 *
 * These functions depend on the host's tz database, so workflows never call them directly: the
 * activities that decide when to dial call them with the workflow's "now" and return the result,
 * which Temporal records, so a replay on a worker with other tz data takes the same path.
 */
import type { DailyWindow } from './calling-window-format';
import { parseWindow } from './calling-window-format';
import { offsetMinutes, wallClock } from './time';

export interface CallingWindow {
  window: DailyWindow;
  timeZone: string;
  /** ISO weekdays on which a window opens. */
  days: readonly number[];
}

export type WindowState = { open: true; closesAtMs: number | null } | { open: false; nextOpenMs: number | null };

const DAY_MS = 86_400_000;

/** Builds a window from the account's stored settings; throws on a malformed window text. */
export function callingWindow(text: string, timeZone: string, days: readonly number[]): CallingWindow {
  const window = parseWindow(text);
  if (!window) throw new Error(`calling_window ${JSON.stringify(text)} is not HH:MM-HH:MM`);
  return { window, timeZone, days };
}

/**
 * The first instant at which `timeZone`'s wall clock reads y-m-d h:m or later. Ambiguous times (clocks
 * going back) give the first occurrence; a time that does not exist (inside a spring-forward gap)
 * gives the instant the clocks jump past it, so a window edge in a gap is where the wall clock
 * crosses it: a window never opens before, nor closes after, its local times.
 */
export function zonedInstant(y: number, m: number, d: number, minuteOfDay: number, timeZone: string): number {
  const local = Date.UTC(y, m - 1, d) + minuteOfDay * 60_000;
  // The offsets a day either side: a zone changes its offset at most once within two days.
  const before = offsetMinutes(new Date(local - DAY_MS), timeZone);
  const after = offsetMinutes(new Date(local + DAY_MS), timeZone);
  const candidates = [...new Set([local - before * 60_000, local - after * 60_000])].sort((x, z) => x - z);
  const valid = candidates.find((t) => local - t === offsetMinutes(new Date(t), timeZone) * 60_000);
  if (valid !== undefined) return valid;
  // In the gap: the transition, to the minute, lies between the two candidates.
  let lo = candidates[0]!;
  let hi = candidates[candidates.length - 1]!;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (offsetMinutes(new Date(mid), timeZone) === after) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** ISO weekday (1 = Monday .. 7 = Sunday) of a calendar date. */
function isoWeekday(y: number, m: number, d: number): number {
  const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return wd === 0 ? 7 : wd;
}

/** The window opening on local calendar day `dayOffset` days from the local date of `at`. */
function windowOfDay(
  cw: CallingWindow,
  at: number,
  dayOffset: number,
): { startMs: number; endMs: number; allowed: boolean } {
  const w = wallClock(new Date(at), cw.timeZone);
  const base = new Date(Date.UTC(w.year, w.month - 1, w.day) + dayOffset * DAY_MS);
  const [y, m, d] = [base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate()];
  const startMs = zonedInstant(y, m, d, cw.window.openMin, cw.timeZone);
  const crosses = cw.window.closeMin <= cw.window.openMin;
  const end = new Date(base.getTime() + (crosses ? DAY_MS : 0));
  const endMs =
    zonedInstant(
      end.getUTCFullYear(),
      end.getUTCMonth() + 1,
      end.getUTCDate(),
      cw.window.closeMin % 1440,
      cw.timeZone,
    ) + (cw.window.closeMin === 1440 ? zonedDayLength(end, cw.timeZone) : 0);
  return { startMs, endMs, allowed: cw.days.includes(isoWeekday(y, m, d)) };
}

/** For a 24:00 close: the length of that local day (23, 24 or 25 hours across DST). */
function zonedDayLength(day: Date, timeZone: string): number {
  const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
  const next = new Date(day.getTime() + DAY_MS);
  return (
    zonedInstant(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0, timeZone) -
    zonedInstant(y, m, d, 0, timeZone)
  );
}

/** Whether the window is open at `atMs`; when closed, the next opening (null: no calling day at all). */
export function windowState(cw: CallingWindow, atMs: number): WindowState {
  const allDays = [1, 2, 3, 4, 5, 6, 7].every((d) => cw.days.includes(d));
  if (cw.window.always && allDays) return { open: true, closesAtMs: null };
  for (const offset of [-1, 0]) {
    const w = windowOfDay(cw, atMs, offset);
    if (w.allowed && atMs >= w.startMs && atMs < w.endMs) return { open: true, closesAtMs: w.endMs };
  }
  for (let offset = 0; offset <= 8; offset++) {
    const w = windowOfDay(cw, atMs, offset);
    if (w.allowed && w.startMs > atMs) return { open: false, nextOpenMs: w.startMs };
  }
  return { open: false, nextOpenMs: null };
}

/** SPEC §4.4: work due outside the window waits for the next opening plus a jitter of 0–60 s. */
export const MAX_WINDOW_JITTER_MS = 60_000;

/**
 * The earliest instant at or after `dueMs` at which work may start: `dueMs` itself when the window
 * is open then, else the next opening plus `jitterMs` (0..60 s, drawn by the caller from the
 * workflow's deterministic random source). Null when the account has no calling day.
 */
export function deferToWindow(cw: CallingWindow, dueMs: number, jitterMs: number): number | null {
  const s = windowState(cw, dueMs);
  if (s.open) return dueMs;
  if (s.nextOpenMs === null) return null;
  return s.nextOpenMs + Math.max(0, Math.min(MAX_WINDOW_JITTER_MS, jitterMs));
}
