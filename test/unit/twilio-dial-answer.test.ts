/** SPEC §7: what each of Twilio's answers to a dial request means (accepted, not sent, unknown, refused). */
import { describe, expect, it } from 'vitest';
import { twilioDialAnswer } from '../../activities/carriers/twilio';

const json = (o: unknown) => JSON.stringify(o);
const headers = (h: Record<string, string> = {}) => new Headers(h);

describe('§7 Twilio dial answers', () => {
  it('reads a 201 with a sid as a call, and a 2xx without one as a call that may exist', () => {
    expect(twilioDialAnswer(201, headers(), json({ sid: 'CA1' }))).toEqual({ kind: 'accepted', carrierSid: 'CA1' });
    expect(twilioDialAnswer(201, headers(), json({}))).toMatchObject({ kind: 'unknown' });
    expect(twilioDialAnswer(200, headers(), 'not json')).toMatchObject({ kind: 'unknown' });
  });

  it('reads 429 and code 20429 as slow down, honouring Retry-After', () => {
    expect(twilioDialAnswer(429, headers({ 'retry-after': '7' }), json({ code: 20429 }))).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 7_000,
    });
    expect(twilioDialAnswer(400, headers(), json({ code: 20429, message: 'Too Many Requests' }))).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 1_000,
    });
  });

  it('reads 503 and 408 as not sent, other 5xx as a call that may exist', () => {
    expect(twilioDialAnswer(503, headers(), json({ message: 'down' }))).toMatchObject({ kind: 'not_sent' });
    expect(twilioDialAnswer(503, headers({ 'retry-after': '2' }), '')).toMatchObject({
      kind: 'not_sent',
      retryAfterMs: 2_000,
    });
    expect(twilioDialAnswer(408, headers(), '')).toMatchObject({ kind: 'not_sent' });
    expect(twilioDialAnswer(500, headers(), '')).toMatchObject({ kind: 'unknown' });
    expect(twilioDialAnswer(502, headers(), '')).toMatchObject({ kind: 'unknown' });
  });

  it('reads other 4xx as refusals: account-level, caller id, invalid number', () => {
    expect(twilioDialAnswer(401, headers(), json({ code: 20003, message: 'Authenticate' }))).toMatchObject({
      kind: 'refused',
      httpStatus: 401,
      accountLevel: true,
      callerIdRefused: false,
    });
    expect(twilioDialAnswer(400, headers(), json({ code: 21212, message: 'bad From' }))).toMatchObject({
      kind: 'refused',
      accountLevel: false,
      callerIdRefused: true,
    });
    expect(twilioDialAnswer(400, headers(), json({ code: 21211, message: "Invalid 'To'" }))).toMatchObject({
      kind: 'refused',
      message: "Twilio 21211: Invalid 'To'",
      accountLevel: false,
      callerIdRefused: false,
      invalidNumber: true,
    });
  });

  it('tells invalid or unreachable numbers (21211, 21214, 21217) from other refusals', () => {
    for (const code of [21211, 21214, 21217])
      expect(twilioDialAnswer(400, headers(), json({ code, message: 'bad To' })), String(code)).toMatchObject({
        kind: 'refused',
        accountLevel: false,
        callerIdRefused: false,
        invalidNumber: true,
      });
    for (const code of [21212, 21215, 13224, null])
      expect(twilioDialAnswer(400, headers(), json({ code, message: 'no' })), String(code)).toMatchObject({
        kind: 'refused',
        invalidNumber: false,
      });
    // An invalid-number code on an account-level status is the account's failure, not the number's.
    expect(twilioDialAnswer(401, headers(), json({ code: 21211 }))).toMatchObject({
      accountLevel: true,
      invalidNumber: false,
    });
  });
});
