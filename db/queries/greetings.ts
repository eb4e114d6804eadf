/** SPEC §3/§7: the greeting one attempt reads, found by the attempt's token (carrier greeting fetches). */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { attempts, campaignNumbers, campaigns } from '../schema';
import { greetingText } from '../../domain/greeting-template';
import { attemptNumberFromToken } from '../../domain/ids';

/** The rendered greeting of the attempt with `token`; null for an unknown token or a flow campaign. */
export async function greetingForToken(db: Db, token: string): Promise<string | null> {
  // A malformed token cannot name an attempt; skip the query.
  if (attemptNumberFromToken(token) === null) return null;
  const [row] = await db
    .select({ readViaText: campaigns.readViaText, campaignType: campaigns.campaignType, vars: campaignNumbers.vars })
    .from(attempts)
    .innerJoin(campaigns, eq(campaigns.id, attempts.campaignId))
    .leftJoin(
      campaignNumbers,
      and(eq(campaignNumbers.campaignId, attempts.campaignId), eq(campaignNumbers.position, attempts.position)),
    )
    .where(eq(attempts.token, token))
    .limit(1);
  return row ? greetingText(row, row.vars) : null;
}
