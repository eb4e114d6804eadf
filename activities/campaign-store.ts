/**
 * Campaign-level read-model writes for the campaign workflow: load its settings, enter InProgress,
 * page its numbers, and finish it. Each write is one transaction, idempotent under activity retry.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, gte } from 'drizzle-orm';
import type { Db } from '../db/client';
import { accounts, campaignNumbers, campaigns } from '../db/schema';
import { campaignStats, type DbOrTx } from '../db/queries/stats';
import { emitWebhook, eventId } from '../db/queries/webhooks';

import type { RetryPolicy } from '../domain/retry-schedule';
import { campaignStatusPayload } from '../domain/webhook-payloads';
import { reportUrl, signReportToken } from '../domain/report-token';

export interface CampaignStoreDeps {
  db: Db;
  publicUrl: string;
  signingSecret: string;
}

export interface LoadCampaignInput {
  campaignId: string;
}
export type LoadCampaignOutput =
  | { found: false }
  | {
      found: true;
      accountSid: string;
      status: string;
      sendAtMs: number | null;
      endAtMs: number | null;
      retries: RetryPolicy;
    };

export interface MarkCampaignStartedInput {
  campaignId: string;
  nowMs: number;
}
export interface WebhookEventsOutput {
  /** Webhook delivery ids emitted by the change, in delivery order (empty when no URL is set). */
  deliveryIds: string[];
}
export interface MarkCampaignStartedOutput extends WebhookEventsOutput {
  /** False when the campaign was no longer `Created` (a retried activity, or deleted meanwhile). */
  started: boolean;
}

export interface LoadNumberPageInput {
  campaignId: string;
  /** First position to consider; numbers before it were started by an earlier page. */
  fromPosition: number;
  limit: number;
}
export interface LoadNumberPageOutput {
  numbers: Array<{ position: number; number: string }>;
}

export interface FinishCampaignInput {
  campaignId: string;
  nowMs: number;
  status: 'Completed' | 'Failed' | 'Canceled';
}

export function createCampaignStoreActivities(deps: CampaignStoreDeps) {
  const { db } = deps;

  async function campaignWithAccount(tx: DbOrTx, campaignId: string) {
    const rows = await tx
      .select({ c: campaigns, tz: accounts.timezone })
      .from(campaigns)
      .innerJoin(accounts, eq(accounts.sid, campaigns.accountSid))
      .where(eq(campaigns.id, campaignId))
      .for('update', { of: campaigns });
    return rows[0];
  }

  return {
    /** Reads what the campaign workflow needs to run; `found: false` when the create rolled back. */
    async loadCampaign(input: LoadCampaignInput): Promise<LoadCampaignOutput> {
      const c = await db.query.campaigns.findFirst({ where: eq(campaigns.id, input.campaignId) });
      if (!c) {
        // The API starts the workflow just before it commits the campaign's rows: give the commit
        // time to land (attempts 1..8 span about two minutes) before deciding it rolled back.
        if (Context.current().info.attempt < 8) {
          throw ApplicationFailure.retryable(`campaign ${input.campaignId} not visible yet`, 'CampaignNotVisible');
        }
        return { found: false };
      }
      return {
        found: true,
        accountSid: c.accountSid,
        status: c.status,
        sendAtMs: c.sendAt ? c.sendAt.getTime() : null,
        endAtMs: c.endAt ? c.endAt.getTime() : null,
        retries: {
          numberOfRetries: c.retries.number_of_retries,
          intervalMins: c.retries.interval_mins,
          mechanism: c.retries.mechanism,
          onStatus: c.retries.on_status,
        },
      };
    },

    /** Created → InProgress (SPEC §4.1), sets `date_started`, emits the `status_callback` event. */
    async markCampaignStarted(input: MarkCampaignStartedInput): Promise<MarkCampaignStartedOutput> {
      const now = new Date(input.nowMs);
      return db.transaction(async (tx) => {
        const row = await campaignWithAccount(tx, input.campaignId);
        if (!row) return { started: false, deliveryIds: [] };
        const { c, tz } = row;
        const id = eventId(c.id, 'status', 'InProgress');
        if (c.status !== 'Created') {
          const already = c.status === 'InProgress' && c.dateStarted !== null;
          return { started: already, deliveryIds: already && c.statusCallback ? [id] : [] };
        }
        await tx
          .update(campaigns)
          .set({ status: 'InProgress', dateStarted: now, dateUpdated: now })
          .where(eq(campaigns.id, c.id));
        const stats = await campaignStats(tx, c.id);
        const emitted = await emitWebhook(tx, {
          id,
          accountSid: c.accountSid,
          campaignId: c.id,
          kind: 'status',
          url: c.statusCallback,
          payload: campaignStatusPayload(
            { campaignSid: c.id, status: 'InProgress', previousStatus: 'Created', stats, dateCreated: c.dateCreated, dateUpdated: now },
            tz,
          ),
        });
        return { started: true, deliveryIds: emitted ? [emitted] : [] };
      });
    },

    /** The next `limit` not-yet-started numbers at or after `fromPosition`, in position order. */
    async loadNumberPage(input: LoadNumberPageInput): Promise<LoadNumberPageOutput> {
      const numbers = await db
        .select({ position: campaignNumbers.position, number: campaignNumbers.number })
        .from(campaignNumbers)
        .where(
          and(
            eq(campaignNumbers.campaignId, input.campaignId),
            gte(campaignNumbers.position, input.fromPosition),
            eq(campaignNumbers.status, 'pending'),
          ),
        )
        .orderBy(asc(campaignNumbers.position))
        .limit(input.limit);
      return { numbers };
    },

    /**
     * Enters the terminal status with final stats in one transaction (SPEC §4.1 drain): sets
     * `date_ended`, emits the terminal `status_callback` with a signed `report_url`.
     */
    async finishCampaign(input: FinishCampaignInput): Promise<WebhookEventsOutput> {
      const now = new Date(input.nowMs);
      return db.transaction(async (tx) => {
        const row = await campaignWithAccount(tx, input.campaignId);
        if (!row) return { deliveryIds: [] };
        const { c, tz } = row;
        const id = eventId(c.id, 'status', input.status);
        if (c.status === input.status) return { deliveryIds: c.statusCallback ? [id] : [] };
        await tx
          .update(campaigns)
          .set({ status: input.status, dateEnded: now, dateUpdated: now })
          .where(eq(campaigns.id, c.id));
        const stats = await campaignStats(tx, c.id);
        const token = signReportToken(deps.signingSecret, c.id, input.nowMs);
        const emitted = await emitWebhook(tx, {
          id,
          accountSid: c.accountSid,
          campaignId: c.id,
          kind: 'status',
          url: c.statusCallback,
          payload: campaignStatusPayload(
            {
              campaignSid: c.id,
              status: input.status,
              previousStatus: c.status,
              stats,
              dateCreated: c.dateCreated,
              dateUpdated: now,
              reportUrl: reportUrl(deps.publicUrl, c.id, token),
            },
            tz,
          ),
        });
        return { deliveryIds: emitted ? [emitted] : [] };
      });
    },
  };
}
