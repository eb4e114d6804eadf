import { describe, expect, it } from 'vitest';
import {
  canonicalRetries,
  checkCallerId,
  checkSchedule,
  checkThrottleHeadroom,
  defaultCampaignName,
  normaliseNumbers,
  numbersToDial,
  prepareCampaign,
  type AccountSettings,
} from '../../domain/campaign-input';

const account: AccountSettings = {
  sid: 'acme',
  timezone: 'Asia/Kolkata',
  defaultRegion: 'IN',
  callerIds: null,
  callsPerMinute: 60,
};
const now = new Date('2024-01-15T03:30:00Z'); // 09:00:00 in Asia/Kolkata
const base = { from: '+919876543210', caller_id: '08047112233', url: 'https://flows.example.com/926' };

function draftOf(body: Record<string, unknown>, acct: AccountSettings = account) {
  const r = prepareCampaign(body, acct, now);
  if (!r.ok) throw new Error(r.error.description);
  return r.draft;
}

function errorOf(body: Record<string, unknown>, acct: AccountSettings = account) {
  const r = prepareCampaign(body, acct, now);
  if (r.ok) throw new Error('expected a failure');
  return r.error;
}

describe('§3 numbers', () => {
  it('normalises every entry to E.164, in order', () => {
    expect(draftOf({ ...base, from: ['09876543211', '+919876543210', '01140002400'] }).numbers).toEqual([
      '+919876543211',
      '+919876543210',
      '+911140002400',
    ]);
  });

  it('de-duplicates after normalisation, keeping the first occurrence', () => {
    expect(draftOf({ ...base, from: '9876543210,+91 98765 43211,09876543210,+919876543211' }).numbers).toEqual([
      '+919876543210',
      '+919876543211',
    ]);
  });

  it('dials every entry when call_duplicate_numbers is true', () => {
    expect(draftOf({ ...base, from: '9876543210,09876543210', call_duplicate_numbers: true }).numbers).toEqual([
      '+919876543210',
      '+919876543210',
    ]);
  });

  it('applies the account default region to numbers without a country code', () => {
    expect(draftOf({ ...base, from: '2025550123' }, { ...account, defaultRegion: 'US' }).numbers).toEqual([
      '+12025550123',
    ]);
  });

  it('fails on the first invalid number, naming it and its 1-based position', () => {
    expect(errorOf({ ...base, from: '9876543210,1234,12ab' })).toEqual({
      kind: 'invalid_number',
      field: 'from[2]',
      description: 'from[2]: "1234" is not a valid phone number (too short)',
    });
    expect(normaliseNumbers(['+919876543210', '+919876543210', '12ab'], 'IN')).toEqual({
      ok: false,
      error: {
        kind: 'invalid_number',
        field: 'from[3]',
        description:
          'from[3]: "12ab" is not a valid phone number (only digits, spaces, a leading +, and - . ( ) / are allowed)',
      },
    });
  });

  it('counts positions over the entries of a comma string after empty pieces are skipped', () => {
    expect(errorOf({ ...base, from: '9876543210,,  ,abc' }).field).toBe('from[2]');
  });

  it('keeps first-seen order when de-duplicating', () => {
    expect(numbersToDial(['+2', '+1', '+2', '+3', '+1'], false)).toEqual(['+2', '+1', '+3']);
    expect(numbersToDial(['+2', '+1', '+2'], true)).toEqual(['+2', '+1', '+2']);
  });
});

describe('§3 name', () => {
  it('defaults to "<account_sid> <YYYY-MM-DD HH:mm:ss>" in the account time zone', () => {
    expect(draftOf(base).name).toBe('acme 2024-01-15 09:00:00');
    expect(defaultCampaignName('acme', now, 'America/New_York')).toBe('acme 2024-01-14 22:30:00');
  });

  it('keeps a given name, trimmed', () => {
    expect(draftOf({ ...base, name: '  Promo  ' }).name).toBe('Promo');
  });
});

describe('§3 retries', () => {
  it('defaults to no retries, Linear, on every failure status', () => {
    expect(canonicalRetries(undefined)).toEqual({
      number_of_retries: 0,
      interval_mins: null,
      mechanism: 'Linear',
      on_status: ['busy', 'no-answer', 'failed'],
    });
  });

  it('canonicalises mechanism case and on_status spelling and order', () => {
    expect(
      draftOf({
        ...base,
        retries: {
          number_of_retries: 3,
          interval_mins: 10,
          mechanism: 'EXPONENTIAL',
          on_status: ['failure', 'no_answer', 'failed'],
        },
      }).retries,
    ).toEqual({
      number_of_retries: 3,
      interval_mins: 10,
      mechanism: 'Exponential',
      on_status: ['no-answer', 'failed'],
    });
  });
});

