/** SPEC §4.5/§7: a carrier callback recorded by the API, in one transaction with the channel's release. */
import type { Db } from '../../db/client';
import { accountOfCampaign, findNumber, lockAttemptByToken, recordOutcome } from '../../db/queries/attempts';
import { awaitsSettle } from '../../domain/attempt-next';
import type { CallOutcome } from '../../domain/call-outcome';
import { releaseChannel } from './channel';
import type { RecordCallOutcomeResult } from './types';

/**
 * The carrier's callback records the attempt's final status, and the call stops holding its channel,
 * in one transaction, the moment the callback arrives (the API calls this). The number workflow, told
 * by a signal, then settles the number (retry, final status, webhooks) with `settleAttempt`, which
 * takes this recorded outcome. A callback that arrives after the attempt was settled changes nothing.
 */
export async function recordCallOutcome(
  db: Db,
  input: { token: string; outcome: CallOutcome; nowMs: number },
): Promise<RecordCallOutcomeResult> {
  return db.transaction(async (tx) => {
    const a = await lockAttemptByToken(tx, input.token);
    if (!a) return { kind: 'unknown_token' };
    const recorded = { kind: 'recorded', callSid: a.callSid, campaignId: a.campaignId, position: a.position } as const;
    if (a.status !== null) {
      const n = await findNumber(tx, a.campaignId, a.position);
      return n && awaitsSettle(n, a.attemptNumber) ? recorded : { kind: 'settled' };
    }
    const acct = await accountOfCampaign(tx, a.campaignId);
    await recordOutcome(tx, a, { ...input.outcome, reason: null }, new Date(input.nowMs));
    const wake = acct ? await releaseChannel(tx, acct, a, input.nowMs) : null;
    return { ...recorded, ...(wake && { wake }) };
  });
}
