/** SPEC §4.5: an attempt's channel (its lease at the dial gate), given back in the caller's transaction. */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { leaseLimitMs } from '../../domain/throttle';
import { waiterId, type GateWake } from '../dial-gate';
import { releaseDialSlot } from '../dial-release';

export interface ChannelAccount {
  sid: string;
  channels: number;
  ringTimeoutS: number;
  callTimeLimitS: number;
}

/** The lease id of an attempt (its waiter row at the gate). */
export const leaseOf = (a: { campaignId: string; position: number; attemptNumber: number }) =>
  waiterId(a.campaignId, a.position, a.attemptNumber);

/** Frees the attempt's channel; returns the waiting number to wake for it, if any. */
export function releaseChannel(
  tx: DbOrTx,
  acct: ChannelAccount,
  a: { campaignId: string; position: number; attemptNumber: number },
  nowMs: number,
): Promise<GateWake | null> {
  return releaseDialSlot(tx, {
    accountSid: acct.sid,
    id: leaseOf(a),
    nowMs,
    channels: acct.channels,
    leaseLimitMs: leaseLimitMs(acct.ringTimeoutS, acct.callTimeLimitS),
  });
}

/**
 * A lookup found live a call whose channel an earlier lookup gave back (the carrier did not know it
 * yet): it counts as live again, from now (SPEC §4.5: a live call holds a channel).
 */
export async function retakeChannel(
  tx: DbOrTx,
  accountSid: string,
  a: { campaignId: string; position: number; attemptNumber: number },
): Promise<void> {
  await tx.execute(sql`
    insert into dial_waiters
      (id, account_sid, campaign_id, position, is_retry, order_at, due_at, lapse_at, granted_at, sent_at)
    values (${leaseOf(a)}, ${accountSid}, ${a.campaignId}, ${a.position}, ${a.attemptNumber > 1},
      clock_timestamp(), clock_timestamp(), clock_timestamp(), clock_timestamp(), clock_timestamp())
    on conflict (id) do nothing`);
}
