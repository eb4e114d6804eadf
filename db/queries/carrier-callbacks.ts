/** SPEC §7 inbound carrier callbacks: the attempt a callback's token names, with its account's carrier. */
import { eq } from 'drizzle-orm';
import type { Db } from '../client';
import { accounts, attempts, campaigns, type CarrierConfig } from '../schema';
import { attemptNumberFromToken } from '../../domain/ids';

export interface CallbackAttempt {
  callSid: string;
  /** The carrier's call sid, once the dial's answer was stored. */
  carrierSid: string | null;
  campaignId: string;
  position: number;
  accountSid: string;
  carrier: CarrierConfig;
}

/** The attempt whose token is `token`; undefined for an unknown or malformed token. */
export async function findCallbackAttempt(db: Db, token: string | undefined): Promise<CallbackAttempt | undefined> {
  // A malformed token cannot name an attempt; skip the query.
  if (!token || attemptNumberFromToken(token) === null) return undefined;
  const [row] = await db
    .select({
      callSid: attempts.callSid,
      carrierSid: attempts.carrierSid,
      campaignId: attempts.campaignId,
      position: attempts.position,
      accountSid: accounts.sid,
      carrier: accounts.carrier,
    })
    .from(attempts)
    .innerJoin(campaigns, eq(campaigns.id, attempts.campaignId))
    .innerJoin(accounts, eq(accounts.sid, campaigns.accountSid))
    .where(eq(attempts.token, token))
    .limit(1);
  return row;
}
