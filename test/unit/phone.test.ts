import { describe, expect, it } from 'vitest';
import { regionOf, toE164 } from '../../domain/phone';

describe('§3 numbers: toE164', () => {
  const valid: Array<[string, string, string]> = [
    ['+919876543210', 'IN', '+919876543210'],
    ['9876543210', 'IN', '+919876543210'],
    ['09876543210', 'IN', '+919876543210'],
    ['919876543210', 'IN', '+919876543210'],
    ['+91 98765 43210', 'IN', '+919876543210'],
    ['+91-98765-43210', 'IN', '+919876543210'],
    ['0091 9876543210', 'IN', '+919876543210'],
    ['01140002400', 'IN', '+911140002400'],
    ['(022) 2659-2400', 'IN', '+912226592400'],
    ['08026592400', 'IN', '+918026592400'],
    ['04424342400', 'IN', '+914424342400'],
    ['+14155552671', 'IN', '+14155552671'],
    ['+44 20 7946 0958', 'IN', '+442079460958'],
    ['2025550123', 'US', '+12025550123'],
    ['(202) 555-0123', 'US', '+12025550123'],
    ['  +919876543210  ', 'IN', '+919876543210'],
  ];
  it.each(valid)('normalises %s (region %s) to %s', (raw, region, e164) => {
    expect(toE164(raw, region)).toEqual({ ok: true, e164 });
  });

  const invalid: Array<[string, string, string]> = [
    ['', 'IN', 'empty'],
    ['   ', 'IN', 'empty'],
    ['12ab', 'IN', 'only digits, spaces, a leading +, and - . ( ) / are allowed'],
    ['+91987654321x', 'IN', 'only digits, spaces, a leading +, and - . ( ) / are allowed'],
    ['98765*43210', 'IN', 'only digits, spaces, a leading +, and - . ( ) / are allowed'],
    ['1234', 'IN', 'too short'],
    ['98765', 'IN', 'too short'],
    ['+999123456789', 'IN', 'unknown country calling code'],
    ['0000000000', 'IN', 'not a valid number in IN'],
    ['5555555555', 'US', 'not a valid number in US'],
    ['+15555555555', 'IN', 'not a valid number in country code +1'],
  ];
  it.each(invalid)('rejects %j (region %s) as %s', (raw, region, reason) => {
    expect(toE164(raw, region)).toEqual({ ok: false, reason });
  });

  it('reads a number without country code in the account default region', () => {
    expect(toE164('2025550123', 'US')).toEqual({ ok: true, e164: '+12025550123' });
    expect(toE164('2025550123', 'IN')).toEqual({ ok: true, e164: '+912025550123' });
  });

  it('still parses numbers with a country code when the default region is unknown', () => {
    expect(toE164('+919876543210', 'ZZ')).toEqual({ ok: true, e164: '+919876543210' });
  });
});

describe('§4.4 (ext) the country of a number: regionOf', () => {
  it.each([
    ['+919876543210', 'IN'],
    ['+12125550123', 'US'],
    ['+16045550123', 'CA'],
    ['+79161234567', 'RU'],
    ['+77011234567', 'KZ'],
    ['+447781123456', 'GG'],
    ['+61891234567', 'AU'],
  ])('%s is in %s, shared country codes told apart', (e164, country) => {
    expect(regionOf(e164)).toBe(country);
  });

  it('is null for a number no country owns, or one that does not parse', () => {
    expect(regionOf('+80012345678')).toBeNull();
    expect(regionOf('+88216123456')).toBeNull();
    expect(regionOf('not a number')).toBeNull();
  });
});
