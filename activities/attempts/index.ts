/**
 * One attempt's life in the read model and at the carrier (SPEC §7 "at most once per attempt, and
 * every attempt is settled"): begin (attempt row committed before any dial), dial (idempotent per
 * attempt), look up (when the callback never came), settle (attempt, number and webhook events in one
 * transaction). One file per activity; their queries live in db/queries/attempts.ts.
 */
import { log } from '@temporalio/activity';
import { createChannelWakeups } from '../channel-wakeups';
import { beginAttempt } from './begin';
import { dialAttempt } from './dial';
import { lookupAttempt } from './lookup';
import { settleAttempt } from './settle';
import type { AttemptDeps } from './types';

export { recordCallOutcome } from './record-call-outcome';
export { SETTLE_GRACE_MS } from './begin';
export type * from './types';

export function createAttemptActivities(deps: AttemptDeps) {
  const wakeups = createChannelWakeups(deps.db.$client, (err) => {
    try {
      log.warn('Cannot listen for freed channels; staged dials poll instead', { error: String(err) });
    } catch {
      // outside an activity's context there is no logger to tell; polling goes on regardless
    }
  });
  return {
    beginAttempt: beginAttempt(deps.db, wakeups),
    dialAttempt: dialAttempt(deps, wakeups),
    lookupAttempt: lookupAttempt(deps),
    settleAttempt: settleAttempt(deps.db),
  };
}
