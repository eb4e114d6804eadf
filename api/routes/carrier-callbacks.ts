/**
 * SPEC §2 `/carriers/...`, §7: Exotel's status callbacks and the greeting fetch, accepted only when the per-attempt
 * token in the URL and the `CallSid` match an attempt still awaiting its status. Every refusal is the same 403 and
 * changes nothing; a dial never answered is 409. Twilio's signed callbacks have their own route.
 */
import { Hono, type Context } from 'hono';
import { findCallbackAttempt } from '../../db/queries/carrier-callbacks';
import { greetingForToken } from '../../db/queries/greetings';
import { parseExotelStatusCallback } from '../../domain/exotel-callback';
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
import { checkedJson, parseGuardedJson } from '../middleware/json-body';

/**
 * The callback's fields: JSON (whatever the Content-Type, as Exotel sends with
 * `StatusCallbackContentType=application/json`), multipart (Exotel's default) or url-encoded. Guarded
 * like every body (SPEC §1): deep JSON, NUL bytes and lone surrogates are refused with a 400.
 */
async function readCallbackFields(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const type = c.req.header('content-type') ?? '';
  if (type.includes('multipart/form-data')) {
    let form: Record<string, unknown>;
    try {
      form = await c.req.parseBody();
    } catch {
      throw new ApiError('INVALID_PARAMETER', 'body: the multipart callback body could not be parsed');
    }
    return checkedJson(Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === 'string')));
  }
  const text = await c.req.text();
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = parseGuardedJson(trimmed);
    if (!parsed.ok) throw new ApiError('MALFORMED_JSON', 'body: the callback body is not valid JSON');
    return parsed.value as Record<string, unknown>;
  }
  if (trimmed === '') throw new ApiError('INVALID_PARAMETER', 'body: the callback body is empty');
  return checkedJson(Object.fromEntries(new URLSearchParams(trimmed)));
}

export function createCarrierRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const logOf = (c: Context<AppEnv>) => c.get('log') ?? deps.log;

  app.post('/carriers/exotel/status', callbackBodyLimit(), async (c) => {
    const log = logOf(c);
    const token = c.req.query('token');
    const attempt = await findCallbackAttempt(deps.db, token);
    if (!token || !attempt) {
      log.warn({ reason: token ? 'unknown_token' : 'no_token' }, 'Carrier callback refused');
      throw callbackRefused('token');
    }
    const parsed = parseExotelStatusCallback(await readCallbackFields(c));
    if (!parsed.ok) throw new ApiError('INVALID_PARAMETER', parsed.message);
    const outcome = parsed.value;
    const fields = { callSid: attempt.callSid, accountSid: attempt.accountSid, reported: outcome.carrierSid };
    const dialled = await withCarrierSid(deps.db, token, attempt);
    if (dialled.carrierSid === null) {
      // Nothing to match (the dial's answer never came): refused; a carrier lookup settles the call.
      log.warn({ ...fields, reason: 'carrier_sid_not_known' }, 'Carrier callback refused');
      throw new ApiError(
        'STATE_CONFLICT',
        'CallSid: the attempt has no carrier call sid to match; the call is settled by a carrier lookup',
      );
    }
    if (!callSidMatches(dialled, outcome.carrierSid)) {
      log.warn({ ...fields, reason: 'call_sid_mismatch' }, 'Carrier callback refused');
      throw callbackRefused('CallSid');
    }
    const result = await deliverCallStatus(deps, log, { token, callSid: attempt.callSid, outcome });
    log.info({ ...fields, status: outcome.status }, 'Carrier status received');
    return ok(c, { call_sid: attempt.callSid, status: outcome.status, result });
  });

  app.get('/carriers/exotel/greeting', async (c) => {
    const log = logOf(c);
    const token = c.req.query('CustomField');
    const found = await findCallbackAttempt(deps.db, token);
    const callSid = c.req.query('CallSid');
    const attempt = found && token && callSid !== undefined ? await withCarrierSid(deps.db, token, found) : found;
    // The call must be live (no final status yet); a CallSid, which Exotel's applets send, must match.
    const reason = !attempt
      ? 'unknown_token'
      : attempt.status !== null
        ? 'settled'
        : callSid !== undefined && !callSidMatches(attempt, callSid)
          ? 'call_sid_mismatch'
          : null;
    if (reason !== null || !attempt || !token) {
      log.warn({ callSid: attempt?.callSid, reported: callSid, reason }, 'Greeting fetch refused');
      throw callbackRefused('CustomField');
    }
    const text = await greetingForToken(deps.db, token);
    if (text === null)
      throw new ApiError('NOT_FOUND', `CustomField: the campaign of attempt ${attempt.callSid} has no greeting text`);
    return c.text(text, 200);
  });

  app.post('/carriers/:carrier/status', (c) => {
    throw new ApiError(
      'NOT_FOUND',
      `carrier: ${JSON.stringify(c.req.param('carrier'))} is not a carrier Outcall receives callbacks from`,
    );
  });

  return app;
}
