/** SPEC §7: asks the carrier what became of an attempt whose callback never came. */
import { attemptContext } from '../../db/queries/attempts';
import { attemptNotFound } from './not-found';
import type { AttemptDeps, LookupAttemptInput, LookupAttemptOutput } from './types';

/** By the call's sid when the carrier answered the dial, else by number and a window around the dial. */
export function lookupAttempt(deps: AttemptDeps) {
  return async (input: LookupAttemptInput): Promise<LookupAttemptOutput> => {
    const ctx = await attemptContext(deps.db, input.callSid);
    if (!ctx) throw attemptNotFound(input.callSid);
    const { a, acct } = ctx;
    if (!a.dialStartedAt && !a.carrierSid) return { kind: 'not_found' };
    const carrier = deps.carriers(acct.carrier, acct.sid);
    const after = new Date((a.dialStartedAt ?? a.dateCreated).getTime() - 60_000);
    const r = await carrier.lookupCall({
      carrierSid: a.carrierSid,
      to: a.number,
      after,
      before: new Date(Math.max(input.nowMs, Date.now()) + 60_000),
      token: a.token,
    });
    if (r.kind === 'final') return { kind: 'final', outcome: r.outcome };
    return { kind: r.kind };
  };
}
