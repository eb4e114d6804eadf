/**
 * SPEC §7 `exotel` carrier: Exotel's v1 voice API. `placeCall` is `POST .../Calls/connect.json`
 * (connect a number to a flow); `lookupCall` reads call details by sid, or the bulk call list by
 * number and time window. The simulator serves the same API, so this is also the simulator's client.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  EXOTEL_TIME_ZONE,
  formatExotelTime,
  parseExotelCallRecord,
  type ExotelCallRecord,
} from '../../domain/exotel-callback';
import type { Carrier, CallLookup, LookupResult, PlaceCallInput, PlaceCallResult } from './carrier';
import { postOnce, SendFailed, type PostAnswer } from './http-post';
import { classifySendFailure } from './send-failure';

/** Failure types thrown by carrier adapters (STYLE G11). */
export const CarrierFailure = {
  /** 5xx, network error, timeout or an unreadable answer: retryable; the call may or may not exist. */
  unavailable: 'CarrierUnavailable',
  /** The carrier rejected a lookup (auth, bad request): retrying will not help. */
  rejected: 'CarrierRejected',
} as const;

export interface ExotelCarrierOptions {
  /** e.g. `https://api.exotel.com` or `https://api.in.exotel.com`; the simulator's `{publicUrl}/simulator`. */
  baseUrl: string;
  accountSid: string;
  apiKey: string;
  apiToken: string;
  fetch?: typeof fetch;
  /**
   * Per request; default 10 s. Dial requests go on a connection of their own (`http-post.ts`) unless
   * a `fetch` is given.
   */
  timeoutMs?: number;
  /** Zone of the Exotel account's v1 timestamps; default Asia/Kolkata. */
  timeZone?: string;
  /**
   * Set for a carrier whose call records are complete this long after a dial request left (the
   * simulator's): a call missing from them then was never placed. Unset: records may lag (Exotel's).
   */
  recordsCompleteAfterMs?: number;
}

/** Used when a 429 carries no usable Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 5_000;

function retryAfterMs(header: string | null, now: number): number {
  if (!header) return DEFAULT_RETRY_AFTER_MS;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, at - now);
}

function unavailable(message: string, cause?: unknown, nextRetryDelayMs?: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: CarrierFailure.unavailable,
    message,
    nonRetryable: false,
    cause: cause instanceof Error ? cause : undefined,
    nextRetryDelay: nextRetryDelayMs,
  });
}

/** Exotel's error message (`RestException.Message`), else the start of the body. */
function errorMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const msg = (parsed as { RestException?: { Message?: unknown } } | null)?.RestException?.Message;
    if (typeof msg === 'string') return msg;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 500);
}

/**
 * A 400 whose message is about the `CallerId` (not an ExoPhone of the account, inactive, missing):
 * every dial of the campaign will be refused the same way (SPEC §4.1 counts them in a row).
 */
export function refusesCallerId(httpStatus: number, message: string): boolean {
  return httpStatus === 400 && /caller\s*id/i.test(message);
}

/** The attempt token inside a call's `StatusCallback` URL, when the carrier reports one. */
function tokenOfCallback(statusCallback: unknown): string | null {
  if (typeof statusCallback !== 'string') return null;
  try {
    return new URL(statusCallback).searchParams.get('token');
  } catch {
    return null;
  }
}

/** Exotel's `Call` record as a lookup result. */
function toLookupResult(record: ExotelCallRecord): LookupResult {
  return record.kind === 'live'
    ? { kind: 'live', carrierSid: record.carrierSid }
    : { kind: 'final', outcome: record.outcome };
}

/**
 * Picks the attempt's call among the calls to its number in the window. Calls that expose the
 * attempt token (simulator: `StatusCallback`; greeting calls: `CustomField`) match only on it; calls
 * that expose neither fall back to the latest one in the window.
 */
