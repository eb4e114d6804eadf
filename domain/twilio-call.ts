/**
 * SPEC §7 `twilio` carrier: Twilio's call statuses, its status callback (form fields) and its Call
 * resource (JSON), parsed and validated without I/O. The API parses callbacks with it; the twilio
 * adapter parses lookups with it. Twilio renders times in RFC 2822 (`Tue, 31 Aug 2010 20:36:28 +0000`).
 */
import type { AttemptStatus } from './attempt-status';
import type { CallOutcome } from './call-outcome';
import type { ParseResult } from './exotel-callback';

/** Where a Twilio call `status` puts the call: final with an attempt status, or still live. */
export type TwilioStatusKind = { kind: 'final'; status: AttemptStatus } | { kind: 'live' };

const FINAL: Record<string, AttemptStatus> = {
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  failed: 'failed',
  // Canceled while queued or ringing: the call never connected; Outcall has no such attempt status.
  canceled: 'failed',
};
const LIVE = new Set(['queued', 'initiated', 'ringing', 'in-progress']);

/** Maps a Twilio `status` / `CallStatus` to final or live, or null when it is not one of Twilio's. */
export function twilioStatusKind(raw: unknown): TwilioStatusKind | null {
  if (typeof raw !== 'string') return null;
  const s = raw.trim().toLowerCase();
  const final = FINAL[s];
  if (final) return { kind: 'final', status: final };
  return LIVE.has(s) ? { kind: 'live' } : null;
}

const RFC2822 = /^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?\s+(?:[+-]\d{4}|GMT|UTC)$/;

/** Parses an RFC 2822 time as Twilio writes it; null when the text is not one. */
export function parseTwilioTime(text: string): Date | null {
  const t = text.trim();
  if (!RFC2822.test(t)) return null;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** `at` in RFC 2822 as Twilio renders it (always `+0000`). */
export function formatTwilioTime(at: Date): string {
  return at.toUTCString().replace(/GMT$/, '+0000');
}

type Fields = Record<string, unknown>;
const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

function text(fields: Fields, field: string): ParseResult<string | null> {
  const v = fields[field];
  if (isBlank(v)) return { ok: true, value: null };
  if (typeof v === 'string') return { ok: true, value: v.trim() };
  if (typeof v === 'number') return { ok: true, value: String(v) };
  return { ok: false, field, message: `${field} must be a string, got ${JSON.stringify(v)}` };
}

function time(fields: Fields, field: string): ParseResult<Date | null> {
  const v = fields[field];
  if (isBlank(v)) return { ok: true, value: null };
  const d = typeof v === 'string' ? parseTwilioTime(v) : null;
  return d
    ? { ok: true, value: d }
    : { ok: false, field, message: `${field} must be an RFC 2822 time, got ${JSON.stringify(v)}` };
}

function seconds(fields: Fields, field: string): ParseResult<number | null> {
  const v = fields[field];
  if (isBlank(v)) return { ok: true, value: null };
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : Number.NaN;
  return Number.isFinite(n) && n >= 0
    ? { ok: true, value: Math.round(n) }
    : { ok: false, field, message: `${field} must be a non-negative number of seconds, got ${JSON.stringify(v)}` };
}

function sid(fields: Fields, field: string): ParseResult<string> {
  const v = fields[field];
  if (typeof v === 'string' && /^CA[0-9a-fA-F]{32}$/.test(v.trim())) return { ok: true, value: v.trim() };
  return {
    ok: false,
    field,
    message: `${field} must be a Twilio call sid (CA + 32 hex), got ${JSON.stringify(v ?? null)}`,
  };
}

/**
 * Parses Twilio's status callback for the `completed` event (`CallStatus` final): `CallSid`,
 * `CallDuration` (seconds connected), `Timestamp` (when the call ended), `RecordingUrl`. The call's
 * start is its end less its duration when it was answered. An error names the first bad field.
 */
export function parseTwilioStatusCallback(fields: Fields): ParseResult<CallOutcome> {
  const callSid = sid(fields, 'CallSid');
  if (!callSid.ok) return callSid;
  const status = twilioStatusKind(fields.CallStatus);
  if (!status || status.kind !== 'final')
    return {
      ok: false,
      field: 'CallStatus',
      message:
        'CallStatus must be completed, busy, no-answer, failed or canceled, ' +
        `got ${JSON.stringify(fields.CallStatus ?? null)}`,
    };
  const duration = seconds(fields, 'CallDuration');
  if (!duration.ok) return duration;
  const ended = time(fields, 'Timestamp');
  if (!ended.ok) return ended;
  const recordingUrl = text(fields, 'RecordingUrl');
  if (!recordingUrl.ok) return recordingUrl;
  const d = duration.value ?? 0;
  const answered = status.status === 'completed';
  return {
    ok: true,
    value: {
      carrierSid: callSid.value,
      status: status.status,
      reason: null,
      startTimeMs: answered && ended.value ? ended.value.getTime() - d * 1000 : null,
      endTimeMs: ended.value?.getTime() ?? null,
      duration: answered ? d : 0,
      digits: null,
      recordingUrl: recordingUrl.value,
    },
  };
}

/** What a Call resource (`GET .../Calls/{sid}.json`, or one item of the list) says about a call. */
export type TwilioCallRecord = { kind: 'final'; outcome: CallOutcome } | { kind: 'live'; carrierSid: string };

/**
 * Parses one Twilio Call resource (`sid`, `status`, `end_time`, `duration`). Unknown
 * statuses count as live: the caller keeps waiting rather than settle on a guess.
 */
export function parseTwilioCallRecord(call: unknown): ParseResult<TwilioCallRecord> {
  if (typeof call !== 'object' || call === null || Array.isArray(call))
    return { ok: false, field: 'call', message: 'the call record must be an object' };
  const fields = call as Fields;
  const callSid = sid(fields, 'sid');
  if (!callSid.ok) return callSid;
  const status = twilioStatusKind(fields.status);
  if (!status || status.kind === 'live') return { ok: true, value: { kind: 'live', carrierSid: callSid.value } };
  const end = time(fields, 'end_time');
  if (!end.ok) return end;
  const duration = seconds(fields, 'duration');
  if (!duration.ok) return duration;
  const answered = status.status === 'completed';
  const d = answered ? (duration.value ?? 0) : 0;
  return {
    ok: true,
    value: {
      kind: 'final',
      outcome: {
        carrierSid: callSid.value,
        status: status.status,
        // `start_time` is when Twilio started dialling; Outcall's start is the answer, as in callbacks.
        reason: null,
        startTimeMs: answered && end.value ? end.value.getTime() - d * 1000 : null,
        endTimeMs: end.value?.getTime() ?? null,
        duration: d,
        digits: null,
        recordingUrl: null,
      },
    },
  };
}
