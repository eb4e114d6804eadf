/**
 * SPEC §3 (ext) `?validation=report` (`domain/campaign-report.ts`): every invalid number with its
 * reason, and, for an account with `recipient_local_time` (SPEC §4.4), every number that would be
 * dialled but whose zones share no instant of the calling window, judged at `send_at` or now.
 */
import { describe, expect, it } from 'vitest';
import type { AccountSettings } from '../../domain/campaign-input';
import { reportCampaign } from '../../domain/campaign-report';
import type { WindowSettings } from '../../domain/recipient-window';

const account: AccountSettings = {
  sid: 'acme',
  timezone: 'Asia/Kolkata',
  defaultRegion: 'IN',
  callerIds: null,
  callsPerMinute: 60,
};
const accountWindow: WindowSettings = {
  timezone: 'Asia/Kolkata',
  callingWindow: '10:30-21:00',
  callingDays: [1, 2, 3, 4, 5, 6, 7],
  recipientLocalTime: false,
};
const recipientLocal: WindowSettings = { ...accountWindow, recipientLocalTime: true };
const now = new Date('2024-01-15T03:30:00Z');
const base = { from: '+919876543210', caller_id: '08047112233', url: 'https://flows.example.com/926' };

const US = '+12125550123';
const RUSSIA = '+79161234567';

function reportOf(body: Record<string, unknown>, window: WindowSettings = accountWindow) {
  const r = reportCampaign({ ...base, ...body }, account, now, window);
  if (!r.ok) throw new Error(r.error.description);
  return r.report;
}

describe('§3 validation=report (ext)', () => {
  it('lists every invalid number with its reason and position', () => {
    expect(reportOf({ from: ['9876543210', '12ab', '09876543210', '1234', '+919876543211'] })).toEqual({
      total: 5,
      valid: 3,
      dialled: 2,
      invalid: [
        { position: 2, number: '12ab', reason: 'only digits, spaces, a leading +, and - . ( ) / are allowed' },
        { position: 4, number: '1234', reason: 'too short' },
      ],
      no_window: [],
    });
  });

  it('still fails on rules other than numbers', () => {
    const r = reportCampaign({ ...base, caller_id: undefined }, account, now, accountWindow);
    expect(r.ok).toBe(false);
  });
});

describe('§4.4 (ext) validation=report lists numbers with no window', () => {
  it('names each dialled number whose zones never share an instant of the window, with the zones', () => {
    // 09:00-17:00: Kaliningrad (UTC+2) closes at 15:00Z before Kamchatka (UTC+12) opens at 21:00Z;
    // every US zone shares 20:00Z-22:00Z; India has one zone.
    const narrow = { ...recipientLocal, callingWindow: '09:00-17:00' };
    const r = reportOf({ from: [RUSSIA, US, '+919876543210', '+79161234568', RUSSIA] }, narrow);
    expect(r.dialled).toBe(4);
    expect(r.no_window).toEqual([
      { position: 1, number: RUSSIA, reason: 'no_window', zones: expect.arrayContaining(['Asia/Kamchatka']) },
      { position: 4, number: '+79161234568', reason: 'no_window', zones: expect.arrayContaining(['Asia/Kamchatka']) },
    ]);
  });

  it('lists a duplicate entry again only when duplicates are dialled', () => {
    const narrow = { ...recipientLocal, callingWindow: '09:00-17:00' };
    const r = reportOf({ from: [RUSSIA, RUSSIA], call_duplicate_numbers: true }, narrow);
    expect(r.no_window.map((n) => n.position)).toEqual([1, 2]);
  });

  it("lists nothing when the account's window is in its own zone", () => {
    expect(reportOf({ from: [RUSSIA, US] }, { ...accountWindow, callingWindow: '09:00-17:00' }).no_window).toEqual([]);
  });

  it('judges the window at send_at: a US window that meets only before the spring-forward change', () => {
    // 10:30-16:00: EST (UTC-5) closes at 21:00Z, Hawaii opens at 20:30Z; in summer EDT closes at 20:00Z.
    const w = { ...recipientLocal, callingWindow: '10:30-16:00' };
    const winter = reportOf({ from: [US], schedule: { send_at: '2024-01-20T00:00:00Z' } }, w);
    expect(winter.no_window).toEqual([]);
    const summer = reportOf({ from: [US], schedule: { send_at: '2024-06-01T00:00:00Z' } }, w);
    expect(summer.no_window).toEqual([
      { position: 1, number: US, reason: 'no_window', zones: expect.arrayContaining(['Pacific/Honolulu']) },
    ]);
  });
});
