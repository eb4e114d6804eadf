/**
 * SPEC §7 simulator carrier: the deterministic outcome of a simulated call, by the number's last
 * digit and the attempt number, and its timing.
 */
import type { AttemptStatus } from '../domain/attempt-status';

/** What the simulator does with a dial request: refuse it (HTTP 400, no call) or place a call. */
export type SimulatedOutcome = AttemptStatus | 'refused';

/**
 * `0`–`5` completed; `6` busy; `7` no-answer; `8` failed; `9` busy on attempt 1, completed after;
 * a number ending in `000` (or with no digits at all) is refused.
 */
export function simulatedOutcome(number: string, attemptNumber: number): SimulatedOutcome {
  const digits = number.replace(/\D/g, '');
  if (digits === '' || digits.endsWith('000')) return 'refused';
  switch (digits.at(-1)) {
    case '6':
      return 'busy';
    case '7':
      return 'no-answer';
    case '8':
      return 'failed';
    case '9':
      return attemptNumber <= 1 ? 'busy' : 'completed';
    default:
      return 'completed';
  }
}

export interface SimulatedTiming {
  /** When the callee answers, from the dial request; null when the call is never answered. */
  answerAfterMs: number | null;
  /** When the call ends and its status callback falls due, from the dial request. */
  endAfterMs: number;
  /** Conversation seconds: `round(talkMs / 1000)` for completed calls, else 0. */
  durationS: number;
}

/** A completed call rings `ringMs` then talks `talkMs`; every other outcome ends after the ring. */
export function simulatedTiming(outcome: AttemptStatus, ringMs: number, talkMs: number): SimulatedTiming {
  return outcome === 'completed'
    ? { answerAfterMs: ringMs, endAfterMs: ringMs + talkMs, durationS: Math.round(talkMs / 1000) }
    : { answerAfterMs: null, endAfterMs: ringMs, durationS: 0 };
}
