/**
 * SPEC §7 pieces every inbound carrier callback route shares: the body limit, and handing a final
 * status to the engine (durable before the carrier gets its 2xx; otherwise 503 so it retries).
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from 'pino';
import type { CallOutcome } from '../domain/attempt-status';
import type { AppEnv } from './context';
import { EngineUnavailableError, type AppDeps } from './deps';
import { ApiError } from './errors';

/** Carrier callbacks are a few hundred bytes; anything far larger is not one. */
export const CALLBACK_BODY_LIMIT = 64 * 1024;

export function callbackBodyLimit(): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: CALLBACK_BODY_LIMIT,
    onError: () => {
      throw new ApiError('PAYLOAD_TOO_LARGE', `callback body is larger than ${CALLBACK_BODY_LIMIT} bytes`);
    },
  });
}

export type DeliveredStatus = Awaited<ReturnType<AppDeps['engine']['reportCallStatus']>>;

/**
 * Hands the attempt's final status to its number's workflow (through the engine port). An engine
 * that cannot take it is a 503: the status is not durable until it has it.
 */
export async function deliverCallStatus(
  deps: AppDeps,
  log: Logger,
  input: { token: string; callSid: string; outcome: CallOutcome },
): Promise<DeliveredStatus> {
  let result: DeliveredStatus;
  try {
    result = await deps.engine.reportCallStatus({ token: input.token, outcome: input.outcome });
  } catch (err) {
    log.error({ err, callSid: input.callSid }, 'Could not hand a call status to the engine');
    throw err instanceof EngineUnavailableError ? err : new EngineUnavailableError(err);
  }
  if (result === 'unknown_token')
    throw new ApiError('NOT_FOUND', `token: no call attempt has token ${JSON.stringify(input.token)}`);
  return result;
}