export function pickCallForAttempt(
  calls: Array<Record<string, unknown>>,
  token: string,
): Record<string, unknown> | null {
  const exposes = (c: Record<string, unknown>) =>
    typeof c.StatusCallback === 'string' || typeof c.CustomField === 'string';
  const matches = (c: Record<string, unknown>) =>
    tokenOfCallback(c.StatusCallback) === token || c.CustomField === token;
  const latest = (cs: Array<Record<string, unknown>>) =>
    cs.reduce<Record<string, unknown> | null>(
      (best, c) => (best === null || String(c.DateCreated ?? '') > String(best.DateCreated ?? '') ? c : best),
      null,
    );
  const matched = calls.filter(matches);
  if (matched.length) return latest(matched);
  return latest(calls.filter((c) => !exposes(c)));
}

/**
 * SPEC §7: what Exotel's answer to a dial request says. 2xx with a `Call.Sid`: a call. 429: slow down.
 * 503 (service unavailable) and 408 (the request never arrived whole): no call was created. Any other
 * 4xx: refused, no call. Any other 5xx, or a 2xx without a sid: a call may exist.
 */
export function placeCallAnswer(res: PostAnswer): PlaceCallResult {
  const body = res.body;
  if (res.status >= 200 && res.status < 300) {
    let sid: unknown;
    try {
      sid = (JSON.parse(body) as { Call?: { Sid?: unknown } } | null)?.Call?.Sid;
    } catch {
      return { kind: 'unknown', cause: `HTTP ${res.status} with a body that is not JSON` };
    }
    if (typeof sid !== 'string' || sid === '')
      return { kind: 'unknown', cause: `HTTP ${res.status} without a Call.Sid` };
    return { kind: 'accepted', carrierSid: sid };
  }
  const retryAfter = () => retryAfterMs(res.header('retry-after'), Date.now());
  if (res.status === 429) return { kind: 'rate_limited', retryAfterMs: retryAfter() };
  if (res.status === 503 || res.status === 408) {
    const cause = `HTTP ${res.status}: ${errorMessage(body).slice(0, 200)}`;
    const busy = res.status === 503 ? { carrierBusy: true } : {};
    return res.header('retry-after') !== null
      ? { kind: 'not_sent', cause, retryAfterMs: retryAfter(), ...busy }
      : { kind: 'not_sent', cause, ...busy };
  }
  if (res.status >= 400 && res.status < 500) {
    const message = errorMessage(body);
    return {
      kind: 'refused',
      httpStatus: res.status,
      message,
      accountLevel: res.status === 401 || res.status === 402 || res.status === 403,
      callerIdRefused: refusesCallerId(res.status, message),
    };
  }
  return { kind: 'unknown', cause: `HTTP ${res.status}: ${errorMessage(body).slice(0, 200)}` };
}

