/**
 * SPEC §7 `twilio` carrier over Twilio's Programmable Voice REST API: `placeCall` posts `Calls.json` (greeting as
 * `Twiml`, or `Url` when too long; flow as `Url`), `lookupCall` reads one call or the Calls list by number and time.
 * The simulator serves the same contract (`simulator/twilio-app.ts`); details in docs/architecture.md.
 */
import type { TwilioCarrierConfig } from '../../db/schema';
import { tokenOfUrl, twilioGreetingUrl, twilioStatusCallbackUrl } from '../../domain/carrier-urls';
import { parseTwilioCallRecord, type TwilioCallRecord } from '../../domain/twilio-call';
import { sayTwiml, TWIML_PARAMETER_MAX } from '../../domain/twiml';
import { isSimulatorGreetingFlow } from '../../simulator/contract';
import type { Carrier, CallLookup, LookupResult, PlaceCallInput, PlaceCallResult } from './carrier';
import { noAnswer, rejected, retryAfterMs, unavailable } from './http';
import { classifySendFailure } from './send-failure';

export interface TwilioCarrierOptions extends Omit<TwilioCarrierConfig, 'type'> {
  /** Base of the status-callback and greeting URLs handed to Twilio (`OUTCALL_PUBLIC_URL`). */
  publicUrl: string;
  /** The rendered greeting of an attempt, by its token (db/queries/greetings.ts); absent: always `Url`. */
  greetingText?: (token: string) => Promise<string | null>;
  fetch?: typeof fetch;
  /** Per request; default 10 s. */
  timeoutMs?: number;
}

/** Used when a 429 carries no usable Retry-After (Twilio's default is one call per second). */
const DEFAULT_RETRY_AFTER_MS = 1_000;

/** Twilio error codes (https://www.twilio.com/docs/api/errors) Outcall reads. */
export const TWILIO_ERRORS = {
  /** Account-level: the whole account cannot call (SPEC §4.1: the campaign fails at once). */
  account: new Set([10001, 20003, 20005]),
  /** Too many requests: back off, no retry consumed (SPEC §4.5). */
  rateLimited: new Set([20429]),
  /** The caller id (`From`) is not the account's: every dial of the campaign is refused alike. */
  callerId: new Set([21210, 21212, 21213]),
  /** The number dialled is not a valid or reachable phone number: no retry can help. */
  invalidNumber: new Set([21211, 21214, 21217]),
} as const;

/** What one error answer of Twilio means for the dial (HTTP status and Twilio's `code`). */
export type TwilioRefusal = 'account' | 'rate_limited' | 'caller_id' | 'invalid_number' | 'refused' | 'unavailable';

export function classifyTwilioError(httpStatus: number, code: number | null): TwilioRefusal {
  if (httpStatus === 429 || (code !== null && TWILIO_ERRORS.rateLimited.has(code))) return 'rate_limited';
  if (httpStatus === 401 || httpStatus === 402 || httpStatus === 403) return 'account';
  if (code !== null && TWILIO_ERRORS.account.has(code)) return 'account';
  if (httpStatus >= 500 || httpStatus < 400) return 'unavailable';
  if (code !== null && TWILIO_ERRORS.callerId.has(code)) return 'caller_id';
  if (code !== null && TWILIO_ERRORS.invalidNumber.has(code)) return 'invalid_number';
  return 'refused';
}

/** Twilio's error body `{code, message, more_info, status}`, read leniently. */
function errorOf(body: string): { code: number | null; message: string } {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown } | null;
    const code = typeof parsed?.code === 'number' ? parsed.code : Number(parsed?.code ?? Number.NaN);
    return {
      code: Number.isInteger(code) ? code : null,
      message: typeof parsed?.message === 'string' ? parsed.message : body.slice(0, 500),
    };
  } catch {
    return { code: null, message: body.slice(0, 500) };
  }
}

/**
 * Picks the attempt's call among the calls to its number: the latest created within the window.
 * Twilio's Call resource carries neither the attempt token nor the status-callback URL, so two dials
 * of one number in the same window (two campaigns) cannot be told apart.
 */
