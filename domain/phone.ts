/**
 * SPEC §3 "Numbers": libphonenumber-js with its full metadata, the account's default region (default `IN`) for numbers
 * without a country code; plain E.164 and bare national numbers take `fastE164` (domain/phone-fast-path.ts). Workflows
 * never import it: numbers reach them in E.164, so the metadata stays out of the bundle.
 */
import {
  isSupportedCountry,
  parsePhoneNumberWithError,
  ParseError,
  validatePhoneNumberLength,
  type CountryCode,
} from 'libphonenumber-js/max';
import { fastE164 } from './phone-fast-path';

export type E164Result = { ok: true; e164: string } | { ok: false; reason: string };

/** What a human may write around the digits; anything else (letters, `#`, `*`, extensions) is refused. */
const ALLOWED = /^\+?[\d\s\-.()/]+$/;

const LENGTH_REASONS: Record<string, string> = {
  NOT_A_NUMBER: 'not a phone number',
  INVALID_COUNTRY: 'unknown country calling code',
  TOO_SHORT: 'too short',
  TOO_LONG: 'too long',
  INVALID_LENGTH: 'wrong number of digits',
};

/**
 * Normalises one phone number to E.164. `defaultRegion` (ISO 3166 alpha-2) applies when `raw` has
 * no country code. Never throws: an unusable number yields `{ ok: false, reason }` with a short
 * human reason ("too short", "not a valid number in IN").
 */
export function toE164(raw: string, defaultRegion: string): E164Result {
  const text = raw.trim();
  const fast = fastE164(text, defaultRegion);
  return fast !== null ? { ok: true, e164: fast } : toE164ByFullParse(text, defaultRegion);
}

/** `toE164` without the fast path: libphonenumber's full parse for every number (and the unit tests' reference). */
export function toE164ByFullParse(raw: string, defaultRegion: string): E164Result {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'empty' };
  if (!ALLOWED.test(text)) return { ok: false, reason: 'only digits, spaces, a leading +, and - . ( ) / are allowed' };
  const region: CountryCode | undefined = isSupportedCountry(defaultRegion) ? defaultRegion : undefined;
  const lengthProblem = validatePhoneNumberLength(text, region);
  if (lengthProblem) return { ok: false, reason: LENGTH_REASONS[lengthProblem] ?? lengthProblem.toLowerCase() };
  try {
    const parsed = parsePhoneNumberWithError(text, region);
    if (!parsed.isValid()) {
      const where = parsed.country ?? (text.startsWith('+') ? `country code +${parsed.countryCallingCode}` : region);
      return { ok: false, reason: `not a valid number in ${where ?? 'any region'}` };
    }
    return { ok: true, e164: parsed.number };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, reason: LENGTH_REASONS[e.message] ?? e.message.toLowerCase() };
    throw e;
  }
}

/**
 * The country (ISO 3166 alpha-2, as libphonenumber-js names regions) of an E.164 number, or null for
 * a number no country owns (`+800` freephone, `+882` networks) or that does not parse. Numbers shared
 * by several countries (`+1`, `+7`, `+44`) are told apart by the full metadata.
 */
export function regionOf(e164: string): string | null {
  try {
    return parsePhoneNumberWithError(e164).country ?? null;
  } catch (e) {
    if (e instanceof ParseError) return null;
    throw e;
  }
}
