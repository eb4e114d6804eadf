/**
 * SPEC §4.4 (ext) calling window in the recipient's local time (`domain/recipient-window.ts`): hand-computed openings
 * and closings to the minute for one-zone and many-zone countries across DST, `no_window`, a contact's `timezone`, the
 * setting off, and its use in `decideNext` and `windowState` (cases: docs/tests.md).
 */
import { getCountries } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { decideNext } from '../../domain/attempt-next';
import { callingWindow, deferToWindow, windowState, type CallingWindow } from '../../domain/calling-window';
import { recipientWindow, recipientZones, zonesOfCountry, type WindowSettings } from '../../domain/recipient-window';

const ALL = [1, 2, 3, 4, 5, 6, 7];
const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace(':00.000Z', 'Z'));

/** An account in New York whose window follows each recipient. */
const local: WindowSettings = {
  timezone: 'America/New_York',
  callingWindow: '10:30-21:00',
  callingDays: ALL,
  recipientLocalTime: true,
};

const INDIA = '+919876543210';
const US = '+12125550123';
const AUSTRALIA = '+61412345678';
const RUSSIA = '+79161234567';

function windowOf(settings: WindowSettings, number: string, atMs: number, vars?: Record<string, string>) {
  const w = recipientWindow(settings, number, vars ?? null, atMs);
  if (w.kind !== 'window') throw new Error(`${number}: no window at ${iso(atMs)}`);
  return w.window;
}

/** `open until <closing>` or `closed until <opening>`, in UTC to the minute. */
function describeState(cw: CallingWindow, atMs: number): string {
  const s = windowState(cw, atMs);
  return s.open ? `open until ${iso(s.closesAtMs)}` : `closed until ${iso(s.nextOpenMs)}`;
}

describe('§4.4 (ext) a country of one zone: India', () => {
  it('uses Asia/Kolkata, not the account zone: 10:30-21:00 IST is 05:00Z-15:30Z', () => {
    expect(recipientZones(local, INDIA, null)).toEqual({ zones: ['Asia/Kolkata'], source: 'country', country: 'IN' });
    const w = windowOf(local, INDIA, at('2024-01-15T00:00Z'));
    expect(w).toEqual(callingWindow('10:30-21:00', 'Asia/Kolkata', ALL));
    expect(describeState(w, at('2024-01-15T04:59Z'))).toBe('closed until 2024-01-15T05:00Z');
    expect(describeState(w, at('2024-01-15T05:00Z'))).toBe('open until 2024-01-15T15:30Z');
    expect(describeState(w, at('2024-01-15T15:30Z'))).toBe('closed until 2024-01-16T05:00Z');
  });

  it("ignores a contact's timezone for a country of one zone", () => {
    expect(recipientZones(local, INDIA, { timezone: 'America/Chicago' }).zones).toEqual(['Asia/Kolkata']);
  });
});

