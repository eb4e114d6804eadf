/**
 * SPEC §2 `/carriers/twilio/...`, §7 `twilio`: Twilio's status callback and greeting fetch, accepted only with the
 * `X-Twilio-Signature` the attempt's account auth token gives for the URL and parameters, and (status) the attempt's
 * `CallSid` and `AccountSid`. Every mismatch is 403 and changes nothing; a dial never answered is 409.
 */
import { createHmac } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { findCallbackAttempt, type CallbackAttempt } from '../../db/queries/carrier-callbacks';
import { greetingForToken } from '../../db/queries/greetings';
import type { TwilioCarrierConfig } from '../../db/schema';
import { TWILIO_GREETING_PATH, TWILIO_STATUS_PATH } from '../../domain/carrier-urls';
import { parseTwilioStatusCallback } from '../../domain/twilio-call';
import { TWILIO_SIGNATURE_HEADER, verifyTwilioSignature } from '../../domain/twilio-signature';
import { sayTwiml } from '../../domain/twiml';
import { equalInConstantTime } from '../../domain/constant-time';
import {
  callbackBodyLimit,
  callbackRefused,
  callSidMatches,
  deliverCallStatus,
  withCarrierSid,
} from '../carrier-status';
import type { AppEnv } from '../context';
import type { AppDeps } from '../deps';
import { ok } from '../envelope';
import { ApiError } from '../errors';

const hmacSha1Base64 = (key: string, data: string) => createHmac('sha1', key).update(data, 'utf8').digest('base64');

type TwilioAttempt = CallbackAttempt & { carrier: TwilioCarrierConfig };

/** Twilio posts `application/x-www-form-urlencoded`; a GET greeting fetch has no body. */
async function formFields(c: Context<AppEnv>): Promise<Record<string, string>> {
  if (c.req.method === 'GET') return {};
  const type = c.req.header('content-type') ?? '';
  if (!/^\s*application\/x-www-form-urlencoded\b/i.test(type))
    throw new ApiError(
      'UNSUPPORTED_MEDIA_TYPE',
      `a Twilio callback is application/x-www-form-urlencoded; got ${type ? JSON.stringify(type) : 'no Content-Type'}`,
    );
  const fields = Object.fromEntries(new URLSearchParams(await c.req.text()));
  for (const [key, value] of Object.entries(fields))
    if (/\u0000/.test(key) || /\u0000/.test(value))
      throw new ApiError('INVALID_PARAMETER', `${JSON.stringify(key.slice(0, 64))}: a callback field contains NUL`);
  return fields;
}

const forbidden = (why: string) => new ApiError('FORBIDDEN', why);

/**
 * The attempt the request's token names, once the request is proven to come from its account's
 * Twilio: 403 for an unknown token, when the account is not on Twilio or the signature is not
 * Twilio's for the URL Outcall handed out (under `OUTCALL_PUBLIC_URL`) and these parameters.
 */
async function verifiedAttempt(
  c: Context<AppEnv>,
  deps: AppDeps,
  path: string,
  fields: Record<string, string>,
  log: Logger,
): Promise<{ token: string; attempt: TwilioAttempt }> {
  const token = c.req.query('token');
  const attempt = await findCallbackAttempt(deps.db, token);
  if (!token || !attempt) {
    log.warn({ path, reason: token ? 'unknown_token' : 'no_token' }, 'Twilio callback refused');
    throw callbackRefused('token');
  }
  if (attempt.carrier.type !== 'twilio') {
    log.warn({ callSid: attempt.callSid, carrier: attempt.carrier.type }, 'Twilio callback for a non-Twilio account');
    throw forbidden(`${TWILIO_SIGNATURE_HEADER}: the attempt's account does not call through Twilio`);
  }
  const url = `${deps.publicUrl.replace(/\/+$/, '')}${path}${new URL(c.req.url).search}`;
  const signature = c.req.header(TWILIO_SIGNATURE_HEADER);
  if (!verifyTwilioSignature(hmacSha1Base64, attempt.carrier.authToken, signature, url, fields)) {
    log.warn(
      { callSid: attempt.callSid, path, signed: signature !== undefined },
      'Twilio callback refused: X-Twilio-Signature does not match',
    );
    throw forbidden(`${TWILIO_SIGNATURE_HEADER}: the signature does not match this request`);
  }
  return { token, attempt: attempt as TwilioAttempt };
}

