/** SPEC §4.5 "attempts skipped before dialling don't count": an attempt that was never sent is undone. */
import type { Db } from '../../db/client';
import { accountSidOfCampaign, deleteUnsentAttempt, leaseOrderAt, lockAttempt } from '../../db/queries/attempts';
import { returnLease } from '../dial-gate';
import { leaseOf } from './channel';

/**
 * Deletes the attempt's row, puts the number back as it was before the attempt began (`pending`, or
 * `retry` at its place among retries), and turns the lease back into a waiter (its channel free at
 * once). False when the attempt was claimed for dialling meanwhile (it must then be settled, never
 * undone) — unless `claimedButNotSent`: the dial activity's own claim of a request that provably
 * never left (SPEC §7).
 */
export async function withdrawAttempt(db: Db, callSid: string, claimedButNotSent = false): Promise<boolean> {
  return db.transaction(async (tx) => {
    const a = await lockAttempt(tx, callSid);
    if (!a) return true;
    if ((a.dialStartedAt && !claimedButNotSent) || a.carrierSid || a.status !== null) return false;
    const accountSid = await accountSidOfCampaign(tx, a.campaignId);
    const leaseId = leaseOf(a);
    await deleteUnsentAttempt(tx, a, (await leaseOrderAt(tx, leaseId)) ?? null);
    if (accountSid) await returnLease(tx, { accountSid, id: leaseId });
    return true;
  });
}
