/** SPEC §4.5 "attempts skipped before dialling don't count": an attempt that was never sent is undone. */
import type { Db } from '../../db/client';
import { accountSidOfCampaign, deleteUnsentAttempt, leaseOrderAt, lockAttempt } from '../../db/queries/attempts';
import { returnLease } from '../dial-release';
import { leaseOf } from './channel';

/**
 * Which claimed attempts may be undone: `unclaimed` only (a staged dial), also one claimed whose
 * request was never handed over (`before-sending`: the run that claimed it stopped first), or one
 * whose request provably never left (`proven`: the carrier adapter says so, SPEC §7).
 */
export type WithdrawWhen = 'unclaimed' | 'before-sending' | 'proven';

/**
 * Deletes the attempt's row, puts the number back as it was before the attempt began (`pending`, or
 * `retry` at its place among retries), and turns the lease back into a waiter (its channel free at
 * once). False when the attempt may have been dialled (it must then be settled, never undone).
 */
export async function withdrawAttempt(db: Db, callSid: string, when: WithdrawWhen = 'unclaimed'): Promise<boolean> {
  return db.transaction(async (tx) => {
    const a = await lockAttempt(tx, callSid);
    if (!a) return true;
    if (a.carrierSid || a.status !== null) return false;
    if (when === 'unclaimed' && a.dialStartedAt) return false;
    if (when === 'before-sending' && a.sendingAt) return false;
    const accountSid = await accountSidOfCampaign(tx, a.campaignId);
    const leaseId = leaseOf(a);
    await deleteUnsentAttempt(tx, a, (await leaseOrderAt(tx, leaseId)) ?? null);
    if (accountSid) await returnLease(tx, { accountSid, id: leaseId });
    return true;
  });
}