/** A POST through an injected `fetch` (tests); what it throws is classified by its error codes. */
async function postWith(
  fetchImpl: typeof fetch,
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostAnswer> {
  const res = await fetchImpl(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
  return { status: res.status, header: (name) => res.headers.get(name), body: await res.text() };
}

/** An Exotel v1 carrier for one Exotel account. */
export function createExotelCarrier(opts: ExotelCarrierOptions): Carrier {
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const timeZone = opts.timeZone ?? EXOTEL_TIME_ZONE;
  const accountUrl = `${opts.baseUrl.replace(/\/+$/, '')}/v1/Accounts/${encodeURIComponent(opts.accountSid)}`;
  const authorization = `Basic ${Buffer.from(`${opts.apiKey}:${opts.apiToken}`).toString('base64')}`;

  function request(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    return fetchImpl(url, {
      method: init.method ?? 'GET',
      headers: { authorization, accept: 'application/json', ...init.headers },
      body: init.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  /** One lookup request; a network error or timeout becomes a retryable CarrierUnavailable. */
  async function send(url: string): Promise<{ res: Response; body: string }> {
    try {
      const res = await request(url);
      return { res, body: await res.text() };
    } catch (err) {
      throw unavailable(`Exotel request GET ${url} failed: ${classifySendFailure(err).cause}`, err);
    }
  }

  /** Turns a non-2xx lookup answer into the right failure. */
  function lookupFailure(res: Response, body: string, what: string): ApplicationFailure {
    if (res.status === 429)
      return unavailable(
        `Exotel rate-limited ${what}`,
        undefined,
        retryAfterMs(res.headers.get('retry-after'), Date.now()),
      );
    if (res.status >= 500) return unavailable(`Exotel answered HTTP ${res.status} to ${what}`);
    return ApplicationFailure.create({
      type: CarrierFailure.rejected,
      message: `Exotel answered HTTP ${res.status} to ${what}: ${errorMessage(body)}`,
      nonRetryable: true,
    });
  }

  function parseJson(body: string, what: string): unknown {
    try {
      return JSON.parse(body);
    } catch {
      throw unavailable(`Exotel answered ${what} with a body that is not JSON`);
    }
  }

  function recordToResult(call: unknown, what: string): LookupResult {
    const parsed = parseExotelCallRecord(call, timeZone);
    if (!parsed.ok) throw unavailable(`Exotel answered ${what} with an unreadable call: ${parsed.message}`);
    return toLookupResult(parsed.value);
  }

  async function placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
    const form = new URLSearchParams({
      From: input.to,
      CallerId: input.callerId,
      Url: input.url,
      TimeOut: String(input.ringTimeoutS),
      TimeLimit: String(input.callTimeLimitS),
      StatusCallback: input.statusCallbackUrl,
      'StatusCallbackEvents[0]': 'terminal',
      StatusCallbackContentType: 'application/json',
    });
    if (input.customField !== '') form.set('CustomField', input.customField);
    const url = `${accountUrl}/Calls/connect.json`;
    const headers = {
      authorization,
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    };
    try {
      return placeCallAnswer(
        opts.fetch
          ? await postWith(opts.fetch, url, headers, form.toString(), timeoutMs)
          : await postOnce(url, { headers, body: form.toString(), timeoutMs }),
      );
    } catch (err) {
      const f = err instanceof SendFailed ? err.failure : classifySendFailure(err);
      return f.sent === false ? { kind: 'not_sent', cause: f.cause } : { kind: 'unknown', cause: f.cause };
    }
  }

  /** A call missing from records that are complete by now was never placed (SPEC §7). */
  async function lookupCall(input: CallLookup): Promise<LookupResult> {
    const found = await search(input);
    const complete =
      opts.recordsCompleteAfterMs !== undefined &&
      input.sentAt != null &&
      Date.now() - input.sentAt.getTime() >= opts.recordsCompleteAfterMs;
    return found.kind === 'not_found' && complete ? { kind: 'never_placed' } : found;
  }

  async function search(input: CallLookup): Promise<LookupResult> {
    if (input.carrierSid) {
      const what = `a lookup of call ${input.carrierSid}`;
      const { res, body } = await send(`${accountUrl}/Calls/${encodeURIComponent(input.carrierSid)}.json?details=true`);
      if (res.status === 404) return { kind: 'not_found' };
      if (!res.ok) throw lookupFailure(res, body, what);
      return recordToResult((parseJson(body, what) as { Call?: unknown } | null)?.Call, what);
    }
    // Whole seconds: widen the window outwards so the boundaries are included.
    const after = new Date(Math.floor(input.after.getTime() / 1000) * 1000);
    const before = new Date(Math.ceil(input.before.getTime() / 1000) * 1000);
    // For a connect-to-flow call the number dialled is the call's `From` (it is called first).
    const query = new URLSearchParams({
      From: input.to,
      DateCreated: `gte:${formatExotelTime(after, timeZone)};lte:${formatExotelTime(before, timeZone)}`,
      PageSize: '100',
      SortBy: 'DateCreated:desc',
    });
    const what = `a call search for ${input.to}`;
    const { res, body } = await send(`${accountUrl}/Calls.json?${query.toString()}`);
    if (!res.ok) throw lookupFailure(res, body, what);
    const calls = (parseJson(body, what) as { Calls?: unknown } | null)?.Calls;
    if (!Array.isArray(calls)) throw unavailable(`Exotel answered ${what} without a Calls list`);
    const objects = calls.filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null);
    const picked = pickCallForAttempt(objects, input.token);
    return picked ? recordToResult(picked, what) : { kind: 'not_found' };
  }

  return { placeCall, lookupCall };
}
