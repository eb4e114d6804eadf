/**
 * SPEC §4.5 "waiting costs nothing" (issue 10): how long a number whose wait for the dial gate is
 * too long to spend inside its activity sleeps in its workflow. Pure.
 */
import { MIN_POLL_MS, type DialPlan } from './throttle';

/**
 * SPEC §4.5 "waiting costs nothing" (issue 10): the longest a number sleeps in its workflow before it
 * asks the gate again unwoken. A wait for a channel ends with a release, which wakes the waiter asking
 * soonest; a wait for its turn or a pacing slot, with the number just granted before it (baton passing).
 */
export const LONG_SLEEP_MS = 10 * 60_000;

/**
 * How long a number whose wait is too long to spend inside its activity sleeps: until woken when it
 * waits for a channel; else half its estimated turn, so it is back (present, for the order and fair
 * share among campaigns) in time when turns come sooner than estimated, at a cost of about
 * log2(turn / 20 s) sleeps for the whole wait, never one a minute.
 */
export function sleepUntilTurnMs(p: Extract<DialPlan, { kind: 'wait' }>): number {
  if (p.reason === 'channels') return LONG_SLEEP_MS;
  const turnInMs = p.turnInMs ?? p.retryInMs;
  return Math.round(Math.min(LONG_SLEEP_MS, Math.max(MIN_POLL_MS, turnInMs / 2)));
}
