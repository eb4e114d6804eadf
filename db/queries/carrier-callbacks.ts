/**
 * SPEC §7 inbound carrier callbacks and the greeting fetch: the attempt a presented token names, with
 * its account's carrier. The lookup goes by the token's SHA-256 (index `attempts_token_sha256`) and
 * the token itself is then compared in constant time, so no query compares the secret.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { accounts, attempts, campaigns, type CarrierConfig } from '../schema';
import { attemptNumberFromToken } from '../../domain/ids';
import { equalInConstantTime } from '../../domain/constant-time';

export interface CallbackAttempt {
  callSid: string;
  /** The carrier's call sid, stored when the carrier accepted the dial; null until then. */
  carrierSid: string | null;
  campaignId: string;
  position: number;
  accountSid: string;
  carrier: CarrierConfig;
  /** The attempt's final status once recorded; null while the call may still be live. */
  status: string | null;
}

/** The attempt whose callback token is `token`, or undefined (a malformed token is never looked up). */
export async function findCallbackAttempt(db: Db, token: string | undefined): Promise<CallbackAttempt | undefined> {
  if (!token || attemptNumberFromToken(token) === null) return undefined;
  const [row] = await db
    .select({
      token: attempts.token,
      callSid: attempts.callSid,
      carrierSid: attempts.carrierSid,
      campaignId: attempts.campaignId,
      position: attempts.position,
      accountSid: accounts.sid,
      carrier: accounts.carrier,
      status: attempts.status,
    })
    .from(attempts)
    .innerJoin(campaigns, eq(campaigns.id, attempts.campaignId))
    .innerJoin(accounts, eq(accounts.sid, campaigns.accountSid))
    // The presented token's bytes by convert_to (a backslash in it is not a bytea escape); a stored
    // token has none, so `token::bytea` is its UTF-8 bytes and the index applies.
    .where(sql`sha256(${attempts.token}::bytea) = sha256(convert_to(${token}, 'UTF8'))`)
    .limit(1);
  if (!row || !equalInConstantTime(row.token, token)) return undefined;
  return {
    callSid: row.callSid,
    carrierSid: row.carrierSid,
    campaignId: row.campaignId,
    position: row.position,
    accountSid: row.accountSid,
    carrier: row.carrier,
    status: row.status,
  };
}
