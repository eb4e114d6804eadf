/**
 * SPEC §7 simulator: how a stored simulated call looks on the wire — as an Exotel v1 `Call` record,
 * as the terminal StatusCallback body, and in the test view `GET /simulator/calls`.
 */
import { attemptNumberFromToken } from '../domain/ids';
import { textProblem, withoutUnsafeText } from '../domain/text-safety';
import { EXOTEL_TIME_ZONE, formatExotelTime } from '../domain/exotel-callback';
import type { simCalls, simRequests } from '../db/schema';

export type SimCallRow = typeof simCalls.$inferSelect;
export type SimRequestRow = typeof simRequests.$inferSelect;

const fmt = (d: Date | null) => (d ? formatExotelTime(d, EXOTEL_TIME_ZONE) : null);

/** The attempt number carried by the `token` parameter of a StatusCallback URL (1 when absent). */
export function attemptNumberFromCallbackUrl(statusCallback: string | null | undefined): number {
  if (!statusCallback) return 1;
  try {
    const token = new URL(statusCallback).searchParams.get('token');
    return (token && attemptNumberFromToken(token)) || 1;
  } catch {
    return 1;
  }
}

/**
 * Why a dial request's form cannot be stored (SPEC §1: a NUL byte or a lone surrogate in a field name
 * or value), naming the field; null when every field can. Such a request is refused and not recorded.
 */
export function unstorableFormField(form: Record<string, string>): string | null {
  for (const [name, value] of Object.entries(form)) {
    const problem = textProblem(name) ?? textProblem(value);
    if (problem) return `${JSON.stringify(withoutUnsafeText(name.slice(0, 40)))} contains ${problem}`;
  }
  return null;
}

/** True once the call's scheduled end has passed. */
export function hasEnded(row: SimCallRow, now: Date): boolean {
  return row.endTime !== null && now.getTime() >= row.endTime.getTime();
}

/** The call's Exotel `Status` at `now`: ringing, in-progress once answered, then its outcome. */
export function statusAt(row: SimCallRow, now: Date, ringMs: number): string {
  if (hasEnded(row, now)) return row.outcome;
  if (row.outcome === 'completed' && now.getTime() >= row.createdAt.getTime() + ringMs) return 'in-progress';
  return 'ringing';
}

function wholeSeconds(from: Date | null, to: Date | null): number {
  return from && to ? Math.round((to.getTime() - from.getTime()) / 1000) : 0;
}

/**
 * The call as Exotel's v1 call-details API renders it. `From` is the number dialled (as in the
 * connect request); `To` and `PhoneNumberSid` the caller id. `CustomField` and `StatusCallback` are
 * simulator additions, so a reconciliation by number can match the attempt token.
 */
export function toExotelCall(row: SimCallRow, now: Date, ringMs: number): Record<string, unknown> {
  const ended = hasEnded(row, now);
  const status = statusAt(row, now, ringMs);
  return {
    Sid: row.sid,
    ParentCallSid: null,
    DateCreated: fmt(row.createdAt),
    DateUpdated: fmt(ended ? row.endTime : row.createdAt),
    AccountSid: row.accountSid,
    To: row.callerId,
    From: row.to,
    PhoneNumberSid: row.callerId,
    Status: status,
    StartTime: fmt(row.startTime),
    EndTime: ended ? fmt(row.endTime) : null,
    Duration: ended ? String(wholeSeconds(row.startTime, row.endTime)) : null,
    Price: null,
    Direction: 'outbound-api',
    AnsweredBy: null,
    ForwardedFrom: null,
    CallerName: null,
    Uri: `/v1/Accounts/${row.accountSid}/Calls/${row.sid}.json`,
    RecordingUrl: null,
    CustomField: row.customField,
    StatusCallback: row.statusCallback,
    Details: {
      ConversationDuration: ended ? row.duration : 0,
      Leg1Status: ended ? row.outcome : null,
      Leg2Status: null,
      Legs: [{ Leg: { Id: 1, OnCallDuration: ended ? wholeSeconds(row.startTime, row.endTime) : 0 } }],
    },
  };
}

