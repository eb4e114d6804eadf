/**
 * SPEC §4.4 calling window [C-10]: a daily window (may cross midnight; `00:00-24:00` = always) on the account's calling
 * days in its IANA zone, or (ext) the intersection of one window over several zones. Pure, but it reads the host's tz
 * data, so workflows see it only through activity results (docs/architecture.md).
 */
import type { DailyWindow } from './calling-window-format';
import { parseWindow } from './calling-window-format';
import { offsetMinutes, zoneOffsetMs } from './time';

/** One daily window on its calling days, in one zone. */
export interface ZoneWindow {
  window: DailyWindow;
  timeZone: string;
  /** ISO weekdays on which a window opens. */
  days: readonly number[];
}

/**
 * SPEC §4.4 (ext) the most conservative window of a recipient who may be in any of several zones: open
 * only while every zone's window is open; the next opening is the earliest instant open in all.
 */
export interface ZoneIntersection {
  zones: readonly ZoneWindow[];
}

/** What `windowState` and `deferToWindow` take: one zone's window, or an intersection of several. */
export type CallingWindow = ZoneWindow | ZoneIntersection;

export type WindowState = { open: true; closesAtMs: number | null } | { open: false; nextOpenMs: number | null };

const DAY_MS = 86_400_000;

/** Builds a window from the account's stored settings; throws on a malformed window text. */
export function callingWindow(text: string, timeZone: string, days: readonly number[]): ZoneWindow {
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

/** `zone|open|close` → local date (its UTC midnight) → when the window opening that day opens and closes. */
const dayBounds = new Map<string, Map<number, { startMs: number; endMs: number }>>();

/** The cache of one zone's window: its instants depend only on the zone, the window and the date. */
function boundsCache(cw: ZoneWindow): Map<number, { startMs: number; endMs: number }> {
  const key = `${cw.timeZone}|${cw.window.openMin}|${cw.window.closeMin}`;
  let days = dayBounds.get(key);
  if (!days) {
    if (dayBounds.size >= 1_000) dayBounds.clear();
    days = new Map();
    dayBounds.set(key, days);
  }
  if (days.size >= 2_000) days.clear();
  return days;
}

/**
 * The window opening on the local calendar date `day` (the UTC midnight standing for it), computed
 * once per process: an intersection of a country's zones asks for the same days many times.
 */
function windowOfDay(
  cw: ZoneWindow,
  cache: Map<number, { startMs: number; endMs: number }>,
  day: number,
): { startMs: number; endMs: number; allowed: boolean } {
  let bounds = cache.get(day);
  if (!bounds) {
    const base = new Date(day);
    const startMs = zonedInstant(
      base.getUTCFullYear(),
      base.getUTCMonth() + 1,
      base.getUTCDate(),
      cw.window.openMin,
      cw.timeZone,
    );
    const crosses = cw.window.closeMin <= cw.window.openMin;
    const end = new Date(day + (crosses ? DAY_MS : 0));
    const endMs =
      zonedInstant(
        end.getUTCFullYear(),
        end.getUTCMonth() + 1,
        end.getUTCDate(),
        cw.window.closeMin % 1440,
        cw.timeZone,
      ) + (cw.window.closeMin === 1440 ? zonedDayLength(end, cw.timeZone) : 0);
    bounds = { startMs, endMs };
    cache.set(day, bounds);
  }
  // 1970-01-01 was a Thursday (ISO 4).
  const weekday = ((((day / DAY_MS + 3) % 7) + 7) % 7) + 1;
  return { startMs: bounds.startMs, endMs: bounds.endMs, allowed: cw.days.includes(weekday) };
}

/** The local calendar date of `at` in `timeZone`, as the UTC midnight of that date. */
function localDate(at: number, timeZone: string): number {
  const local = at + zoneOffsetMs(at, timeZone);
  return local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
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

/**
 * Whether the window is open at `atMs`; when open, the instant it closes (null: never); when closed,
 * the next opening (null: no calling day at all, or, for an intersection, no instant open in every
 * zone within `INTERSECTION_HORIZON_MS`).
 */
export function windowState(cw: CallingWindow, atMs: number): WindowState {
  return 'zones' in cw ? intersectionState(cw.zones, atMs) : zoneWindowState(cw, atMs);
}

function zoneWindowState(cw: ZoneWindow, atMs: number): WindowState {
  const allDays = [1, 2, 3, 4, 5, 6, 7].every((d) => cw.days.includes(d));
  if (cw.window.always && allDays) return { open: true, closesAtMs: null };
  const today = localDate(atMs, cw.timeZone);
  const cache = boundsCache(cw);
  for (const offset of [-1, 0]) {
    const w = windowOfDay(cw, cache, today + offset * DAY_MS);
    if (w.allowed && atMs >= w.startMs && atMs < w.endMs) return { open: true, closesAtMs: w.endMs };
  }
  for (let offset = 0; offset <= 8; offset++) {
    const w = windowOfDay(cw, cache, today + offset * DAY_MS);
    if (w.allowed && w.startMs > atMs) return { open: false, nextOpenMs: w.startMs };
  }
  return { open: false, nextOpenMs: null };
}

/**
 * How far ahead an intersection looks for an instant open in every zone: a week and a day covers every
 * pairing of weekdays while the zones keep their offsets. Zones whose windows share no instant in that
 * span (a DST change may still make them meet later) count as never meeting: SPEC §4.4 `no_window`.
 */
export const INTERSECTION_HORIZON_MS = 8 * DAY_MS;

/** The intersection of zones' windows that `windowState` reports; a single zone is that zone's window. */
export function intersectionOf(zones: readonly ZoneWindow[]): CallingWindow {
  if (zones.length === 0) throw new Error('intersectionOf: no zones');
  return zones.length === 1 ? zones[0]! : { zones };
}

/**
 * Open at `atMs` when every zone is open (closing at the first zone's closing); else the earliest
 * instant open in all: from `atMs`, jump to the latest of the closed zones' next openings (no zone
 * closed at t reopens before its own next opening, so nothing in between can be open in all) and
 * look again, until every zone is open or the horizon is passed.
 */
function intersectionState(zones: readonly ZoneWindow[], atMs: number): WindowState {
  for (let t = atMs; t - atMs <= INTERSECTION_HORIZON_MS;) {
    const states = zones.map((z) => zoneWindowState(z, t));
    let latestOpening = -Infinity;
    for (const s of states) {
      if (s.open) continue;
      if (s.nextOpenMs === null) return { open: false, nextOpenMs: null };
      latestOpening = Math.max(latestOpening, s.nextOpenMs);
    }
    if (latestOpening === -Infinity) {
      if (t > atMs) return { open: false, nextOpenMs: t };
      const closings = states.flatMap((s) => (s.open && s.closesAtMs !== null ? [s.closesAtMs] : []));
      return { open: true, closesAtMs: closings.length === 0 ? null : Math.min(...closings) };
    }
    t = latestOpening;
  }
  return { open: false, nextOpenMs: null };
}

/** SPEC §4.4: work due outside the window waits for the next opening plus a jitter of 0–60 s. */
export const MAX_WINDOW_JITTER_MS = 60_000;

/**
 * The earliest instant at or after `dueMs` at which work may start: `dueMs` itself when the window
 * is open then, else the next opening plus `jitterMs` (0..60 s, drawn by the caller from the
 * workflow's deterministic random source). Null when it never opens (`windowState`'s null).
 */
export function deferToWindow(cw: CallingWindow, dueMs: number, jitterMs: number): number | null {
  const s = windowState(cw, dueMs);
  if (s.open) return dueMs;
  if (s.nextOpenMs === null) return null;
  return s.nextOpenMs + Math.max(0, Math.min(MAX_WINDOW_JITTER_MS, jitterMs));
}
