/**
 * SPEC §7: asks the carrier what became of an attempt whose outcome did not come. A call the carrier
 * does not know, or no longer reports live, frees its channel at once; one found live holds it; one
 * missing from complete records (the simulator's) was never placed: `failed` / `dial_unknown` now.
 */
import { log } from '@temporalio/activity';
import type { Db } from '../../db/client';
import { REASONS } from '../../domain/attempt-status';
import { failedWithoutCall } from '../../domain/call-outcome';
import { attemptContext, learnCarrierSid, outcomeOfRow } from '../../db/queries/attempts';
import type { CallLookup, LookupResult } from '../carriers/carrier';
import { releaseChannel, retakeChannel } from './channel';
import { attemptNotFound } from './not-found';
import type { AttemptDeps, LookupAttemptInput, LookupAttemptOutput } from './types';

type Context = NonNullable<Awaited<ReturnType<typeof attemptContext>>>;

/** By the call's sid when the carrier answered the dial, else by number and a window around the dial. */
function lookupOf({ a }: Context, nowMs: number): CallLookup {
  return {
    carrierSid: a.carrierSid,
    to: a.number,
    after: new Date((a.dialStartedAt ?? a.dateCreated).getTime() - 60_000),
    before: new Date(Math.max(nowMs, Date.now()) + 60_000),
    token: a.token,
    sentAt: a.sentAt ?? a.sendingAt ?? a.dialStartedAt,
  };
}

/** What the lookup means for the attempt's channel (one transaction). */
async function applyLookup(db: Db, { a, acct }: Context, r: LookupResult, nowMs: number) {
  return db.transaction(async (tx) => {
    if (r.kind === 'live') {
      await learnCarrierSid(tx, a.callSid, r.carrierSid);
      await retakeChannel(tx, acct.sid, a);
      return null;
    }
    if (r.kind === 'final' && r.outcome.carrierSid) await learnCarrierSid(tx, a.callSid, r.outcome.carrierSid);
    // Not live: the channel is free now; a final outcome is recorded by settleAttempt.
    return releaseChannel(tx, acct, a, nowMs);
  });
}

function logged(ctx: Context, seen: string, cause?: string): void {
  try {
    log.info('Attempt looked up', { callSid: ctx.a.callSid, carrierSid: ctx.a.carrierSid, seen, cause });
  } catch {
    // outside an activity's context there is no logger
  }
}

export function lookupAttempt(deps: AttemptDeps) {
  return async (input: LookupAttemptInput): Promise<LookupAttemptOutput> => {
    const ctx = await attemptContext(deps.db, input.callSid);
    if (!ctx) throw attemptNotFound(input.callSid);
    const { a, acct } = ctx;
    // The callback recorded it meanwhile: that outcome settles it.
    if (a.status !== null) return { kind: 'final', outcome: outcomeOfRow(a) };
    if (!a.dialStartedAt && !a.carrierSid) return { kind: 'not_found' };
    let r: LookupResult;
    try {
      r = await deps.carriers(acct.carrier, acct.sid).lookupCall(lookupOf(ctx, input.nowMs));
    } catch (err) {
      // The carrier did not answer: nothing is known, nothing changes (the ladder asks again).
      const message = err instanceof Error ? err.message : String(err);
      logged(ctx, 'error', message);
      return { kind: 'error', message };
    }
    logged(ctx, r.kind);
    const wake = await applyLookup(deps.db, ctx, r, input.nowMs);
    if (r.kind === 'final') return { kind: 'final', outcome: r.outcome, ...(wake && { wake }) };
    // Complete records without the call: it was never placed, so no lookup will ever find it.
    if (r.kind === 'never_placed')
      return { kind: 'final', outcome: failedWithoutCall(REASONS.dialUnknown), ...(wake && { wake }) };
    return { kind: r.kind, ...(wake && { wake }) };
  };
}