describe('§4.4 (ext) a country of several zones: the United States', () => {
  // Eastern (UTC-5, -4 in summer) closes first, Hawaii (UTC-10, no DST) opens last.
  it('opens only when open in every US zone: 20:30Z (10:30 Hawaii) to 02:00Z (21:00 EST) in winter', () => {
    const z = recipientZones(local, US, null);
    expect(z.source).toBe('country');
    expect(z.zones).toEqual(expect.arrayContaining(['America/New_York', 'America/Chicago', 'Pacific/Honolulu']));
    expect(z.zones.length).toBeGreaterThan(20);
    const w = windowOf(local, US, at('2024-01-15T12:00Z'));
    expect(describeState(w, at('2024-01-15T12:00Z'))).toBe('closed until 2024-01-15T20:30Z');
    expect(describeState(w, at('2024-01-15T20:29Z'))).toBe('closed until 2024-01-15T20:30Z');
    expect(describeState(w, at('2024-01-15T20:30Z'))).toBe('open until 2024-01-16T02:00Z');
    expect(describeState(w, at('2024-01-16T01:59Z'))).toBe('open until 2024-01-16T02:00Z');
    expect(describeState(w, at('2024-01-16T02:00Z'))).toBe('closed until 2024-01-16T20:30Z');
  });

  it('closes an hour earlier in UTC from the spring-forward day (2024-03-10), when Eastern is UTC-4', () => {
    const w = windowOf(local, US, at('2024-03-09T12:00Z'));
    expect(describeState(w, at('2024-03-09T20:30Z'))).toBe('open until 2024-03-10T02:00Z');
    expect(describeState(w, at('2024-03-10T02:00Z'))).toBe('closed until 2024-03-10T20:30Z');
    expect(describeState(w, at('2024-03-10T20:30Z'))).toBe('open until 2024-03-11T01:00Z');
    expect(describeState(w, at('2024-03-11T01:00Z'))).toBe('closed until 2024-03-11T20:30Z');
  });

  it('closes an hour later again from the fall-back day (2024-11-03)', () => {
    const w = windowOf(local, US, at('2024-11-02T12:00Z'));
    expect(describeState(w, at('2024-11-02T20:30Z'))).toBe('open until 2024-11-03T01:00Z');
    expect(describeState(w, at('2024-11-03T01:00Z'))).toBe('closed until 2024-11-03T20:30Z');
    expect(describeState(w, at('2024-11-03T20:30Z'))).toBe('open until 2024-11-04T02:00Z');
  });

  it('applies the calling days in each zone: Friday evening in New York, then Monday', () => {
    const weekdays = { ...local, callingDays: [1, 2, 3, 4, 5] };
    const w = windowOf(weekdays, US, at('2024-01-19T12:00Z'));
    // Friday 2024-01-19: 15:30-21:00 EST is 20:30Z-02:00Z; Saturday and Sunday closed everywhere.
    expect(describeState(w, at('2024-01-20T01:59Z'))).toBe('open until 2024-01-20T02:00Z');
    expect(describeState(w, at('2024-01-20T02:00Z'))).toBe('closed until 2024-01-22T20:30Z');
  });

  it("uses the contact's timezone column when it names an IANA zone", () => {
    const vars = { timezone: 'America/Los_Angeles' };
    expect(recipientZones(local, US, vars)).toEqual({
      zones: ['America/Los_Angeles'],
      source: 'contact',
      country: 'US',
    });
    // 10:30-21:00 PST is 18:30Z-05:00Z: open earlier and later than the intersection.
    const w = windowOf(local, US, at('2024-01-15T12:00Z'), vars);
    expect(describeState(w, at('2024-01-15T18:30Z'))).toBe('open until 2024-01-16T05:00Z');
  });

  it('falls back to the intersection when the timezone column is not an IANA zone', () => {
    expect(recipientZones(local, US, { timezone: 'Pacific Time' }).zones.length).toBeGreaterThan(20);
    expect(recipientZones(local, US, { timezone: '' }).source).toBe('country');
  });

  it('has no window for 10:00-11:00: Eastern 15:00Z-16:00Z and Hawaii 20:00Z-21:00Z never meet', () => {
    const narrow = { ...local, callingWindow: '10:00-11:00' };
    const w = recipientWindow(narrow, US, null, at('2024-01-15T12:00Z'));
    expect(w.kind).toBe('none');
    expect(w.zones).toContain('Pacific/Honolulu');
    // The same window in one zone of the country is fine.
    expect(recipientWindow(narrow, US, { timezone: 'America/New_York' }, at('2024-01-15T12:00Z')).kind).toBe('window');
  });
});

describe('§4.4 (ext) a southern-hemisphere country with half-hour zones: Australia', () => {
  // Perth (UTC+8) opens last; the first to close is UTC+11 (Sydney, Lord Howe) in summer and Lord
  // Howe (UTC+10:30) in winter. Lord Howe moves its clocks by 30 minutes.
  it('southern summer: 02:30Z (10:30 Perth) to 10:00Z (21:00 AEDT)', () => {
    const w = windowOf(local, AUSTRALIA, at('2024-01-15T00:00Z'));
    expect(recipientZones(local, AUSTRALIA, null).zones).toEqual(
      expect.arrayContaining(['Australia/Perth', 'Australia/Eucla', 'Australia/Adelaide', 'Australia/Lord_Howe']),
    );
    expect(describeState(w, at('2024-01-15T02:29Z'))).toBe('closed until 2024-01-15T02:30Z');
    expect(describeState(w, at('2024-01-15T02:30Z'))).toBe('open until 2024-01-15T10:00Z');
  });

  it('southern winter: Lord Howe at UTC+10:30 closes first, at 10:30Z', () => {
    const w = windowOf(local, AUSTRALIA, at('2024-07-15T00:00Z'));
    expect(describeState(w, at('2024-07-15T02:30Z'))).toBe('open until 2024-07-15T10:30Z');
    expect(describeState(w, at('2024-07-15T10:30Z'))).toBe('closed until 2024-07-16T02:30Z');
  });

  it('closes half an hour earlier in UTC from the spring-forward day (2024-10-06)', () => {
    const w = windowOf(local, AUSTRALIA, at('2024-10-05T00:00Z'));
    expect(describeState(w, at('2024-10-05T10:29Z'))).toBe('open until 2024-10-05T10:30Z');
    expect(describeState(w, at('2024-10-05T10:30Z'))).toBe('closed until 2024-10-06T02:30Z');
    expect(describeState(w, at('2024-10-06T02:30Z'))).toBe('open until 2024-10-06T10:00Z');
  });

  it('closes half an hour later from the fall-back day (2024-04-07)', () => {
    const w = windowOf(local, AUSTRALIA, at('2024-04-06T00:00Z'));
    expect(describeState(w, at('2024-04-06T02:30Z'))).toBe('open until 2024-04-06T10:00Z');
    expect(describeState(w, at('2024-04-07T02:30Z'))).toBe('open until 2024-04-07T10:30Z');
  });

  it("uses a contact's Australia/Adelaide (UTC+10:30 in summer): 00:00Z to 10:30Z", () => {
    const w = windowOf(local, AUSTRALIA, at('2024-01-15T00:00Z'), { timezone: 'Australia/Adelaide' });
    expect(describeState(w, at('2024-01-15T00:00Z'))).toBe('open until 2024-01-15T10:30Z');
  });
});

