/**
 * SPEC §7 `twilio`: Outcall's X-Twilio-Signature (domain/twilio-signature.ts) is the one Twilio's own
 * Node helper library computes and accepts (`twilio` is a dev dependency for this).
 */
import { describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { createHmac } from 'node:crypto';
import { twilioSignature, verifyTwilioSignature } from '../../domain/twilio-signature';

const hmac = (key: string, data: string) => createHmac('sha1', key).update(data, 'utf8').digest('base64');

const TOKEN = '12345abcdef67890fedcba0987654321';
const URL = 'https://outcall.example.com/carriers/twilio/status?token=1_0123456789abcdef0123456789abcdef';
const PARAMS = {
  CallSid: 'CA1234567890abcdef1234567890abcdef',
  CallStatus: 'completed',
  CallDuration: '12',
  Caller: '+14158675309',
  To: '+918012345678',
  'Weird key & value': 'ünïcødé = "quoted"',
};

describe('§7 X-Twilio-Signature', () => {
  it("computes the signature Twilio's helper library computes, and that it accepts", () => {
    const ours = twilioSignature(hmac, TOKEN, URL, PARAMS);
    expect(ours).toBe(twilio.getExpectedTwilioSignature(TOKEN, URL, PARAMS));
    expect(twilio.validateRequest(TOKEN, ours, URL, PARAMS)).toBe(true);
    expect(twilioSignature(hmac, TOKEN, URL, {})).toBe(twilio.getExpectedTwilioSignature(TOKEN, URL, {}));
  });

  it('verifies a genuine signature, with or without the default port in the URL', () => {
    const sig = twilioSignature(hmac, TOKEN, URL, PARAMS);
    expect(verifyTwilioSignature(hmac, TOKEN, sig, URL, PARAMS)).toBe(true);
    const withPort = URL.replace('outcall.example.com', 'outcall.example.com:443');
    expect(verifyTwilioSignature(hmac, TOKEN, twilioSignature(hmac, TOKEN, withPort, PARAMS), URL, PARAMS)).toBe(true);
    expect(verifyTwilioSignature(hmac, TOKEN, sig, withPort, PARAMS)).toBe(true);
  });

  it('refuses a signature made with another token, URL, query, parameter value or extra parameter', () => {
    const sig = twilioSignature(hmac, TOKEN, URL, PARAMS);
    expect(verifyTwilioSignature(hmac, 'another-token', sig, URL, PARAMS)).toBe(false);
    expect(verifyTwilioSignature(hmac, TOKEN, sig, URL.replace('status', 'greeting'), PARAMS)).toBe(false);
    expect(verifyTwilioSignature(hmac, TOKEN, sig, URL.replace('token=1_', 'token=2_'), PARAMS)).toBe(false);
    expect(verifyTwilioSignature(hmac, TOKEN, sig, URL, { ...PARAMS, CallStatus: 'busy' })).toBe(false);
    expect(verifyTwilioSignature(hmac, TOKEN, sig, URL, { ...PARAMS, Extra: '' })).toBe(false);
    expect(
      verifyTwilioSignature(
        hmac,
        TOKEN,
        sig,
        URL.replace('https://outcall.example.com', 'https://outcall.example.com:8443'),
        PARAMS,
      ),
    ).toBe(false);
    expect(verifyTwilioSignature(hmac, TOKEN, undefined, URL, PARAMS)).toBe(false);
    expect(verifyTwilioSignature(hmac, TOKEN, '', URL, PARAMS)).toBe(false);
    expect(verifyTwilioSignature(hmac, TOKEN, `${sig}x`, URL, PARAMS)).toBe(false);
  });
});
