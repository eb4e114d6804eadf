/**
 * SPEC §7 simulator, Twilio contract: how a stored simulated call looks on Twilio's wire — as a Call
 * resource, as the signed `completed` status callback, and as the signed request Twilio makes to a
 * call's `Url` when it is answered (the greeting fetch).
 */
import { createHmac } from 'node:crypto';
import { formatTwilioTime } from '../domain/twilio-call';
import { twilioSignature, TWILIO_SIGNATURE_HEADER } from '../domain/twilio-signature';
import type { SimCallRow } from './records';
import { hasEnded, statusAt } from './records';

const hmacSha1Base64 = (key: string, data: string) => createHmac('sha1', key).update(data, 'utf8').digest('base64');

const API_VERSION = '2010-04-01';
const fmt = (d: Date | null) => (d ? formatTwilioTime(d) : null);
const seconds = (from: Date | null, to: Date | null) =>
  from && to ? Math.round((to.getTime() - from.getTime()) / 1000) : 0;

/** When the call was answered (completed calls only). */
function answeredAt(row: SimCallRow): Date | null {
  return row.outcome === 'completed' && row.endTime ? new Date(row.endTime.getTime() - row.duration * 1000) : null;
}

/** The call as Twilio's `GET .../Calls/{sid}.json` renders it at `now`. */
export function toTwilioCall(row: SimCallRow, now: Date, ringMs: number): Record<string, unknown> {
  const ended = hasEnded(row, now);
  const uri = `/${API_VERSION}/Accounts/${row.accountSid}/Calls/${row.sid}.json`;
  return {
    sid: row.sid,
    date_created: fmt(row.createdAt),
    date_updated: fmt(ended ? row.endTime : row.createdAt),
    parent_call_sid: null,
    account_sid: row.accountSid,
    to: row.to,
    to_formatted: row.to,
    from: row.callerId,
    from_formatted: row.callerId,
    phone_number_sid: null,
    status: statusAt(row, now, ringMs),
    start_time: fmt(row.startTime),
    end_time: ended ? fmt(row.endTime) : null,
    duration: ended ? String(row.outcome === 'completed' ? row.duration : 0) : null,
    price: null,
    price_unit: 'USD',
    direction: 'outbound-api',
    answered_by: null,
    api_version: API_VERSION,
    forwarded_from: null,
    group_sid: null,
    caller_name: null,
    queue_time: '0',
    trunk_sid: null,
    uri,
    subresource_uris: { recordings: uri.replace(/\.json$/, '/Recordings.json') },
  };
}

/** The parameters Twilio sends about a call in every request it makes for it. */
function callParams(row: SimCallRow, callStatus: string): Record<string, string> {
  return {
    AccountSid: row.accountSid,
    ApiVersion: API_VERSION,
    CallSid: row.sid,
    CallStatus: callStatus,
    Called: row.to,
    Caller: row.callerId,
    Direction: 'outbound-api',
    From: row.callerId,
    To: row.to,
  };
}

/** A form POST to `url`, signed as Twilio signs it, with the simulated account's auth token. */
export function signedTwilioRequest(url: string, params: Record<string, string>, authToken: string) {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      [TWILIO_SIGNATURE_HEADER]: twilioSignature(hmacSha1Base64, authToken, url, params),
      'user-agent': 'TwilioProxy/1.1',
    },
    body: new URLSearchParams(params).toString(),
  };
}

/** The `completed` status callback's parameters (StatusCallbackEvent=completed). */
export function twilioStatusCallbackParams(row: SimCallRow): Record<string, string> {
  return {
    ...callParams(row, row.outcome),
    CallDuration: String(row.outcome === 'completed' ? row.duration : 0),
    Timestamp: formatTwilioTime(row.endTime ?? row.createdAt),
    CallbackSource: 'call-progress-events',
    SequenceNumber: '0',
    ...(answeredAt(row) && { Duration: String(Math.max(1, Math.ceil(seconds(answeredAt(row), row.endTime) / 60))) }),
  };
}

/** The request Twilio makes to an answered call's `Url` for its TwiML. */
export function twilioUrlFetchParams(row: SimCallRow): Record<string, string> {
  return callParams(row, 'in-progress');
}