export function pickTwilioCall(calls: Array<Record<string, unknown>>, after: Date, before: Date) {
  const created = (c: Record<string, unknown>) => Date.parse(String(c.date_created ?? ''));
  const inWindow = calls.filter((c) => {
    const at = created(c);
    return !Number.isNaN(at) && at >= after.getTime() && at <= before.getTime();
  });
  return inWindow.reduce<Record<string, unknown> | null>(
    (best, c) => (!best || created(c) > created(best) ? c : best),
    null,
  );
}

function toLookupResult(record: TwilioCallRecord): LookupResult {
  return record.kind === 'live'
    ? { kind: 'live', carrierSid: record.carrierSid }
    : { kind: 'final', outcome: record.outcome };
}

/**
 * SPEC §7: what Twilio's answer to a dial request says. 2xx with a `sid`: a call. 429 or 20429: slow
 * down. 503 and 408: no call was created. Any other 4xx: refused, no call (an invalid number: no retry
 * either). Any other 5xx, or a 2xx without a sid: a call may exist.
 */
export function twilioDialAnswer(status: number, headers: Headers, body: string): PlaceCallResult {
  if (status >= 200 && status < 300) {
    let sid: unknown;
    try {
      sid = (JSON.parse(body) as { sid?: unknown } | null)?.sid;
    } catch {
      return { kind: 'unknown', cause: `HTTP ${status} with a body that is not JSON` };
    }
    if (typeof sid !== 'string' || sid === '') return { kind: 'unknown', cause: `HTTP ${status} without a sid` };
    return { kind: 'accepted', carrierSid: sid };
  }
  const { code, message } = errorOf(body);
  const kind = classifyTwilioError(status, code);
  const retryAfter = () => retryAfterMs(headers.get('retry-after'), Date.now(), DEFAULT_RETRY_AFTER_MS);
  if (kind === 'rate_limited') return { kind: 'rate_limited', retryAfterMs: retryAfter() };
  const cause = `HTTP ${status} (${code ?? 'no code'}): ${message.slice(0, 200)}`;
  if (status === 503 || status === 408) {
    const busy = status === 503 ? { carrierBusy: true } : {};
    return headers.get('retry-after') !== null
      ? { kind: 'not_sent', cause, retryAfterMs: retryAfter(), ...busy }
      : { kind: 'not_sent', cause, ...busy };
  }
  if (kind === 'unavailable') return { kind: 'unknown', cause };
  return {
    kind: 'refused',
    httpStatus: status,
    message: `Twilio ${code ?? status}: ${message}`,
    accountLevel: kind === 'account',
    callerIdRefused: kind === 'caller_id',
    // 21211, 21214, 21217 (TWILIO_ERRORS.invalidNumber): the number ends `failed`, no retry.
    invalidNumber: kind === 'invalid_number',
  };
}

