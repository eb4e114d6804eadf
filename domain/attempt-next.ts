/**
 * SPEC §4.2/§4.3/§4.4: what follows a settled attempt, decided without I/O (`settleAttempt` applies
 * it in the transaction that records the outcome).
 */
import { NO_RETRY_REASONS, type AttemptStatus } from './attempt-status';
import { deferToWindow, type CallingWindow } from './calling-window';

/** What follows a settled attempt: a retry at `atMs` (window-deferred), or the number's final status. */
export type AttemptNext = { kind: 'retry'; atMs: number } | { kind: 'final'; numberStatus: 'completed' | 'failed' };

/**
 * During a drain, or for a reason no retry can help (an invalid number, SPEC §7), the outcome is
 * final (no retry); else a retry is due `retryDelayMs` after now, moved
 * to the next window opening (+ jitter) when it falls outside the calling window, and the number is
 * `failed` at once when that is at or after `end_at`.
 */
export function decideNext(x: {
  outcome: AttemptStatus;
  /** The outcome's reason (`invalid_number`, …); absent or null for what the carrier reported. */
  reason?: string | null;
  retryDelayMs: number | null;
  jitterMs: number;
  nowMs: number;
  draining: boolean;
  endAtMs: number | null;
  window: CallingWindow;
}): AttemptNext {
  const final: AttemptNext = { kind: 'final', numberStatus: x.outcome === 'completed' ? 'completed' : 'failed' };
  if (x.outcome === 'completed' || x.retryDelayMs === null || x.draining) return final;
  if (x.reason && NO_RETRY_REASONS.has(x.reason)) return final;
  const atMs = deferToWindow(x.window, x.nowMs + x.retryDelayMs, x.jitterMs);
  if (atMs === null || (x.endAtMs !== null && atMs >= x.endAtMs)) return final;
  return { kind: 'retry', atMs };
}

/**
 * Whether an attempt with a recorded outcome still waits for its number to be settled: the number is
 * `in-progress` at this attempt until `settleAttempt` moves it on.
 */
export function awaitsSettle(n: { status: string; attempts: number }, attemptNumber: number): boolean {
  return n.status === 'in-progress' && n.attempts === attemptNumber;
}

/** What a number that settled already shows as its next step (an activity retried after it committed). */
export function nextOfSettledNumber(n: { status: string; nextAttemptAt: Date | null } | undefined): AttemptNext {
  return n?.status === 'retry' && n.nextAttemptAt
    ? { kind: 'retry', atMs: n.nextAttemptAt.getTime() }
    : { kind: 'final', numberStatus: n?.status === 'completed' ? 'completed' : 'failed' };
}
