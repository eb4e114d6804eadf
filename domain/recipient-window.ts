/**
 * SPEC §4.4 (ext) per-recipient local time: the zone a number's calling window applies in, from its country
 * (`domain/country-zones.ts`) and the contact's `timezone` column; a country of several zones without one gets the
 * intersection, and no shared instant means `no_window`. Never in the workflow bundle (docs/architecture.md).
 */
import { callingWindow, intersectionOf, windowState, type CallingWindow, type WindowState } from './calling-window';
import { countryZones } from './country-zones';
import { regionOf } from './phone';
import { isValidTimeZone } from './time';

/** The account settings the window of a recipient depends on. */
export interface WindowSettings {
  /** The account's IANA zone: the window's zone unless `recipientLocalTime`. */
  timezone: string;
  /** `HH:MM-HH:MM`. */
  callingWindow: string;
  /** ISO weekdays 1 (Mon) .. 7 (Sun). */
  callingDays: readonly number[];
  recipientLocalTime: boolean;
}

/**
 * Where a recipient's zones came from: the account (the setting is off, or the number belongs to no
 * country), the contact's `timezone` column, or the number's country.
 */
export type ZoneSource = 'account' | 'contact' | 'country';

export interface RecipientZones {
  /** The zones the window applies in; several = their intersection. */
  zones: string[];
  source: ZoneSource;
  /** The number's country when it was needed and known, else null. */
  country: string | null;
}

/**
 * SPEC §4.4 (ext) the reason a number with no window ends `failed` with. Kept here, not in
 * `REASONS` (`domain/attempt-status.ts`), because that file is part of the workflow bundle.
 */
export const NO_WINDOW_REASON = 'no_window';

/** The contact column that names a recipient's zone (SPEC §4.4). */
export const TIMEZONE_COLUMN = 'timezone';

/**
 * Regions libphonenumber-js knows that tzdata files under another country: Ascension and Tristan da
 * Cunha under Saint Helena (`SH`), Kosovo under Serbia's zone.
 */
const REGION_ALIASES: Readonly<Record<string, string>> = { AC: 'SH', TA: 'SH', XK: 'RS' };

/** The zones of a country as the table and the aliases give them; empty for an unknown one. */
export function zonesOfCountry(country: string): readonly string[] {
  return countryZones(REGION_ALIASES[country] ?? country);
}

/** The contact's `timezone` value when it is an IANA zone this runtime knows, else null. */
function contactZone(vars: Readonly<Record<string, string>> | null | undefined): string | null {
  const value = vars?.[TIMEZONE_COLUMN]?.trim();
  return value && isValidTimeZone(value) ? value : null;
}

/**
 * The zones whose wall clock the window follows for one number (E.164). A country of one zone uses
 * it; a country of several uses the contact's valid `timezone`, else all of them. A number without
 * a country (or one tzdata has no zone for) uses the contact's zone, else the account's.
 */
export function recipientZones(
  settings: WindowSettings,
  number: string,
  vars: Readonly<Record<string, string>> | null | undefined,
): RecipientZones {
  if (!settings.recipientLocalTime) return { zones: [settings.timezone], source: 'account', country: null };
  const country = regionOf(number);
  const zones = country === null ? [] : zonesOfCountry(country);
  if (zones.length === 1) return { zones: [...zones], source: 'country', country };
  const own = contactZone(vars);
  if (own !== null) return { zones: [own], source: 'contact', country };
  if (zones.length === 0) return { zones: [settings.timezone], source: 'account', country };
  return { zones: [...zones], source: 'country', country };
}

/**
 * A recipient's calling window, as `windowState` and `deferToWindow` take it (`window`), or `none`
 * when its zones' windows share no instant from `atMs` on (`INTERSECTION_HORIZON_MS`): SPEC §4.4
 * `no_window`. With the setting off it is exactly the account's window, so it drops in for
 * `callingWindow(account…)`; only an intersection of several zones can be `none`.
 */
export type RecipientWindow =
  ({ kind: 'window'; window: CallingWindow } & RecipientZones) | ({ kind: 'none' } & RecipientZones);

/** SPEC §4.4 the window of one number at `atMs` (the workflow's "now", or a retry's due time). */
export function recipientWindow(
  settings: WindowSettings,
  number: string,
  vars: Readonly<Record<string, string>> | null | undefined,
  atMs: number,
): RecipientWindow {
  return windowOfZones(settings, recipientZones(settings, number, vars), atMs);
}

/** `recipientWindow` for zones already found (many numbers of one country share them). */
export function windowOfZones(settings: WindowSettings, zones: RecipientZones, atMs: number): RecipientWindow {
  const window = intersectionOf(
    zones.zones.map((zone) => callingWindow(settings.callingWindow, zone, settings.callingDays)),
  );
  if ('zones' in window) {
    const s = windowState(window, atMs);
    if (!s.open && s.nextOpenMs === null) return { kind: 'none', ...zones };
  }
  return { kind: 'window', window, ...zones };
}

/** How soon a campaign whose remaining numbers include some without a window looks at its window again. */
export const NO_WINDOW_RECHECK_MS = 60_000;

/**
 * SPEC §4.4 (ext) the campaign-level window (what `campaignWindow` answers): open while any remaining
 * recipient's window is open, closing at the first of their closings (the campaign then asks again),
 * else opening at the first of their openings. Recipients whose zones have no window count as open
 * for `NO_WINDOW_RECHECK_MS`, so the campaign dials them (each ends `failed`, reason `no_window`, at
 * the check before its dial) instead of waiting for a window that never comes. With the setting off,
 * or no recipients, it is the account's window. Each distinct set of zones is judged once.
 */
export function campaignWindowState(
  settings: WindowSettings,
  recipients: Iterable<{ number: string; vars?: Readonly<Record<string, string>> | null }>,
  atMs: number,
): WindowState {
  const account = () =>
    windowState(callingWindow(settings.callingWindow, settings.timezone, settings.callingDays), atMs);
  if (!settings.recipientLocalTime) return account();
  const states = new Map<string, WindowState>();
  for (const r of recipients) {
    const zones = recipientZones(settings, r.number, r.vars);
    const key = zones.zones.join(' ');
    if (states.has(key)) continue;
    const w = windowOfZones(settings, zones, atMs);
    states.set(
      key,
      w.kind === 'none' ? { open: true, closesAtMs: atMs + NO_WINDOW_RECHECK_MS } : windowState(w.window, atMs),
    );
  }
  if (states.size === 0) return account();
  const all = [...states.values()];
  if (all.some((s) => s.open)) {
    const closings = all.flatMap((s) => (s.open ? [s.closesAtMs] : []));
    const finite = closings.flatMap((c) => (c === null ? [] : [c]));
    return { open: true, closesAtMs: finite.length < closings.length ? null : Math.min(...finite) };
  }
  const openings = all.flatMap((s) => (!s.open && s.nextOpenMs !== null ? [s.nextOpenMs] : []));
  return { open: false, nextOpenMs: openings.length === 0 ? null : Math.min(...openings) };
}
