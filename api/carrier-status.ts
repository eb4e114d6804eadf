/**
 * SPEC §7 pieces every inbound carrier callback route shares: the body limit, the one refusal (403, changes nothing),
 * the constant-time CallSid match, and handing a final status to the engine, durable before the carrier gets its 2xx
 * (otherwise 503, so it retries).
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { findCallbackAttempt, type CallbackAttempt } from '../db/queries/carrier-callbacks';
import type { CallOutcome } from '../domain/call-outcome';
import { equalInConstantTime } from '../domain/constant-time';
import type { AppEnv } from './context';
import { EngineUnavailableError, type AppDeps } from './deps';
import { ApiError } from './errors';

/** Carrier callbacks are a few hundred bytes; anything far larger is not one. */
export const CALLBACK_BODY_LIMIT = 64 * 1024;

const tooLarge = (): never => {
  throw new ApiError('PAYLOAD_TOO_LARGE', `callback body is larger than ${CALLBACK_BODY_LIMIT} bytes`);
};

export function callbackBodyLimit(): MiddlewareHandler<AppEnv> {
  const limit = bodyLimit({ maxSize: CALLBACK_BODY_LIMIT, onError: tooLarge });
  // A declared length is judged before the body stream is touched, so an unread body is dropped
  // by the HTTP server and the connection survives (see api/middleware/body-limit.ts).
  return async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared !== undefined && !c.req.header('transfer-encoding') && Number(declared) > CALLBACK_BODY_LIMIT) {
      tooLarge();
    }
    return limit(c, next);
  };
}

/** The one answer to every refused callback or greeting fetch: it says nothing about which check failed. */
export const callbackRefused = (what: string) =>
  new ApiError('FORBIDDEN', `${what}: the token and CallSid do not match a call attempt awaiting its status`);

/**
 * Whether a reported carrier call sid is the attempt's own (constant time); none stored yet, or none
 * reported, never matches.
 */
export const callSidMatches = (attempt: Pick<CallbackAttempt, 'carrierSid'>, reported: string | null) =>
  attempt.carrierSid !== null && reported !== null && equalInConstantTime(attempt.carrierSid, reported);

/**
 * A callback may race the dial's own answer (a call that ends at once): the carrier's call sid is
 * recorded a moment after the carrier accepted the dial. Wait up to this long for it.
 */
const CARRIER_SID_WAIT_MS = 2_000;

/** The attempt once its carrier call sid is recorded, or as it is after `CARRIER_SID_WAIT_MS`. */
export async function withCarrierSid(db: Db, token: string, attempt: CallbackAttempt): Promise<CallbackAttempt> {
  let current = attempt;
  for (const until = Date.now() + CARRIER_SID_WAIT_MS; current.carrierSid === null && Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 50));
    current = (await findCallbackAttempt(db, token)) ?? current;
  }
  return current;
}

/**
 * Hands the attempt's final status to its number's workflow (through the engine port). An engine
 * that cannot take it is a 503: the status is not durable until it has it. An attempt that has
 * moved on (settled, or its row gone) is refused: a replay changes nothing.
 */
export async function deliverCallStatus(
  deps: AppDeps,
  log: Logger,
  input: { token: string; callSid: string; outcome: CallOutcome },
): Promise<'delivered'> {
  let result: Awaited<ReturnType<AppDeps['engine']['reportCallStatus']>>;
  try {
    result = await deps.engine.reportCallStatus({ token: input.token, outcome: input.outcome });
  } catch (err) {
    log.error({ err, callSid: input.callSid }, 'Could not hand a call status to the engine');
    throw err instanceof EngineUnavailableError ? err : new EngineUnavailableError(err);
  }
  if (result !== 'delivered') {
    log.warn({ callSid: input.callSid, reason: result }, 'Carrier callback refused');
    throw callbackRefused('token');
  }
  return result;
}
