/**
 * Pieces every HTTP carrier adapter shares: reading `Retry-After`, and what a request that got no
 * answer means. (The exotel adapter keeps its own copies until it moves onto these.)
 */
import { ApplicationFailure } from '@temporalio/common';

/** Failure types thrown by carrier adapters (STYLE G11); the same strings as `exotel.ts`'s `CarrierFailure`. */
export const CARRIER_UNAVAILABLE = 'CarrierUnavailable';
export const CARRIER_REJECTED = 'CarrierRejected';

/** `Retry-After` (seconds or an HTTP date) in milliseconds from `nowMs`; `fallbackMs` when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs: number, fallbackMs: number): number {
  if (!header) return fallbackMs;
  const seconds = Number(header);
  if (header.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? fallbackMs : Math.max(0, at - nowMs);
}

/** Error codes of a request that provably never reached the carrier (refused, no address, TLS failed). */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The `code` of an error or of any error in its `cause` chain (undici wraps the socket's). */
function errorCode(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return null;
}

/**
 * SPEC §7: a request that got no answer. `notSent` when the error proves it never left (connection
 * refused, DNS, TLS before the request was written): no call can exist. Otherwise (reset, timeout
 * after sending) a call may exist, and the attempt is settled by callback or lookup. Both throw a
 * retryable `CarrierUnavailable` today, `notSent` in its details: the one place to turn the first
 * into a "not sent" dial result once the Carrier interface has one.
 */
export function noAnswer(carrier: string, what: string, err: unknown): ApplicationFailure {
  const code = errorCode(err);
  const notSent = code !== null && NOT_SENT_CODES.has(code);
  return ApplicationFailure.create({
    type: CARRIER_UNAVAILABLE,
    message: `${carrier} request ${what} got no answer (${code ?? (err as Error)?.message ?? String(err)})`,
    nonRetryable: false,
    cause: err instanceof Error ? err : undefined,
    details: [{ notSent, code }],
  });
}

/** A retryable failure for an answer that cannot be used (5xx, unreadable body). */
export function unavailable(message: string, nextRetryDelayMs?: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: CARRIER_UNAVAILABLE,
    message,
    nonRetryable: false,
    nextRetryDelay: nextRetryDelayMs,
  });
}

/** A lookup the carrier refused outright (auth, bad request): retrying will not help. */
export function rejected(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: CARRIER_REJECTED, message, nonRetryable: true });
}
