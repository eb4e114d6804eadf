/**
 * SPEC §7 `exotel` carrier: Exotel v1 status callbacks and call records, parsed and validated
 * without I/O. The API parses inbound callbacks with it; the exotel adapter parses lookups with it.
 * v1 timestamps are `YYYY-MM-DD HH:mm:ss` in the Exotel account's local time, no offset.
 */
import type { AttemptStatus } from './attempt-status';
import type { CallOutcome } from './call-outcome';
import { offsetMinutes, wallClock } from './time';

/** Exotel renders v1 times in the account's local zone; Exotel accounts are Indian by default. */
export const EXOTEL_TIME_ZONE = 'Asia/Kolkata';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

/** Where an Exotel call `Status` puts the call: final with an attempt status, or still live. */
export type ExotelStatusKind = { kind: 'final'; status: AttemptStatus } | { kind: 'live' };

const FINAL: Record<string, AttemptStatus> = {
  completed: 'completed',
  busy: 'busy',
  'no-answer': 'no-answer',
  failed: 'failed',
  // A top-level `canceled` call never connected; Outcall has no such attempt status.
  canceled: 'failed',
  cancelled: 'failed',
};
const LIVE = new Set(['queued', 'ringing', 'in-progress', 'initiated']);

/** Maps an Exotel call `Status` (any case, `_` or `-`) to final/live, or null when unknown. */
export function exotelStatusKind(raw: unknown): ExotelStatusKind | null {
  if (typeof raw !== 'string') return null;
  const s = raw.trim().toLowerCase().replace(/_/g, '-');
  const final = FINAL[s];
  if (final) return { kind: 'final', status: final };
  return LIVE.has(s) ? { kind: 'live' } : null;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `at` as Exotel v1 renders times: `YYYY-MM-DD HH:mm:ss` in `timeZone`. */
export function formatExotelTime(at: Date, timeZone: string = EXOTEL_TIME_ZONE): string {
  const w = wallClock(at, timeZone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/**
 * Parses an Exotel time: `YYYY-MM-DD HH:mm:ss` in `timeZone`, or RFC 3339 with an explicit offset
 * (newer Exotel APIs). Returns null when the text is neither.
 */
export function parseExotelTime(text: string, timeZone: string = EXOTEL_TIME_ZONE): Date | null {
  const m = LOCAL_TIME.exec(text.trim());
  if (!m) {
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text.trim())) return null;
    const d = new Date(text.trim());
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(asUtc);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  // Two passes settle the offset near a DST change (the offset at the guess may differ from the result's).
  let guess = asUtc - offsetMinutes(new Date(asUtc), timeZone) * 60_000;
  guess = asUtc - offsetMinutes(new Date(guess), timeZone) * 60_000;
  return new Date(guess);
}

type Fields = Record<string, unknown>;
type FieldResult<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

function requiredString(body: Fields, field: string): FieldResult<string> {
  const v = body[field];
  if (typeof v === 'string' && v.trim() !== '') return { ok: true, value: v.trim() };
  return { ok: false, field, message: `${field} is required, got ${JSON.stringify(v ?? null)}` };
}

/** An optional Exotel time as epoch milliseconds. */
function optionalTime(body: Fields, field: string, timeZone: string): FieldResult<number | null> {
  const v = body[field];
  if (isBlank(v)) return { ok: true, value: null };
  const d = typeof v === 'string' ? parseExotelTime(v, timeZone) : null;
  return d
    ? { ok: true, value: d.getTime() }
    : { ok: false, field, message: `${field} must be "YYYY-MM-DD HH:mm:ss", got ${JSON.stringify(v)}` };
}

function optionalSeconds(body: Fields, field: string): FieldResult<number | null> {
  const v = body[field];
  if (isBlank(v)) return { ok: true, value: null };
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : Number.NaN;
  return Number.isFinite(n) && n >= 0
    ? { ok: true, value: Math.round(n) }
    : { ok: false, field, message: `${field} must be a non-negative number of seconds, got ${JSON.stringify(v)}` };
}

function optionalText(body: Fields, field: string): FieldResult<string | null> {
  const v = body[field];
  if (isBlank(v)) return { ok: true, value: null };
  if (typeof v === 'string') return { ok: true, value: v.trim() };
  if (typeof v === 'number') return { ok: true, value: String(v) };
  return { ok: false, field, message: `${field} must be a string, got ${JSON.stringify(v)}` };
}

/** Exotel sends gathered digits quoted (`"\"123\""`); the quotes are not part of the input. */
function unquoteDigits(d: string | null): string | null {
  if (d === null) return null;
  const s = d.replace(/^"(.*)"$/, '$1');
  return s === '' ? null : s;
}

/** The shared tail of callbacks and call records: status, times, duration, digits, recording. */
function parseOutcomeFields(
  body: Fields,
  carrierSid: string,
  durationSources: Fields[],
  timeZone: string,
): ParseResult<CallOutcome> {
  const status = exotelStatusKind(body.Status);
  if (!status || status.kind !== 'final') {
    return {
      ok: false,
      field: 'Status',
      message: `Status must be completed, busy, no-answer or failed, got ${JSON.stringify(body.Status ?? null)}`,
    };
  }
  const start = optionalTime(body, 'StartTime', timeZone);
  if (!start.ok) return start;
  const end = optionalTime(body, 'EndTime', timeZone);
  if (!end.ok) return end;
  let duration = 0;
  for (const [src, field] of durationSources.flatMap(
    (s) =>
      [
        [s, 'ConversationDuration'],
        [s, 'Duration'],
      ] as const,
  )) {
    const r = optionalSeconds(src, field);
    if (!r.ok) return r;
    if (r.value !== null) {
      duration = r.value;
      break;
    }
  }
  const digits = optionalText(body, 'Digits');
  if (!digits.ok) return digits;
  const recordingUrl = optionalText(body, 'RecordingUrl');
  if (!recordingUrl.ok) return recordingUrl;
  return {
    ok: true,
    value: {
      status: status.status,
      reason: null,
      carrierSid,
      startTimeMs: start.value,
      endTimeMs: end.value,
      duration,
      digits: unquoteDigits(digits.value),
      recordingUrl: recordingUrl.value,
    },
  };
}

/**
 * Parses an Exotel v1 StatusCallback body (the JSON object, or a form body as an object of strings).
 * Only a terminal status is accepted; an error names the first bad field.
 */
export function parseExotelStatusCallback(
  body: unknown,
  timeZone: string = EXOTEL_TIME_ZONE,
): ParseResult<CallOutcome> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, field: 'body', message: 'the callback body must be an object of fields' };
  }
  const fields = body as Fields;
  const sid = requiredString(fields, 'CallSid');
  if (!sid.ok) return sid;
  return parseOutcomeFields(fields, sid.value, [fields], timeZone);
}

