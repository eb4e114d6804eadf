/** SPEC §7: how long a number waits before it dials again after a dial request that was not sent. */

const FIRST_MS = 2_000;
const MAX_MS = 60_000;

/**
 * 2 s after the first not-sent dial in a row, doubling with each one after it, at most a minute (a
 * carrier that is down for a while is not hammered, one that is back is dialled again soon); a
 * carrier's own `Retry-After` wins when it asks for longer.
 */
export function notSentBackoffMs(inARow: number, retryAfterMs: number | null): number {
  const backoff = Math.min(MAX_MS, FIRST_MS * 2 ** Math.max(0, inARow - 1));
  return Math.max(backoff, retryAfterMs ?? 0);
}
