/**
 * SPEC §4.4 (ext) the campaign-level window with per-recipient local time (`campaignWindowState` in
 * `domain/recipient-window.ts`, for the `campaignWindow` activity): open while any remaining
 * recipient's window is open, opening at the first of their openings; recipients without a window
 * keep it open briefly so they are dialled (and fail `no_window`); the account's window otherwise.
 */
import { describe, expect, it } from 'vitest';
import { callingWindow, windowState, type WindowState } from '../../domain/calling-window';
import { campaignWindowState, NO_WINDOW_RECHECK_MS, type WindowSettings } from '../../domain/recipient-window';

const ALL = [1, 2, 3, 4, 5, 6, 7];
const at = (iso: string) => Date.parse(iso);
const local: WindowSettings = {
  timezone: 'Asia/Kolkata',
  callingWindow: '10:30-21:00',
  callingDays: ALL,
  recipientLocalTime: true,
};
const INDIA = { number: '+919876543210' };
const US = { number: '+12125550123' };
const RUSSIA = { number: '+79161234567' };

describe('§4.4 (ext) the campaign window is the union of its recipients’ windows', () => {
  // India 10:30-21:00 IST = 05:00Z-15:30Z; every US zone 20:30Z-02:00Z (January).
  it.each<[string, WindowState, string]>([
    ['2024-01-15T04:00:00Z', { open: false, nextOpenMs: at('2024-01-15T05:00:00Z') }, 'both closed: India opens first'],
    ['2024-01-15T10:00:00Z', { open: true, closesAtMs: at('2024-01-15T15:30:00Z') }, 'India open'],
    ['2024-01-15T15:30:00Z', { open: false, nextOpenMs: at('2024-01-15T20:30:00Z') }, 'India closed: the US next'],
    ['2024-01-15T20:30:00Z', { open: true, closesAtMs: at('2024-01-16T02:00:00Z') }, 'the US open'],
    ['2024-01-16T02:00:00Z', { open: false, nextOpenMs: at('2024-01-16T05:00:00Z') }, 'both closed again'],
  ])('at %s: %j (%s)', (instant, state) => {
    expect(campaignWindowState(local, [US, INDIA, US], at(instant))).toEqual(state);
  });

  it('closes at the first closing while several are open, and follows a contact’s timezone', () => {
    // A US contact in Los Angeles: 10:30-21:00 PST = 18:30Z-05:00Z, open with India at 15:00Z.
    const la = { number: US.number, vars: { timezone: 'America/Los_Angeles' } };
    expect(campaignWindowState(local, [la], at('2024-01-15T18:30:00Z'))).toEqual({
      open: true,
      closesAtMs: at('2024-01-16T05:00:00Z'),
    });
    const always = { ...local, callingWindow: '00:00-24:00' };
    expect(campaignWindowState(always, [INDIA, la], at('2024-01-15T12:00:00Z'))).toEqual({
      open: true,
      closesAtMs: null,
    });
  });

  it('keeps itself open a minute at a time for recipients with no window, so they are dialled and fail', () => {
    const narrow = { ...local, callingWindow: '09:00-17:00' };
    const t = at('2024-01-15T12:00:00Z'); // India (03:30Z-11:30Z) closed; Russia has no window.
    expect(campaignWindowState(narrow, [INDIA, RUSSIA], t)).toEqual({
      open: true,
      closesAtMs: t + NO_WINDOW_RECHECK_MS,
    });
    expect(campaignWindowState(narrow, [INDIA], t)).toEqual({ open: false, nextOpenMs: at('2024-01-16T03:30:00Z') });
  });

  it('is the account window with the setting off, or with no recipients left', () => {
    const t = at('2024-01-15T20:30:00Z');
    const kolkata = windowState(callingWindow('10:30-21:00', 'Asia/Kolkata', ALL), t);
    expect(campaignWindowState({ ...local, recipientLocalTime: false }, [US], t)).toEqual(kolkata);
    expect(campaignWindowState(local, [], t)).toEqual(kolkata);
  });
});