/** A Twilio carrier for one Twilio account. */
export function createTwilioCarrier(opts: TwilioCarrierOptions): Carrier {
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const accountUrl = `${opts.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}`;
  const [user, password] = opts.apiKey ? [opts.apiKey.sid, opts.apiKey.secret] : [opts.accountSid, opts.authToken];
  const authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  /** One request; no answer at all (network error, timeout) becomes `noAnswer`'s retryable failure. */
  async function send(url: string, init: { method?: string; body?: URLSearchParams } = {}) {
    const method = init.method ?? 'GET';
    try {
      const res = await fetchImpl(url, {
        method,
        headers: {
          authorization,
          accept: 'application/json',
          ...(init.body && { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        body: init.body?.toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { res, body: await res.text() };
    } catch (err) {
      throw noAnswer('Twilio', `${method} ${url}`, err);
    }
  }

  function parseJson(body: string, what: string): unknown {
    try {
      return JSON.parse(body);
    } catch {
      throw unavailable(`Twilio answered ${what} with a body that is not JSON`);
    }
  }

  function lookupFailure(res: Response, body: string, what: string) {
    const { code, message } = errorOf(body);
    const kind = classifyTwilioError(res.status, code);
    if (kind === 'rate_limited')
      return unavailable(
        `Twilio rate-limited ${what}`,
        retryAfterMs(res.headers.get('retry-after'), Date.now(), DEFAULT_RETRY_AFTER_MS),
      );
    if (kind === 'unavailable') return unavailable(`Twilio answered HTTP ${res.status} to ${what}`);
    return rejected(`Twilio answered HTTP ${res.status} (${code ?? 'no code'}) to ${what}: ${message}`);
  }

  function recordToResult(call: unknown, what: string): LookupResult {
    const parsed = parseTwilioCallRecord(call);
    if (!parsed.ok) throw unavailable(`Twilio answered ${what} with an unreadable call: ${parsed.message}`);
    return toLookupResult(parsed.value);
  }

  /**
   * The call's content: a greeting call (dialled with the greeting-flow URL, its token in
   * `customField`) reads its rendered text from `Twiml`, or from `Url` when the TwiML is too long
   * for Twilio's parameter; a flow call runs the campaign's flow `Url`.
   */
  async function content(input: PlaceCallInput, token: string | null): Promise<Record<string, string>> {
    if (!isSimulatorGreetingFlow(input.url)) return { Url: input.url };
    const greetingToken = input.customField || token || '';
    const text = opts.greetingText ? await opts.greetingText(greetingToken) : null;
    const twiml = text === null ? null : sayTwiml(text);
    if (twiml !== null && twiml.length <= TWIML_PARAMETER_MAX) return { Twiml: twiml };
    return { Url: twilioGreetingUrl(opts.publicUrl, greetingToken), Method: 'POST' };
  }

  /** The dial request; what it throws is told apart (never left, or may have) by `classifySendFailure`. */
  async function post(form: URLSearchParams): Promise<{ res: Response; body: string } | PlaceCallResult> {
    try {
      const res = await fetchImpl(`${accountUrl}/Calls.json`, {
        method: 'POST',
        headers: { authorization, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { res, body: await res.text() };
    } catch (err) {
      const failure = classifySendFailure(err);
      return failure.sent === false
        ? { kind: 'not_sent', cause: failure.cause }
        : { kind: 'unknown', cause: failure.cause };
    }
  }

  async function placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
    // The callback comes to Outcall's Twilio route, with the attempt token the dial path put in its URL.
    const token = tokenOfUrl(input.statusCallbackUrl);
    const form = new URLSearchParams({
      To: input.to,
      From: input.callerId,
      ...(await content(input, token)),
      Timeout: String(input.ringTimeoutS),
      TimeLimit: String(input.callTimeLimitS),
      StatusCallback: token === null ? input.statusCallbackUrl : twilioStatusCallbackUrl(opts.publicUrl, token),
      StatusCallbackEvent: 'completed',
      StatusCallbackMethod: 'POST',
    });
    const answer = await post(form);
    return 'kind' in answer ? answer : twilioDialAnswer(answer.res.status, answer.res.headers, answer.body);
  }

  async function lookupCall(input: CallLookup): Promise<LookupResult> {
    if (input.carrierSid) {
      const what = `a lookup of call ${input.carrierSid}`;
      const { res, body } = await send(`${accountUrl}/Calls/${encodeURIComponent(input.carrierSid)}.json`);
      if (res.status === 404) return { kind: 'not_found' };
      if (!res.ok) throw lookupFailure(res, body, what);
      return recordToResult(parseJson(body, what), what);
    }
    // A queued call has no start_time yet, so the window is applied to date_created here rather
    // than with the list's StartTime filters.
    const query = new URLSearchParams({ To: input.to, PageSize: '100' });
    const what = `a call search for ${input.to}`;
    const { res, body } = await send(`${accountUrl}/Calls.json?${query.toString()}`);
    if (!res.ok) throw lookupFailure(res, body, what);
    const calls = (parseJson(body, what) as { calls?: unknown } | null)?.calls;
    if (!Array.isArray(calls)) throw unavailable(`Twilio answered ${what} without a calls list`);
    const objects = calls.filter((c): c is Record<string, unknown> => typeof c === 'object' && c !== null);
    const picked = pickTwilioCall(objects, input.after, input.before);
    return picked ? recordToResult(picked, what) : { kind: 'not_found' };
  }

  return { placeCall, lookupCall };
}
