/**
 * SPEC §1 timestamps: RFC 3339, whole seconds, rendered in the account's IANA zone with the offset
 * in force at that instant (`2024-01-15T09:00:00+05:30`).
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Wall-clock fields of `at` in `timeZone`. */
export function wallClock(at: Date, timeZone: string) {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(at)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** Offset of `timeZone` from UTC at `at`, in whole minutes (east positive). */
export function offsetMinutes(at: Date, timeZone: string): number {
  const w = wallClock(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const whole = Math.floor(at.getTime() / 1000) * 1000;
  return Math.round((asUtc - whole) / 60_000);
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/**
 * `zone|d<day>` and `zone|<hour>` → the zone's exact offset (ms) throughout that UTC day or hour, or
 * NaN when it changes within it.
 */
const spanOffsets = new Map<string, number>();

/** The exact offset of `timeZone` at the whole second `wholeMs` (wall clock − UTC, in ms). */
function exactOffsetMs(wholeMs: number, timeZone: string): number {
  const w = wallClock(new Date(wholeMs), timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - wholeMs;
}

/** The offset throughout the span `[startMs, startMs + lengthMs)`, or NaN when it changes within it. */
function spanOffset(key: string, startMs: number, lengthMs: number, timeZone: string): number {
  let off = spanOffsets.get(key);
  if (off === undefined) {
    const first = exactOffsetMs(startMs, timeZone);
    off = first === exactOffsetMs(startMs + lengthMs - 1000, timeZone) ? first : NaN;
    if (spanOffsets.size >= 50_000) spanOffsets.clear();
    spanOffsets.set(key, off);
  }
  return off;
}

/**
 * The offset at `wholeMs`, from a per-day, then per-hour cache: a span whose first and last seconds
 * share an offset has no transition inside (zones change offset at most a few times a year), so
 * every instant in it has that offset; an hour with a transition is computed per instant. Exact
 * either way, and one `formatToParts` per zone and day instead of two per timestamp: a 500,000-row
 * report renders three timestamps a row, and a country's calling window asks each of its zones for
 * many instants.
 */
function offsetMsAt(wholeMs: number, timeZone: string): number {
  const day = Math.floor(wholeMs / DAY_MS);
  const daily = spanOffset(`${timeZone}|d${day}`, day * DAY_MS, DAY_MS, timeZone);
  if (!Number.isNaN(daily)) return daily;
  const hour = Math.floor(wholeMs / HOUR_MS);
  const hourly = spanOffset(`${timeZone}|${hour}`, hour * HOUR_MS, HOUR_MS, timeZone);
  return Number.isNaN(hourly) ? exactOffsetMs(wholeMs, timeZone) : hourly;
}

/**
 * The offset of `timeZone` at `atMs` (wall clock − UTC, in ms), exact and served from the per-hour
 * cache: what the window arithmetic uses to find local dates many times a second.
 */
export function zoneOffsetMs(atMs: number, timeZone: string): number {
  return offsetMsAt(Math.floor(atMs / 1000) * 1000, timeZone);
}

/** `at` as RFC 3339 in `timeZone`, whole seconds, with that instant's offset. */
export function formatInstant(at: Date, timeZone: string): string {
  const whole = Math.floor(at.getTime() / 1000) * 1000;
  const local = new Date(whole + offsetMsAt(whole, timeZone));
  const off = Math.round((local.getTime() - whole) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const o = Math.abs(off);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(o / 60))}:${pad(o % 60)}`
  );
}

/** Same as `formatInstant` for a nullable value. */
export function formatOptional(at: Date | null | undefined, timeZone: string): string | null {
  return at ? formatInstant(at, timeZone) : null;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}
