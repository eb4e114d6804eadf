/**
 * SPEC §4.5 (ext) per-carrier pacing: each connection's key and calls-per-second ceiling (Twilio 1 by
 * default, configurable per account), the gate's rate capped by it, and the simulator's exact share
 * of 429 answers the carrier-backoff benchmark relies on.
 */
import { describe, expect, it } from 'vitest';
import { carrierConnection, connectionIntervalMs, effectiveCallsPerMinute } from '../../domain/carrier-pacing';
import { dialIntervalMs } from '../../domain/throttle';
import { rateLimiter } from '../../simulator/twilio-app';

const twilio = { type: 'twilio' as const, baseUrl: 'https://api.twilio.com', accountSid: `AC${'1'.repeat(32)}` };

describe('§4.5 (ext) carrier connections', () => {
  it('gives Twilio a ceiling of 1 call per second unless the account sets cps', () => {
    expect(carrierConnection(twilio, 'acme')).toEqual({
      key: `twilio https://api.twilio.com ${twilio.accountSid}`,
      cps: 1,
    });
    expect(carrierConnection({ ...twilio, cps: 5 }, 'acme').cps).toBe(5);
  });

  it('names a connection by the carrier account, so two Outcall accounts on one Twilio account share it', () => {
    expect(carrierConnection(twilio, 'a').key).toBe(carrierConnection(twilio, 'b').key);
    expect(carrierConnection({ ...twilio, accountSid: `AC${'2'.repeat(32)}` }, 'a').key).not.toBe(
      carrierConnection(twilio, 'a').key,
    );
  });

  it('gives Exotel and the simulator no ceiling of their own unless set', () => {
    const exotel = { type: 'exotel' as const, baseUrl: 'https://api.exotel.com', sid: 'acme' };
    expect(carrierConnection(exotel, 'acme')).toEqual({ key: 'exotel https://api.exotel.com acme', cps: null });
    expect(carrierConnection({ ...exotel, cps: 3 }, 'acme').cps).toBe(3);
    expect(carrierConnection({ type: 'simulator' }, 'acme')).toEqual({ key: 'simulator acme', cps: null });
    expect(connectionIntervalMs(null)).toBe(0);
  });

  it('spaces a connection like an account of cps × 60 calls a minute, and caps the gate at it', () => {
    expect(connectionIntervalMs(2)).toBe(dialIntervalMs(120));
    expect(effectiveCallsPerMinute(600, { key: 'k', cps: 1 })).toBe(60);
    expect(effectiveCallsPerMinute(30, { key: 'k', cps: 1 })).toBe(30);
    expect(effectiveCallsPerMinute(600, { key: 'k', cps: null })).toBe(600);
  });
});

describe('the simulator answers an exact share of dials 429', () => {
  it.each([0, 0.2, 0.5, 1])('answers %f of 100 dials 429, evenly spread', (share) => {
    const limited = rateLimiter(share);
    const answers = Array.from({ length: 100 }, () => limited());
    expect(answers.filter(Boolean)).toHaveLength(Math.round(100 * share));
    if (share === 0.2) expect(answers.slice(0, 10).filter(Boolean)).toHaveLength(2);
  });
});
