/**
 * SPEC §7 "every attempt is settled — in minutes": when to ask the carrier about an attempt whose outcome did not come
 * (a dial of unknown fate within a minute, a missing callback from `ring_timeout_s` + 1 minute), with back-off while
 * the call is live, unknown (30 minutes, then `failed` / `dial_unknown`) or the lookup fails.
 */

/** A dial whose fate is unknown is first looked up this long after it was sent. */
export const AMBIGUOUS_FIRST_LOOKUP_MS = 30_000;
/** A call the carrier accepted is looked up this long after its ring timeout when no callback came. */
export const MISSING_CALLBACK_GRACE_MS = 60_000;
/** Lookups of a call still live start this far apart, doubling up to `MAX_LOOKUP_GAP_MS`. */
export const LIVE_LOOKUP_GAP_MS = 60_000;
/** Lookups that do not find the call (or fail) start this far apart, doubling up to `MAX_LOOKUP_GAP_MS`. */
export const MISSING_LOOKUP_GAP_MS = 30_000;
export const MAX_LOOKUP_GAP_MS = 300_000;
/** A call the carrier still does not know this long after the first lookup that missed it is `dial_unknown`. */
export const UNKNOWN_AFTER_MS = 30 * 60_000;

/** What one lookup saw: the call live, no such call, or no answer from the carrier. */
export type LookupSeen = 'live' | 'not_found' | 'error';

export interface LadderState {
  /** How long to wait (for the callback) before the next lookup. */
  waitMs: number;
  /** When the current run of lookups that did not find the call began; null when the last one did. */
  missingSinceMs: number | null;
  /** What the previous lookup saw (null before the first). */
  last: LookupSeen | null;
}

/** The first wait: for the callback, before the first lookup. */
export function firstLookup(dial: 'accepted' | 'ambiguous', ringTimeoutMs: number): LadderState {
  const waitMs = dial === 'ambiguous' ? AMBIGUOUS_FIRST_LOOKUP_MS : ringTimeoutMs + MISSING_CALLBACK_GRACE_MS;
  return { waitMs, missingSinceMs: null, last: null };
}

/** After a lookup that found no final outcome: wait again, or give up on a call never found. */
export function afterLookup(
  s: LadderState,
  seen: LookupSeen,
  nowMs: number,
): { kind: 'again'; state: LadderState } | { kind: 'unknown' } {
  const missingSinceMs = seen === 'live' ? null : seen === 'not_found' ? (s.missingSinceMs ?? nowMs) : s.missingSinceMs;
  if (seen === 'not_found' && missingSinceMs !== null && nowMs - missingSinceMs >= UNKNOWN_AFTER_MS)
    return { kind: 'unknown' };
  const base = seen === 'live' ? LIVE_LOOKUP_GAP_MS : MISSING_LOOKUP_GAP_MS;
  // The gap doubles while the carrier keeps saying the same; a change starts the ladder again.
  const waitMs = s.last === null || !sameKind(s.last, seen) ? base : Math.min(MAX_LOOKUP_GAP_MS, s.waitMs * 2);
  const capped = missingSinceMs !== null ? Math.min(waitMs, missingSinceMs + UNKNOWN_AFTER_MS - nowMs) : waitMs;
  return { kind: 'again', state: { waitMs: Math.max(1000, capped), missingSinceMs, last: seen } };
}

/** A lookup that failed and one that did not find the call both leave the call's fate open. */
const sameKind = (a: LookupSeen, b: LookupSeen) => (a === 'live') === (b === 'live');
