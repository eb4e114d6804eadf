/**
 * SPEC §4.4 (ext) the country → IANA zones table (`domain/country-zones.ts`), generated from tzdata by
 * `npm run zones:generate` (`bin/country-zones.ts`): it is exactly what the generator writes, it
 * matches the machine's tzdata zone table, and every zone is one this runtime's `Intl` knows.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  parseZoneTab,
  readZoneTable,
  renderCountryZones,
  tableLines,
  tzdataVersion,
  zoneinfoDir,
} from '../../bin/country-zones';
import { countriesWithZones, countryZones, TZDATA_SOURCE, TZDATA_VERSION } from '../../domain/country-zones';
import { isValidTimeZone } from '../../domain/time';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const committed = new Map(countriesWithZones().map((cc) => [cc, [...countryZones(cc)]]));

describe('§4.4 (ext) country → zones table', () => {
  it('is what the generator writes for it (no hand edits)', () => {
    const text = readFileSync(path.join(root, 'domain/country-zones.ts'), 'utf8');
    expect(renderCountryZones(committed, TZDATA_SOURCE, TZDATA_VERSION)).toBe(text);
  });

  it("matches this machine's tzdata zone table (regenerate with npm run zones:generate)", () => {
    const dir = zoneinfoDir(process.env);
    const system = readZoneTable(dir);
    // Without tzdata on the machine there is nothing to compare with; the table must still be sound.
    if (system === null) {
      expect(committed.size).toBeGreaterThan(200);
      return;
    }
    expect(system.source, `${dir} has ${system.source}; the table came from ${TZDATA_SOURCE}`).toBe(TZDATA_SOURCE);
    expect(Object.fromEntries(committed), `tzdata ${system.version} in ${dir}`).toEqual(
      Object.fromEntries(parseZoneTab(system.text)),
    );
  });

  it('names only zones this runtime knows', () => {
    const zones = [...new Set([...committed.values()].flat())];
    expect(zones.length).toBeGreaterThan(300);
    expect(zones.filter((z) => !isValidTimeZone(z))).toEqual([]);
  });

  it('lists a country of one zone, and a country of several most populous first', () => {
    expect(countryZones('IN')).toEqual(['Asia/Kolkata']);
    expect(countryZones('US')[0]).toBe('America/New_York');
    expect(countryZones('US')).toContain('Pacific/Honolulu');
    expect(countryZones('AU')).toEqual(expect.arrayContaining(['Australia/Sydney', 'Australia/Lord_Howe']));
    expect(countryZones('ZZ')).toEqual([]);
  });
});

describe('§4.4 (ext) the generator', () => {
  const zone1970 = [
    '# comment',
    '#codes\tcoordinates\tTZ\tcomments',
    'AU\t-3133+15905\tAustralia/Lord_Howe\tLord Howe Island',
    'CA,BS\t+4339-07923\tAmerica/Toronto\tEastern - ON & QC (most areas)',
    'CA\t+4901-08816\tAmerica/Nipigon',
    '',
    'AU\t-3352+15113\tAustralia/Sydney\tNew South Wales (most areas)',
  ].join('\n');

  it('reads zone1970.tab (several countries a line) and zone.tab (one), keeping file order per country', () => {
    expect(Object.fromEntries(parseZoneTab(zone1970))).toEqual({
      AU: ['Australia/Lord_Howe', 'Australia/Sydney'],
      BS: ['America/Toronto'],
      CA: ['America/Toronto', 'America/Nipigon'],
    });
    expect(Object.fromEntries(parseZoneTab('IN\t+2232+08822\tAsia/Kolkata\n'))).toEqual({ IN: ['Asia/Kolkata'] });
  });

  it('refuses a line that is not a zone table line, naming it', () => {
    expect(() => parseZoneTab('AU Australia/Sydney')).toThrow(/not a zone table line: "AU Australia\/Sydney"/);
    expect(() => parseZoneTab('au\t+0\tAustralia/Sydney')).toThrow(/not a country code: "au"/);
  });

  it('wraps a long country under 120 columns by repeating its code, and reads the tzdata version', () => {
    const lines = tableLines(new Map([['US', [...countryZones('US')]]]));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((l) => l.startsWith('US ') && l.length <= 120)).toBe(true);
    expect(lines.flatMap((l) => l.split(' ').slice(1))).toEqual(countryZones('US'));
    expect(tzdataVersion('# version 2025b\n# ddeps backzone\n')).toBe('2025b');
    expect(tzdataVersion(null)).toBeNull();
  });
});