/** Exotel's JSON StatusCallback body for the `terminal` event (field names as Exotel sends them). */
export function statusCallbackBody(row: SimCallRow): Record<string, unknown> {
  return {
    CallSid: row.sid,
    EventType: 'terminal',
    Status: row.outcome,
    DateCreated: fmt(row.createdAt),
    DateUpdated: fmt(row.endTime),
    To: row.callerId,
    From: row.to,
    PhoneNumberSid: row.callerId,
    StartTime: fmt(row.startTime),
    EndTime: fmt(row.endTime),
    ConversationDuration: row.duration,
    Direction: 'outbound-api',
    CustomField: row.customField,
    RecordingUrl: null,
    Legs: [
      { OnCallDuration: row.duration, Status: row.outcome, AnsweredBy: row.outcome === 'completed' ? 'Human' : 'NA' },
    ],
  };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** What the view shows instead of a callback token (SPEC §7: the view never shows one). */
export const HIDDEN_TOKEN = '[attempt token]';

/** A `CustomField` as the view shows it: an attempt token (greeting calls carry one) is hidden. */
function shownCustomField(value: string | null): string | null {
  return value !== null && attemptNumberFromToken(value) !== null ? HIDDEN_TOKEN : value;
}

/** A `StatusCallback` URL as the view shows it: its `token` parameter hidden. */
function shownStatusCallback(url: string | null): string | null {
  if (url === null) return null;
  try {
    const u = new URL(url);
    if (u.searchParams.has('token')) u.searchParams.set('token', HIDDEN_TOKEN);
    return u.toString();
  } catch {
    return HIDDEN_TOKEN;
  }
}

/** A dial's `Url` as the view shows it: an attempt token in its `token` parameter (Twilio's greeting `Url`) hidden. */
function shownUrl(url: string | null): string | null {
  if (url === null) return null;
  try {
    const u = new URL(url);
    const token = u.searchParams.get('token');
    if (token === null || attemptNumberFromToken(token) === null) return url;
    u.searchParams.set('token', HIDDEN_TOKEN);
    return u.toString();
  } catch {
    return url;
  }
}

/** One accepted call in `GET /simulator/calls` (snake_case, ISO times; a test-only view, no tokens). */
export function callView(row: SimCallRow, now: Date, ringMs: number) {
  return {
    kind: 'call' as const,
    http_status: 200,
    call_sid: row.sid,
    account_sid: row.accountSid,
    to: row.to,
    caller_id: row.callerId,
    url: shownUrl(row.url),
    custom_field: shownCustomField(row.customField),
    status_callback: shownStatusCallback(row.statusCallback),
    attempt_number: row.attemptNumber,
    outcome: row.outcome,
    status: statusAt(row, now, ringMs),
    duration: row.duration,
    greeting: row.greeting,
    greeting_fetched: row.greeting !== null,
    greeting_fetched_at: iso(row.greetingFetchedAt),
    date_created: iso(row.createdAt),
    start_time: iso(row.startTime),
    end_time: iso(row.endTime),
    callback_due_at: iso(row.callbackDueAt),
    callback_sent_at: iso(row.callbackSentAt),
    callback_tries: row.callbackTries,
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** One refused dial request in `GET /simulator/calls`. */
export function refusedView(row: SimRequestRow) {
  const b = row.body;
  return {
    kind: 'refused' as const,
    http_status: row.httpStatus,
    call_sid: null,
    account_sid: str(b.AccountSid),
    to: row.to,
    caller_id: str(b.CallerId),
    url: shownUrl(str(b.Url)),
    custom_field: shownCustomField(str(b.CustomField)),
    status_callback: shownStatusCallback(str(b.StatusCallback)),
    attempt_number: attemptNumberFromCallbackUrl(str(b.StatusCallback)),
    outcome: 'refused' as const,
    status: 'refused',
    message: str(b.Message),
    duration: 0,
    greeting: null,
    greeting_fetched: false,
    date_created: iso(row.at),
  };
}
