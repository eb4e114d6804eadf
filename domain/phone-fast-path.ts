/**
 * SPEC §3 "Numbers", the cheap path: for E.164 and bare national digits, the steps of libphonenumber-js's `isValid()`
 * on its own metadata with each pattern compiled once. It only ever answers "valid, and this E.164" or `null` (the
 * caller then runs the full parse); docs/architecture.md says which branches it leaves to the library.
 */
import { Metadata } from 'libphonenumber-js/core';
import maxMetadata from 'libphonenumber-js/metadata.max.json';

/** Types in the order libphonenumber's `getNumberType` tries them (any match makes a number valid). */
const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const;
/** libphonenumber's MIN_LENGTH_FOR_NSN / MAX_LENGTH_FOR_NSN / MAX_LENGTH_COUNTRY_CODE. */
const MIN_NSN = 2;
const MAX_NSN = 17;
const MAX_CALLING_CODE = 3;

/**
 * The parts of libphonenumber's `Metadata` (source/metadata.js) this module reads. Its typings
 * declare only `selectNumberingPlan`; these methods are the ones its own parser calls.
 */
interface MetadataAccess {
  selectNumberingPlan(countryOrCallingCode: string): unknown;
  numberingPlan: {
    callingCode(): string;
    IDDPrefix(): string;
    nationalNumberPattern(): string;
    possibleLengths(): number[] | undefined;
    nationalPrefixForParsing(): string | undefined;
    leadingDigits(): string | undefined;
    hasTypes(): boolean;
    type(t: (typeof TYPES)[number]): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
  };
  hasCountry(country: string): boolean;
  hasCallingCode(callingCode: string): boolean;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
}

/** One country's rules, compiled once. */
interface Plan {
  country: string;
  callingCode: string;
  iddPrefix: RegExp;
  nationalNumber: RegExp;
  /** The plan's possible lengths (what `validatePhoneNumberLength` checks); undefined: any. */
  lengths: number[] | undefined;
  nationalPrefix: RegExp | null;
  leadingDigits: RegExp | null;
  /** Null when the metadata has no type patterns (then the national number pattern decides). */
  types: Array<{ pattern: RegExp; lengths: number[] | undefined }> | null;
}

const entire = (pattern: string) => new RegExp(`^(?:${pattern})$`);

// The same metadata as `libphonenumber-js/max`; the class's typings omit the accessors used here.
const metadata = new Metadata(maxMetadata) as unknown as MetadataAccess;
const plans = new Map<string, Plan>();

function planOf(country: string): Plan {
  let plan = plans.get(country);
  if (plan) return plan;
  metadata.selectNumberingPlan(country);
  const p = metadata.numberingPlan;
  const npfp = p.nationalPrefixForParsing();
  const leading = p.leadingDigits();
  plan = {
    country,
    callingCode: p.callingCode(),
    iddPrefix: new RegExp(p.IDDPrefix()),
    nationalNumber: entire(p.nationalNumberPattern()),
    lengths: p.possibleLengths(),
    nationalPrefix: npfp ? new RegExp(`^(?:${npfp})`) : null,
    leadingDigits: leading ? new RegExp(leading) : null,
    types: p.hasTypes()
      ? TYPES.flatMap((t) => {
          const def = p.type(t);
          const pattern = def?.pattern();
          return def && pattern ? [{ pattern: entire(pattern), lengths: def.possibleLengths() }] : [];
        })
      : null,
  };
  plans.set(country, plan);
  return plan;
}

/** libphonenumber's `getNumberType(...) !== undefined`: the national pattern, then any type's pattern and lengths. */
function hasType(nsn: string, plan: Plan): boolean {
  if (!plan.nationalNumber.test(nsn) || plan.types === null) return false;
  return plan.types.some((t) => (!t.lengths || t.lengths.includes(nsn.length)) && t.pattern.test(nsn));
}

/**
 * `isValid()` (types when the plan has them, else the national pattern), and a possible length, so
 * that `validatePhoneNumberLength`, which `toE164` asks first, would have passed it too.
 */
function isValidIn(nsn: string, plan: Plan): boolean {
  const valid = plan.types === null ? plan.nationalNumber.test(nsn) : hasType(nsn, plan);
  return valid && (!plan.lengths || plan.lengths.includes(nsn.length));
}

/** `getCountryByCallingCode`: the one country of the code, or the first whose leading digits or types fit. */
function countryFor(countries: string[], nsn: string): string | undefined {
  if (countries.length === 1) return countries[0];
  for (const country of countries) {
    const plan = planOf(country);
    if (plan.leadingDigits) {
      if (nsn.search(plan.leadingDigits) === 0) return country;
    } else if (hasType(nsn, plan)) return country;
  }
  return undefined;
}

/**
 * The national significant number when `digits` (what follows the calling code) is valid, else
 * null. `parsingPlan` is the plan libphonenumber strips a national prefix with: the calling code's
 * main country after a `+`, the default region otherwise; `fallback` is the country it keeps when no
 * country of the code claims the number (none after a `+`: the main country's rules apply).
 */
function validNational(callingCode: string, digits: string, parsingPlan: Plan, fallback?: string): string | null {
  const countries = metadata.getCountryCodesForCallingCode(callingCode);
  if (!countries) return null;
  // A national prefix (or carrier code) libphonenumber might strip: leave the judgement to it.
  if (parsingPlan.nationalPrefix?.test(digits)) return null;
  if (digits.length < MIN_NSN || digits.length > MAX_NSN) return null;
  const country = countryFor(countries, digits) ?? fallback ?? countries[0]!;
  return isValidIn(digits, planOf(country)) ? digits : null;
}

/**
 * The E.164 form of `text` when it is a plain E.164 or bare national number that libphonenumber
 * would accept, else null (undecided: run the full parse). `text` is already trimmed.
 */
export function fastE164(text: string, defaultRegion: string | undefined): string | null {
  if (text.length < 3 || text.length > 18) return null;
  if (text.charCodeAt(0) === 43 /* + */) {
    const digits = text.slice(1);
    if (!/^[1-9]\d+$/.test(digits)) return null;
    // Calling codes are prefix-free: the first one that exists is the number's.
    for (let i = 1; i <= MAX_CALLING_CODE && i < digits.length; i++) {
      const code = digits.slice(0, i);
      if (!metadata.hasCallingCode(code)) continue;
      const countries = metadata.getCountryCodesForCallingCode(code);
      // Non-geographic (+800, +882, …): the full parse handles those.
      if (!countries) return null;
      const nsn = validNational(code, digits.slice(i), planOf(countries[0]!));
      return nsn === null ? null : `+${code}${nsn}`;
    }
    return null;
  }
  if (!defaultRegion || !/^\d+$/.test(text) || !metadata.hasCountry(defaultRegion)) return null;
  const region = planOf(defaultRegion);
  // An international prefix, or the region's own calling code written without `+`: libphonenumber
  // may read either as international; not copied here.
  if (text.search(region.iddPrefix) === 0 || text.startsWith(region.callingCode)) return null;
  const nsn = validNational(region.callingCode, text, region, defaultRegion);
  return nsn === null ? null : `+${region.callingCode}${nsn}`;
}