export function createTwilioCallbackRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post(TWILIO_STATUS_PATH, callbackBodyLimit(), async (c) => {
    const log = c.get('log') ?? deps.log;
    const fields = await formFields(c);
    const { token, attempt } = await verifiedAttempt(c, deps, TWILIO_STATUS_PATH, fields, log);
    const parsed = parseTwilioStatusCallback(fields);
    if (!parsed.ok) throw new ApiError('INVALID_PARAMETER', parsed.message);
    const outcome = parsed.value;
    // SPEC §7: the token and the CallSid must both name this attempt (and its account).
    const dialled = await withCarrierSid(deps.db, token, attempt);
    if (dialled.carrierSid === null) {
      log.warn({ callSid: attempt.callSid, reason: 'carrier_sid_not_known' }, 'Twilio callback refused');
      throw new ApiError(
        'STATE_CONFLICT',
        'CallSid: the attempt has no carrier call sid to match; the call is settled by a carrier lookup',
      );
    }
    if (!callSidMatches(dialled, outcome.carrierSid)) {
      log.warn(
        { callSid: attempt.callSid, reported: outcome.carrierSid, reason: 'call_sid_mismatch' },
        'Twilio callback refused: CallSid is not the dialled call',
      );
      throw callbackRefused('CallSid');
    }
    if (fields.AccountSid !== undefined && !equalInConstantTime(fields.AccountSid, attempt.carrier.accountSid)) {
      log.warn({ callSid: attempt.callSid }, "Twilio callback refused: AccountSid is not the account's");
      throw forbidden(`AccountSid: ${JSON.stringify(fields.AccountSid)} is not the Twilio account of this attempt`);
    }
    const result = await deliverCallStatus(deps, log, { token, callSid: attempt.callSid, outcome });
    log.info(
      { callSid: attempt.callSid, carrierSid: outcome.carrierSid, status: outcome.status, result },
      'Carrier status received',
    );
    return ok(c, { call_sid: attempt.callSid, status: outcome.status, result });
  });

  /** The TwiML of a greeting too long for the dial's `Twiml` parameter (Twilio fetches `Url` with POST). */
  const greeting = async (c: Context<AppEnv>) => {
    const log = c.get('log') ?? deps.log;
    const fields = await formFields(c);
    const { token, attempt: found } = await verifiedAttempt(c, deps, TWILIO_GREETING_PATH, fields, log);
    // The call must be live (no final status yet); a CallSid, which Twilio's fetch sends, must match.
    const callSid = fields.CallSid;
    const attempt = callSid !== undefined ? await withCarrierSid(deps.db, token, found) : found;
    const reason =
      attempt.status !== null
        ? 'settled'
        : callSid !== undefined && !callSidMatches(attempt, callSid)
          ? 'call_sid_mismatch'
          : null;
    if (reason !== null) {
      log.warn({ callSid: attempt.callSid, reported: callSid, reason }, 'Greeting fetch refused');
      throw callbackRefused('token');
    }
    const text = await greetingForToken(deps.db, token);
    if (text === null)
      throw new ApiError('NOT_FOUND', `token: the campaign of attempt ${attempt.callSid} has no greeting text`);
    return c.body(sayTwiml(text), 200, { 'Content-Type': 'text/xml; charset=utf-8' });
  };
  app.post(TWILIO_GREETING_PATH, callbackBodyLimit(), greeting);
  app.get(TWILIO_GREETING_PATH, greeting);

  return app;
}