/** What a call record (`GET .../Calls/{sid}.json` or one item of the bulk list) says about a call. */
export type ExotelCallRecord = { kind: 'final'; outcome: CallOutcome } | { kind: 'live'; carrierSid: string };

/**
 * Parses one Exotel v1 `Call` record. Duration prefers `Details.ConversationDuration` (talk time)
 * over `Duration` (the whole call, ring included). Unknown statuses count as live: the caller keeps
 * waiting rather than settle on a guess.
 */
export function parseExotelCallRecord(
  call: unknown,
  timeZone: string = EXOTEL_TIME_ZONE,
): ParseResult<ExotelCallRecord> {
  if (typeof call !== 'object' || call === null || Array.isArray(call)) {
    return { ok: false, field: 'Call', message: 'the call record must be an object' };
  }
  const fields = call as Fields;
  const sid = requiredString(fields, 'Sid');
  if (!sid.ok) return sid;
  const kind = exotelStatusKind(fields.Status);
  if (!kind || kind.kind === 'live') return { ok: true, value: { kind: 'live', carrierSid: sid.value } };
  const details = typeof fields.Details === 'object' && fields.Details !== null ? (fields.Details as Fields) : {};
  const parsed = parseOutcomeFields(fields, sid.value, [details, fields], timeZone);
  return parsed.ok ? { ok: true, value: { kind: 'final', outcome: parsed.value } } : parsed;
}
