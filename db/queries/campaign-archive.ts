/** SPEC §4.1 `archive`: Completed → Archived, with its `status_callback` event, in one transaction. */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../client';
import { accounts, campaigns } from '../schema';
import { campaignStatusPayload } from '../../domain/webhook-payloads';
import { campaignStats } from './stats';
import { emitWebhook, eventId } from './webhooks';

/**
 * Archives the campaign if it is Completed (row-locked, so two archives cannot both apply) and queues
 * its status webhook. Returns the webhook deliveries to start (none without a `status_callback`), or
 * null when the campaign is not Completed.
 */
export async function archiveCompletedCampaign(db: Db, campaignId: string, now: Date): Promise<string[] | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ c: campaigns, tz: accounts.timezone })
      .from(campaigns)
      .innerJoin(accounts, eq(accounts.sid, campaigns.accountSid))
      .where(and(eq(campaigns.id, campaignId), eq(campaigns.status, 'Completed')))
      .for('update', { of: campaigns });
    if (!row) return null;
    const { c, tz } = row;
    await tx.update(campaigns).set({ status: 'Archived', dateUpdated: now }).where(eq(campaigns.id, campaignId));
    const id = await emitWebhook(tx, {
      id: eventId(campaignId, 'status', 'Archived'),
      accountSid: c.accountSid,
      campaignId,
      kind: 'status',
      url: c.statusCallback,
      payload: campaignStatusPayload(
        {
          campaignSid: campaignId,
          status: 'Archived',
          previousStatus: 'Completed',
          stats: await campaignStats(tx, campaignId),
          dateCreated: c.dateCreated,
          dateUpdated: now,
        },
        tz,
      ),
    });
    return id ? [id] : [];
  });
}
