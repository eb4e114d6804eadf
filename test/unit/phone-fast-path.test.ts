/**
 * SPEC §3 "Numbers": the fast path (domain/phone-fast-path.ts) never disagrees with libphonenumber's full parse on a
 * large seeded set of numbers (verdict, E.164 and reason), and it decides most plain valid numbers itself, or it would
 * save nothing. The set: docs/tests.md.
 */
import { describe, expect, it } from 'vitest';
import examples from 'libphonenumber-js/examples.mobile.json';
import { getCountryCallingCode, Metadata, type CountryCode } from 'libphonenumber-js/max';
import { toE164, toE164ByFullParse } from '../../domain/phone';
import { fastE164 } from '../../domain/phone-fast-path';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = prng(20_13);
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const regions = Object.keys(examples) as CountryCode[];
/** Default regions the numbers are read with: the account setting (SPEC §7), IN by default. */
const DEFAULTS = ['IN', 'US', 'CA', 'GB', 'DE', 'AU', 'AE', 'BR', 'RU', 'SG', 'JM', 'IM', 'FR', 'NG'];
/** Countries sharing a calling code (NANP, +7, +44, +61, +47, +590, …) get extra draws. */
const SHARED = ['US', 'CA', 'JM', 'BS', 'PR', 'RU', 'KZ', 'GB', 'IM', 'JE', 'GG', 'AU', 'CX', 'CC', 'NO', 'SJ', 'GP'];

/** Each region's national (trunk) prefix, when it has one: '0', '1', '8', '06', … */
function trunkPrefix(region: CountryCode): string | undefined {
  // The typings of `Metadata` omit the numbering plan's accessors (libphonenumber-js source/metadata.js).
  const m = new Metadata() as unknown as {
    selectNumberingPlan(c: string): void;
    numberingPlan: { nationalPrefix(): string | undefined };
  };
  m.selectNumberingPlan(region);
  return m.numberingPlan.nationalPrefix() || undefined;
}

/** An example number of `region` with its last 1..7 digits redrawn: mostly valid, often not. */
function mutated(region: CountryCode): string {
  const national = (examples as Record<string, string>)[region]!;
  const keep = Math.max(1, national.length - 1 - Math.floor(rnd() * 7));
  return national.slice(0, keep) + digits(national.length - keep + (rnd() < 0.1 ? pick([-1, 1]) : 0));
}

/** `[raw, defaultRegion]` pairs in the spellings the fast path takes and some it must leave alone. */
function generated(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let round = 0; round < 40; round++) {
    for (const region of [...regions, ...SHARED, ...SHARED]) {
      const cc = getCountryCallingCode(region as CountryCode);
      const national = mutated(region as CountryCode);
      const home = rnd() < 0.5 ? region : pick(DEFAULTS);
      out.push([`+${cc}${national}`, pick(DEFAULTS)]);
      out.push([national, home]);
      if (round % 4 === 0) {
        out.push([`0${national}`, home]);
        out.push([`${cc}${national}`, home]);
        out.push([`+${cc}0${national}`, pick(DEFAULTS)]);
        out.push([`+${cc} ${national}`, home]);
        const trunk = trunkPrefix(region as CountryCode);
        if (trunk) out.push([`${trunk}${national}`, region], [`+${cc}${trunk}${national}`, pick(DEFAULTS)]);
      }
    }
  }
  // Carrier codes and mobile tokens libphonenumber strips or rewrites (Brazil, Argentina, Colombia).
  for (let i = 0; i < 500; i++) {
    out.push([`0${pick(['15', '21', '41', '31'])}${pick(['11', '21', '61'])}9${digits(8)}`, 'BR']);
    out.push([`+550${pick(['15', '21'])}119${digits(8)}`, 'BR']);
    out.push([`0${pick(['11', '221', '351'])}15${digits(pick([6, 7, 8]))}`, 'AR']);
    out.push([`0${pick(['3', '5', '7', '9', '444'])}${pick(['1', '3', '6'])}${digits(pick([7, 9]))}`, 'CO']);
  }
  for (let i = 0; i < 20_000; i++) {
    const len = 3 + Math.floor(rnd() * 15);
    const d = digits(len);
    out.push([rnd() < 0.5 ? `+${d}` : d, pick(DEFAULTS)]);
  }
  return out;
}

describe('§3 numbers: the fast path gives the same verdicts as the full parse', () => {
  const cases = generated();

  it(`agrees on ${cases.length.toLocaleString('en')} generated numbers of ${regions.length} regions`, () => {
    const disagreements: Array<{ raw: string; region: string; fast: unknown; full: unknown }> = [];
    let validPlain = 0;
    let decided = 0;
    let invalid = 0;
    for (const [raw, region] of cases) {
      const full = toE164ByFullParse(raw, region);
      const combined = toE164(raw, region);
      const fast = fastE164(raw, region);
      if (JSON.stringify(combined) !== JSON.stringify(full) || (fast !== null && (!full.ok || full.e164 !== fast)))
        disagreements.push({ raw, region, fast, full });
      if (!full.ok) invalid++;
      else if (/^\+?\d+$/.test(raw)) {
        validPlain++;
        if (fast !== null) decided++;
      }
    }
    expect(disagreements.slice(0, 10)).toEqual([]);
    // The set exercises both verdicts in volume.
    expect(invalid).toBeGreaterThan(20_000);
    expect(validPlain).toBeGreaterThan(20_000);
    // Most plain valid numbers never reach the full parse (those it leaves: trunk prefixes, numbers
    // written with the region's calling code but no `+`, non-geographic codes).
    expect(decided / validPlain).toBeGreaterThan(0.6);
  });

  it('decides the plain spellings and leaves the rest to the full parse', () => {
    expect(fastE164('+919876543210', 'IN')).toBe('+919876543210');
    expect(fastE164('9876543210', 'IN')).toBe('+919876543210');
    expect(fastE164('+14155552671', 'IN')).toBe('+14155552671');
    expect(fastE164('2025550123', 'US')).toBe('+12025550123');
    // A trunk prefix, the region's own calling code without `+`, punctuation: not copied here.
    expect(fastE164('09876543210', 'IN')).toBeNull();
    expect(fastE164('919876543210', 'IN')).toBeNull();
    expect(fastE164('+91 98765 43210', 'IN')).toBeNull();
    // Not valid: the full parse says why.
    expect(fastE164('+15555555555', 'IN')).toBeNull();
    expect(toE164('+15555555555', 'IN')).toEqual({ ok: false, reason: 'not a valid number in country code +1' });
  });
});