describe('§4.4 (ext) no window: a narrow window across eleven zones (Russia)', () => {
  it('10:30-21:00 leaves half an hour: 08:30Z (10:30 Kaliningrad) to 09:00Z (21:00 Kamchatka)', () => {
    const w = windowOf(local, RUSSIA, at('2024-01-15T00:00Z'));
    expect(describeState(w, at('2024-01-15T08:00Z'))).toBe('closed until 2024-01-15T08:30Z');
    expect(describeState(w, at('2024-01-15T08:30Z'))).toBe('open until 2024-01-15T09:00Z');
  });

  it('09:00-17:00 leaves none: no_window, naming the zones', () => {
    const w = recipientWindow({ ...local, callingWindow: '09:00-17:00' }, RUSSIA, null, at('2024-01-15T00:00Z'));
    expect(w).toMatchObject({ kind: 'none', source: 'country', country: 'RU' });
    expect(w.zones).toEqual(expect.arrayContaining(['Europe/Kaliningrad', 'Asia/Kamchatka']));
  });
});

describe('§4.4 (ext) countries and their zones', () => {
  it('gives every region libphonenumber-js knows at least one zone', () => {
    expect(getCountries().filter((cc) => zonesOfCountry(cc).length === 0)).toEqual([]);
    expect(zonesOfCountry('XK')).toEqual(['Europe/Belgrade']);
    expect(zonesOfCountry('AC')).toEqual(zonesOfCountry('SH'));
  });
});

describe('§4.4 (ext) numbers without a country', () => {
  it("use the contact's zone, else the account's", () => {
    expect(recipientZones(local, '+80012345678', null)).toEqual({
      zones: ['America/New_York'],
      source: 'account',
      country: null,
    });
    expect(recipientZones(local, '+80012345678', { timezone: 'Europe/Paris' }).zones).toEqual(['Europe/Paris']);
  });
});

describe('§4.4 (ext) it drops in where the dial path uses callingWindow(account…)', () => {
  const account: WindowSettings = { ...local, timezone: 'Asia/Kolkata', recipientLocalTime: false };

  it('is exactly the account window when the setting is off, whatever the number', () => {
    for (const n of [INDIA, US, AUSTRALIA, '+80012345678']) {
      const w = recipientWindow(account, n, { timezone: 'America/Chicago' }, at('2024-01-15T00:00Z'));
      expect(w).toEqual({
        kind: 'window',
        window: callingWindow('10:30-21:00', 'Asia/Kolkata', ALL),
        zones: ['Asia/Kolkata'],
        source: 'account',
        country: null,
      });
    }
  });

  it('defers a retry in decideNext to the recipient window opening plus the jitter', () => {
    // A US number busy at 2024-01-15 19:00Z, retried in 10 minutes: 19:10Z is before 20:30Z.
    const nowMs = at('2024-01-15T19:00Z');
    const base = {
      outcome: 'busy' as const,
      retryDelayMs: 10 * MIN,
      jitterMs: 17_000,
      nowMs,
      draining: false,
      endAtMs: null,
    };
    expect(decideNext({ ...base, window: windowOf(local, US, nowMs) })).toEqual({
      kind: 'retry',
      atMs: at('2024-01-15T20:30:17Z'),
    });
    // With the setting off the account's window (Kolkata, closed 15:30Z-05:00Z) decides, as today.
    expect(decideNext({ ...base, window: windowOf(account, US, nowMs) })).toEqual({
      kind: 'retry',
      atMs: at('2024-01-16T05:00:17Z'),
    });
    expect(deferToWindow(windowOf(local, US, nowMs), at('2024-01-15T21:00Z'), 17_000)).toBe(at('2024-01-15T21:00Z'));
  });

  it('answers the window check before a dial as windowState always has', () => {
    const nowMs = at('2024-01-15T19:00Z');
    expect(windowState(windowOf(local, US, nowMs), nowMs)).toEqual({
      open: false,
      nextOpenMs: at('2024-01-15T20:30Z'),
    });
    expect(windowState(windowOf(local, INDIA, nowMs), nowMs)).toEqual({
      open: false,
      nextOpenMs: at('2024-01-16T05:00Z'),
    });
  });
});