describe('§3 schedule', () => {
  it('accepts a send_at within the one-minute grace and stores instants', () => {
    const r = checkSchedule({ send_at: '2024-01-15T08:59:30+05:30', end_at: '2024-01-15T18:00:00+05:30' }, now);
    expect(r).toEqual({ ok: true, sendAt: new Date('2024-01-15T03:29:30Z'), endAt: new Date('2024-01-15T12:30:00Z') });
  });

  it('rejects a send_at more than a minute in the past', () => {
    expect(checkSchedule({ send_at: '2024-01-15T08:58:59+05:30' }, now)).toEqual({
      ok: false,
      error: {
        kind: 'invalid_parameter',
        field: 'schedule.send_at',
        description: 'schedule.send_at 2024-01-15T08:58:59+05:30 is in the past',
      },
    });
  });

  it('rejects a send_at more than one year ahead', () => {
    expect(checkSchedule({ send_at: '2025-01-15T03:30:00Z' }, now).ok).toBe(true);
    const r = checkSchedule({ send_at: '2025-01-15T03:30:01Z' }, now);
    expect(r.ok ? null : r.error.description).toBe('schedule.send_at 2025-01-15T03:30:01Z is more than one year ahead');
  });

  it('requires end_at after send_at', () => {
    const r = checkSchedule({ send_at: '2024-01-16T10:00:00+05:30', end_at: '2024-01-16T10:00:00+05:30' }, now);
    expect(r.ok ? null : r.error.description).toBe(
      'schedule.end_at 2024-01-16T10:00:00+05:30 must be after schedule.send_at 2024-01-16T10:00:00+05:30',
    );
  });

  it('requires end_at in the future when there is no send_at', () => {
    const r = checkSchedule({ end_at: '2024-01-15T09:00:00+05:30' }, now);
    expect(r.ok ? null : r.error.description).toBe('schedule.end_at 2024-01-15T09:00:00+05:30 is not in the future');
    expect(checkSchedule({ end_at: '2024-01-15T09:00:01+05:30' }, now).ok).toBe(true);
  });

  it('compares instants, whatever offsets they are written in', () => {
    expect(checkSchedule({ send_at: '2024-01-15T04:00:00Z', end_at: '2024-01-15T09:31:00+05:30' }, now).ok).toBe(true);
  });

  it('means start now when there is no schedule', () => {
    expect(draftOf(base)).toMatchObject({ sendAt: null, endAt: null });
  });
});

describe('§3 caller_id', () => {
  it('accepts any caller id when the account registers none', () => {
    expect(checkCallerId('anything', account)).toBeNull();
    expect(checkCallerId('anything', { ...account, callerIds: [] })).toBeNull();
  });

  it('requires one of the registered caller ids when the account has some', () => {
    const acct = { ...account, callerIds: ['08047112233'] };
    expect(checkCallerId('08047112233', acct)).toBeNull();
    expect(errorOf({ ...base, caller_id: '08000000000' }, acct)).toEqual({
      kind: 'caller_id_not_allowed',
      field: 'caller_id',
      description: 'caller_id "08000000000" is not one of the account\'s registered caller ids',
    });
  });
});

describe('§3 throttle headroom', () => {
  it('allows custom throttles summing to calls_per_minute − 1', () => {
    expect(checkThrottleHeadroom({ throttle: 29, callsPerMinute: 60, reservedByOthers: 30 })).toBeNull();
  });

  it('rejects one more, naming the headroom', () => {
    expect(checkThrottleHeadroom({ throttle: 30, callsPerMinute: 60, reservedByOthers: 30 })).toEqual({
      kind: 'throttle_over_capacity',
      field: 'throttle',
      description:
        'throttle 30 exceeds the headroom of 29 calls per minute (calls_per_minute 60 − 1 − 30 reserved by other ' +
        'custom campaigns)',
    });
  });

  it('rejects a lone throttle equal to calls_per_minute', () => {
    expect(checkThrottleHeadroom({ throttle: 60, callsPerMinute: 60, reservedByOthers: 0 })?.description).toMatch(
      /headroom of 59/,
    );
  });

  it('reports zero headroom rather than a negative one', () => {
    expect(checkThrottleHeadroom({ throttle: 1, callsPerMinute: 10, reservedByOthers: 12 })?.description).toMatch(
      /headroom of 0 calls per minute/,
    );
  });
});

describe('§3 the normalised campaign', () => {
  it('derives flow_type from the content source', () => {
    expect(draftOf(base)).toMatchObject({ flowType: 'ivr', url: 'https://flows.example.com/926', readViaText: null });
    expect(draftOf({ ...base, url: undefined, read_via_text: 'Hello' })).toMatchObject({
      flowType: 'greeting',
      url: null,
      readViaText: 'Hello',
    });
  });

  it('carries callbacks, mode, throttle and custom_field', () => {
    expect(
      draftOf({
        ...base,
        status_callback: 'https://hooks.example.com/s',
        mode: 'custom',
        throttle: 5,
        custom_field: ['a', 1],
      }),
    ).toMatchObject({
      statusCallback: 'https://hooks.example.com/s',
      callStatusCallback: null,
      mode: 'custom',
      throttle: 5,
      customField: ['a', 1],
    });
  });
});
