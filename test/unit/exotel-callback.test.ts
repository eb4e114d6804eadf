import { describe, expect, it } from 'vitest';
import {
  exotelStatusKind,
  formatExotelTime,
  parseExotelCallRecord,
  parseExotelStatusCallback,
  parseExotelTime,
} from '../../domain/exotel-callback';

const sid = '80bfbec2d78bbbf10fb851f4fa165211';

describe('§7 exotel status callback parsing', () => {
  it('parses a JSON terminal callback with Exotel field names', () => {
    const r = parseExotelStatusCallback({
      CallSid: sid,
      EventType: 'terminal',
      Status: 'completed',
      DateUpdated: '2024-01-15 09:00:07',
      StartTime: '2024-01-15 09:00:00',
      EndTime: '2024-01-15 09:00:07',
      ConversationDuration: 5,
      RecordingUrl: 'https://rec.example/a.mp3',
      CustomField: 'x',
      Legs: [{ OnCallDuration: 5, Status: 'completed', AnsweredBy: 'Human' }],
    });
    expect(r).toEqual({
      ok: true,
      value: {
        status: 'completed',
        reason: null,
        carrierSid: sid,
        startTimeMs: Date.parse('2024-01-15T03:30:00Z'),
        endTimeMs: Date.parse('2024-01-15T03:30:07Z'),
        duration: 5,
        digits: null,
        recordingUrl: 'https://rec.example/a.mp3',
      },
    });
  });

  it('parses a form-encoded callback whose values are all strings', () => {
    const form = Object.fromEntries(
      new URLSearchParams(
        `CallSid=${sid}&Status=no-answer&Duration=0&RecordingUrl=&Digits=%2212%22&StartTime=&EndTime=`,
      ),
    );
    const r = parseExotelStatusCallback(form);
    expect(r.ok && r.value).toMatchObject({
      status: 'no-answer',
      duration: 0,
      digits: '12',
      recordingUrl: null,
      startTimeMs: null,
      endTimeMs: null,
    });
  });

  it('accepts the four default fields alone (duration 0)', () => {
    const r = parseExotelStatusCallback({
      CallSid: sid,
      Status: 'busy',
      DateUpdated: '2024-01-15 09:00:07',
      RecordingUrl: null,
    });
    expect(r.ok && r.value).toMatchObject({ carrierSid: sid, status: 'busy', duration: 0 });
  });

  it('prefers ConversationDuration over Duration', () => {
    const r = parseExotelStatusCallback({
      CallSid: sid,
      Status: 'completed',
      ConversationDuration: '8',
      Duration: '17',
    });
    expect(r.ok && r.value.duration).toBe(8);
  });

  it('accepts RFC 3339 times with an offset', () => {
    const r = parseExotelStatusCallback({ CallSid: sid, Status: 'failed', StartTime: '2024-01-15T09:00:00+05:30' });
    expect(r.ok && r.value.startTimeMs).toEqual(Date.parse('2024-01-15T03:30:00Z'));
  });

  it('maps a top-level canceled call to failed and no_answer to no-answer', () => {
    expect(parseExotelStatusCallback({ CallSid: sid, Status: 'canceled' })).toMatchObject({
      ok: true,
      value: { status: 'failed' },
    });
    expect(parseExotelStatusCallback({ CallSid: sid, Status: 'No_Answer' })).toMatchObject({
      ok: true,
      value: { status: 'no-answer' },
    });
  });

  it.each([
    [{ Status: 'completed' }, 'CallSid'],
    [{ CallSid: '', Status: 'completed' }, 'CallSid'],
    [{ CallSid: sid }, 'Status'],
    [{ CallSid: sid, Status: 'in-progress' }, 'Status'],
    [{ CallSid: sid, Status: 'exploded' }, 'Status'],
    [{ CallSid: sid, Status: 'completed', StartTime: 'yesterday' }, 'StartTime'],
    [{ CallSid: sid, Status: 'completed', EndTime: '2024-02-30 10:00:00' }, 'EndTime'],
    [{ CallSid: sid, Status: 'completed', ConversationDuration: '-3' }, 'ConversationDuration'],
    [{ CallSid: sid, Status: 'completed', Duration: 'long' }, 'Duration'],
    [{ CallSid: sid, Status: 'completed', RecordingUrl: { url: 'x' } }, 'RecordingUrl'],
  ])('rejects %j naming %s', (body, field) => {
    const r = parseExotelStatusCallback(body);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.field).toBe(field);
      expect(r.message).toContain(field);
    }
  });

  it('rejects a body that is not an object', () => {
    expect(parseExotelStatusCallback([1, 2])).toMatchObject({ ok: false, field: 'body' });
    expect(parseExotelStatusCallback('CallSid=x')).toMatchObject({ ok: false, field: 'body' });
  });
});

describe('§7 exotel call records', () => {
  it('reads a finished call with Details.ConversationDuration', () => {
    const r = parseExotelCallRecord({
      Sid: sid,
      Status: 'completed',
      StartTime: '2017-03-03 10:48:33',
      EndTime: '2017-03-03 10:49:50',
      Duration: '17',
      RecordingUrl: null,
      Details: { ConversationDuration: 8 },
    });
    expect(r).toMatchObject({
      ok: true,
      value: { kind: 'final', outcome: { carrierSid: sid, status: 'completed', duration: 8 } },
    });
  });

  it('reads queued, ringing and in-progress calls as live', () => {
    for (const Status of ['queued', 'ringing', 'in-progress']) {
      expect(parseExotelCallRecord({ Sid: sid, Status })).toEqual({
        ok: true,
        value: { kind: 'live', carrierSid: sid },
      });
    }
  });

  it('needs a Sid', () => {
    expect(parseExotelCallRecord({ Status: 'completed' })).toMatchObject({ ok: false, field: 'Sid' });
  });
});

describe('§7 exotel v1 times', () => {
  it('formats and parses account-local time without an offset', () => {
    const at = new Date('2024-01-15T03:30:05Z');
    expect(formatExotelTime(at)).toBe('2024-01-15 09:00:05');
    expect(parseExotelTime('2024-01-15 09:00:05')).toEqual(at);
  });

  it('round-trips across a DST change in another zone', () => {
    const at = new Date('2024-03-10T07:30:00Z');
    expect(formatExotelTime(at, 'America/New_York')).toBe('2024-03-10 03:30:00');
    expect(parseExotelTime('2024-03-10 03:30:00', 'America/New_York')).toEqual(at);
  });

  it('classifies statuses', () => {
    expect(exotelStatusKind('completed')).toEqual({ kind: 'final', status: 'completed' });
    expect(exotelStatusKind('ringing')).toEqual({ kind: 'live' });
    expect(exotelStatusKind('weird')).toBeNull();
    expect(exotelStatusKind(3)).toBeNull();
  });
});
