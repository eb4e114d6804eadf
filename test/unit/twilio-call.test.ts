/**
 * SPEC §7 `twilio`: statuses, status callbacks and Call resources parsed (domain/twilio-call.ts), and
 * the adapter's reading of Twilio's error answers and of the Calls list (activities/carriers/twilio.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  formatTwilioTime,
  parseTwilioCallRecord,
  parseTwilioStatusCallback,
  parseTwilioTime,
  twilioStatusKind,
} from '../../domain/twilio-call';
import { classifyTwilioError, pickTwilioCall } from '../../activities/carriers/twilio';

const SID = 'CAabcdef0123456789abcdef0123456789';

describe('§7 Twilio statuses', () => {
  it('maps completed, busy, no-answer, failed and canceled; queued..in-progress are live', () => {
    expect(['completed', 'busy', 'no-answer', 'failed', 'canceled', 'BUSY'].map(twilioStatusKind)).toEqual([
      { kind: 'final', status: 'completed' },
      { kind: 'final', status: 'busy' },
      { kind: 'final', status: 'no-answer' },
      { kind: 'final', status: 'failed' },
      { kind: 'final', status: 'failed' },
      { kind: 'final', status: 'busy' },
    ]);
    for (const s of ['queued', 'initiated', 'ringing', 'in-progress'])
      expect(twilioStatusKind(s)).toEqual({ kind: 'live' });
    expect(twilioStatusKind('answered')).toBeNull();
    expect(twilioStatusKind(3)).toBeNull();
  });

  it('reads and writes RFC 2822 times as Twilio does', () => {
    const at = new Date('2024-01-15T09:00:05Z');
    expect(formatTwilioTime(at)).toBe('Mon, 15 Jan 2024 09:00:05 +0000');
    expect(parseTwilioTime('Mon, 15 Jan 2024 09:00:05 +0000')).toEqual(at);
    expect(parseTwilioTime('Mon, 15 Jan 2024 14:30:05 +0530')).toEqual(at);
    expect(parseTwilioTime('2024-01-15T09:00:05Z')).toBeNull();
    expect(parseTwilioTime('yesterday')).toBeNull();
  });
});

describe('§7 Twilio status callback', () => {
  it('parses a completed call: duration, start = end - duration, recording', () => {
    const r = parseTwilioStatusCallback({
      CallSid: SID,
      CallStatus: 'completed',
      CallDuration: '42',
      Timestamp: 'Mon, 15 Jan 2024 09:01:00 +0000',
      RecordingUrl: 'https://api.twilio.com/rec/1',
    });
    expect(r).toEqual({
      ok: true,
      value: {
        carrierSid: SID,
        status: 'completed',
        reason: null,
        startTimeMs: Date.parse('2024-01-15T09:00:18Z'),
        endTimeMs: Date.parse('2024-01-15T09:01:00Z'),
        duration: 42,
        digits: null,
        recordingUrl: 'https://api.twilio.com/rec/1',
      },
    });
  });

  it('parses an unanswered call with no start and zero duration', () => {
    const r = parseTwilioStatusCallback({ CallSid: SID, CallStatus: 'no-answer', CallDuration: '0' });
    expect(r).toMatchObject({
      ok: true,
      value: { status: 'no-answer', startTimeMs: null, endTimeMs: null, duration: 0 },
    });
  });

  it('refuses a missing or bad CallSid, a live or unknown status, bad numbers and times, naming the field', () => {
    const fails = (fields: Record<string, unknown>) => {
      const r = parseTwilioStatusCallback(fields);
      return r.ok ? null : r.field;
    };
    expect(fails({ CallStatus: 'completed' })).toBe('CallSid');
    expect(fails({ CallSid: 'CA123', CallStatus: 'completed' })).toBe('CallSid');
    expect(fails({ CallSid: SID, CallStatus: 'ringing' })).toBe('CallStatus');
    expect(fails({ CallSid: SID, CallStatus: 'exploded' })).toBe('CallStatus');
    expect(fails({ CallSid: SID, CallStatus: 'completed', CallDuration: '-1' })).toBe('CallDuration');
    expect(fails({ CallSid: SID, CallStatus: 'completed', Timestamp: 'soon' })).toBe('Timestamp');
  });
});

describe('§7 Twilio Call resource', () => {
  it('reads a final call, and a live or unknown status as live', () => {
    const call = {
      sid: SID,
      status: 'completed',
      start_time: 'Mon, 15 Jan 2024 09:00:00 +0000',
      end_time: 'Mon, 15 Jan 2024 09:01:00 +0000',
      duration: '50',
    };
    expect(parseTwilioCallRecord(call)).toEqual({
      ok: true,
      value: {
        kind: 'final',
        outcome: {
          carrierSid: SID,
          status: 'completed',
          reason: null,
          startTimeMs: Date.parse('2024-01-15T09:00:10Z'),
          endTimeMs: Date.parse('2024-01-15T09:01:00Z'),
          duration: 50,
          digits: null,
          recordingUrl: null,
        },
      },
    });
    expect(parseTwilioCallRecord({ ...call, status: 'busy', duration: null })).toMatchObject({
      ok: true,
      value: { kind: 'final', outcome: { status: 'busy', startTimeMs: null, duration: 0 } },
    });
    expect(parseTwilioCallRecord({ sid: SID, status: 'ringing' })).toEqual({
      ok: true,
      value: { kind: 'live', carrierSid: SID },
    });
    expect(parseTwilioCallRecord({ sid: SID, status: 'new-status' })).toMatchObject({ value: { kind: 'live' } });
    expect(parseTwilioCallRecord([])).toMatchObject({ ok: false });
    expect(parseTwilioCallRecord({ status: 'completed' })).toMatchObject({ ok: false, field: 'sid' });
  });

  it('picks the latest call created within the window', () => {
    const at = (s: string) => `Mon, 15 Jan 2024 09:00:${s} +0000`;
    const calls = [
      { sid: 'a', date_created: at('01') },
      { sid: 'b', date_created: at('30') },
      { sid: 'c', date_created: at('59') },
      { sid: 'd', date_created: 'garbage' },
    ];
    const window = [new Date('2024-01-15T09:00:00Z'), new Date('2024-01-15T09:00:40Z')] as const;
    expect(pickTwilioCall(calls, ...window)?.sid).toBe('b');
    expect(pickTwilioCall(calls, new Date('2024-01-15T10:00:00Z'), new Date('2024-01-15T11:00:00Z'))).toBeNull();
  });
});

describe('§7 Twilio error answers', () => {
  it('reads account-level, rate-limit, caller-id and invalid-number answers', () => {
    expect(classifyTwilioError(401, 20003)).toBe('account');
    expect(classifyTwilioError(403, null)).toBe('account');
    expect(classifyTwilioError(400, 10001)).toBe('account');
    expect(classifyTwilioError(429, null)).toBe('rate_limited');
    expect(classifyTwilioError(400, 20429)).toBe('rate_limited');
    expect(classifyTwilioError(400, 21211)).toBe('invalid_number');
    expect(classifyTwilioError(400, 21214)).toBe('invalid_number');
    expect(classifyTwilioError(400, 21212)).toBe('caller_id');
    expect(classifyTwilioError(400, 21210)).toBe('caller_id');
    expect(classifyTwilioError(400, 21205)).toBe('refused');
    expect(classifyTwilioError(404, null)).toBe('refused');
    expect(classifyTwilioError(503, null)).toBe('unavailable');
    expect(classifyTwilioError(500, 20500)).toBe('unavailable');
  });
});
