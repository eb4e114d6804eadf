/**
 * Campaign-level read-model writes for the campaign workflow (SPEC §4.1): load its state, enter a
 * status (start, pause, resume, delete, field patches), check the calling window, page its numbers,
 * drain and finish it. Each write is one transaction, idempotent under activity retry, and emits the
 * `status_callback` event of the change it makes.
 */
import { createHmac } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { and, count, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { accounts, attempts, campaignNumbers, campaigns, webhookDeliveries } from '../db/schema';
import { applyCampaignPatch } from '../db/queries/campaign-update';
import { countLiveCalls } from '../db/queries/attempts';
import { campaignWindow, type CampaignWindowInput, type CampaignWindowOutput } from './campaign-window';
import { notifyCampaignChanged } from './channel-wakeups';
import {
  dropUnusedSnapshot,
  listSnapshotDue,
  markSnapshotTaken,
  snapshotListNumbers,
  takeListSnapshot,
} from '../db/queries/snapshots';
import type { DbOrTx } from '../db/client';
import { campaignStats } from '../db/queries/stats';
import { emitWebhook, eventId } from '../db/queries/webhooks';
import type { CampaignPatch } from '../domain/campaign-patch';
import type { RetryPolicy } from '../domain/retry-schedule';
import { campaignStatusPayload } from '../domain/webhook-payloads';
import { reportUrl, signReportToken } from '../domain/report-token';

export type { CampaignWindowInput, CampaignWindowOutput };

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
      started: boolean;
      sendAtMs: number | null;
      endAtMs: number | null;
      pausedAtMs: number | null;
      closing: string | null;
      retries: RetryPolicy;
    };

export interface WebhookEventsOutput {
  /** Webhook delivery ids emitted by the change, in delivery order (empty when no URL is set). */
  deliveryIds: string[];
}

export interface MarkCampaignStartedInput {
  campaignId: string;
  nowMs: number;
}
export interface MarkCampaignStartedOutput extends WebhookEventsOutput {
  /** False when the campaign was no longer `Created` (deleted or paused meanwhile). */
  started: boolean;
}

export interface ApplyControlInput {
  campaignId: string;
  /** The status the campaign enters, or null when only fields change. */
  toStatus: string | null;
  patch: CampaignPatch;
  nowMs: number;
}

/** Why a campaign ends (SPEC §4.1): decides what its unfinished numbers become. */
export type EndCause = 'done' | 'end_at' | 'complete' | 'expiry' | 'account';

export interface BeginDrainInput {
  campaignId: string;
  /** The terminal status the drain ends in. */
  closing: 'Completed' | 'Canceled' | 'Failed';
  reason: string | null;
  nowMs: number;
}

export interface FinishCampaignInput {
  campaignId: string;
  nowMs: number;
  status: 'Completed' | 'Failed' | 'Canceled';
  cause: EndCause;
  reason?: string | null;
}
export interface FinishCampaignOutput extends WebhookEventsOutput {
  /** The terminal status entered (Completed becomes Failed when the carrier accepted no dial). */
  status: string;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Canceled', 'Deleted', 'Archived']);

export function createCampaignStoreActivities(deps: CampaignStoreDeps) {
  const { db } = deps;

  async function campaignWithAccount(tx: DbOrTx, campaignId: string) {
    const rows = await tx
      .select({ c: campaigns, acct: accounts })
      .from(campaigns)
      .innerJoin(accounts, eq(accounts.sid, campaigns.accountSid))
      .where(eq(campaigns.id, campaignId))
      .for('update', { of: campaigns });
    return rows[0];
  }

  /** Emits the `status_callback` event of a status change inside the transaction making it. */
  async function statusEvent(
    tx: DbOrTx,
    c: typeof campaigns.$inferSelect,
    timeZone: string,
    e: { status: string; previousStatus: string; now: Date; nowMs: number; terminal?: boolean },
  ): Promise<string[]> {
    const stats = await campaignStats(tx, c.id);
    const token = e.terminal ? signReportToken(createHmac, deps.signingSecret, c.id, e.nowMs) : null;
    const id = await emitWebhook(tx, {
      // A status can be entered more than once (pause, resume, pause): the event id carries the moment.
      id: eventId(c.id, 'status', e.previousStatus, e.status, String(e.nowMs)),
      accountSid: c.accountSid,
      campaignId: c.id,
      kind: 'status',
      url: c.statusCallback,
      payload: campaignStatusPayload(
        {
          campaignSid: c.id,
          status: e.status,
          previousStatus: e.previousStatus,
          stats,
          dateCreated: c.dateCreated,
          dateUpdated: e.now,
          reportUrl: token ? reportUrl(deps.publicUrl, c.id, token) : null,
        },
        timeZone,
      ),
    });
    return id ? [id] : [];
  }

  /** Enters InProgress in `tx`: `date_started`, and at first the list snapshot (`copied` before, or here). */
  async function enterInProgress(tx: DbOrTx, c: typeof campaigns.$inferSelect, now: Date, copied: boolean) {
    const first = c.dateStarted === null;
    const list = first && c.lists !== null && c.lists.length > 0;
    if (list && !copied) await snapshotListNumbers(tx, c.id);
    if (list) await markSnapshotTaken(tx, c.id, now);
    await tx
      .update(campaigns)
      .set({ status: 'InProgress', dateUpdated: now, pausedAt: null, ...(first && { dateStarted: now }) })
      .where(eq(campaigns.id, c.id));
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
        started: c.dateStarted !== null,
        sendAtMs: c.sendAt ? c.sendAt.getTime() : null,
        endAtMs: c.endAt ? c.endAt.getTime() : null,
        pausedAtMs: c.pausedAt ? c.pausedAt.getTime() : null,
        closing: c.closing,
        retries: {
          numberOfRetries: c.retries.number_of_retries,
          intervalMins: c.retries.interval_mins,
          mechanism: c.retries.mechanism,
          onStatus: c.retries.on_status,
        },
      };
    },

    /** Created → InProgress (SPEC §4.1) at `send_at`: `date_started`, list snapshot, `status_callback`. */
    async markCampaignStarted(input: MarkCampaignStartedInput): Promise<MarkCampaignStartedOutput> {
      const now = new Date(input.nowMs);
      const copied =
        (await listSnapshotDue(db, input.campaignId)) && (await takeListSnapshot(db, input.campaignId), true);
      return db.transaction(async (tx) => {
        const row = await campaignWithAccount(tx, input.campaignId);
        if (!row) return { started: false, deliveryIds: [] };
        const { c, acct } = row;
        if (c.status === 'InProgress') {
          // A retried activity (e.g. a long snapshot outlived its first try): report the event the
          // first try emitted, so the status_callback still goes out.
          const id = eventId(c.id, 'status', 'Created', 'InProgress', String(input.nowMs));
          const [emitted] = await tx
            .select({ id: webhookDeliveries.id })
            .from(webhookDeliveries)
            .where(eq(webhookDeliveries.id, id));
          return { started: true, deliveryIds: emitted ? [emitted.id] : [] };
        }
        if (c.status !== 'Created') {
          await dropUnusedSnapshot(tx, c);
          return { started: false, deliveryIds: [] };
        }
        await enterInProgress(tx, c, now, copied);
        const deliveryIds = await statusEvent(tx, c, acct.timezone, {
          status: 'InProgress',
          previousStatus: 'Created',
          now,
          nowMs: input.nowMs,
        });
        return { started: true, deliveryIds };
      });
    },

    /**
     * Applies a control decision of the workflow (SPEC §4.7): the field patch and the status change
     * in one transaction, with its `status_callback`. Entering InProgress for the first time (a
     * resume after `send_at` passed) starts the campaign as `send_at` would.
     */
    async applyControl(input: ApplyControlInput): Promise<WebhookEventsOutput> {
      const now = new Date(input.nowMs);
      // A first start copies the snapshot beforehand, unless the same request changes the lists: then
      // it is taken inside the transaction, after the patch, so the request stays all or nothing.
      const listsPatched = 'lists' in input.patch || 'callDuplicateNumbers' in input.patch || 'from' in input.patch;
      const copied =
        input.toStatus === 'InProgress' &&
        !listsPatched &&
        (await listSnapshotDue(db, input.campaignId)) &&
        (await takeListSnapshot(db, input.campaignId), true);
      return db.transaction(async (tx) => {
        const row = await campaignWithAccount(tx, input.campaignId);
        if (!row) return { deliveryIds: [] };
        const { c, acct } = row;
        if (TERMINAL.has(c.status)) {
          await dropUnusedSnapshot(tx, c);
          return { deliveryIds: [] };
        }
        if (Object.keys(input.patch).length > 0) await applyCampaignPatch(tx, c.id, input.patch, now);
        if (input.toStatus === null || input.toStatus === c.status) {
          if (copied) await dropUnusedSnapshot(tx, c);
          if (Object.keys(input.patch).length > 0)
            await tx.update(campaigns).set({ dateUpdated: now }).where(eq(campaigns.id, c.id));
          return { deliveryIds: [] };
        }
        await notifyCampaignChanged(tx, c.id); // numbers waiting at the gate look again at once (issue 10)
        if (input.toStatus === 'InProgress') await enterInProgress(tx, c, now, copied);
        else {
          await tx
            .update(campaigns)
            .set({
              status: input.toStatus,
              dateUpdated: now,
              pausedAt: input.toStatus === 'Paused' ? now : null,
              ...(input.toStatus === 'Deleted' && { dateEnded: now }),
            })
            .where(eq(campaigns.id, c.id));
          // Deleted is terminal (SPEC §4.9: no pending number at a terminal status); its numbers were never dialled.
          if (input.toStatus === 'Deleted') {
            await tx
              .update(campaignNumbers)
              .set({ status: 'canceled', reason: 'campaign_deleted', dateUpdated: now })
              .where(and(eq(campaignNumbers.campaignId, c.id), eq(campaignNumbers.status, 'pending')));
          }
        }
        const deliveryIds = await statusEvent(tx, c, acct.timezone, {
          status: input.toStatus,
          previousStatus: c.status,
          now,
          nowMs: input.nowMs,
          terminal: TERMINAL.has(input.toStatus),
        });
        return { deliveryIds };
      });
    },

    campaignWindow: campaignWindow(db),

    /**
     * Starts a drain (SPEC §4.1): from this commit on no attempt begins, a call that settles is final
     * whatever its outcome, and numbers waiting at the gate stop at once. The status changes at its end.
     */
    async beginDrain(input: BeginDrainInput): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .update(campaigns)
          .set({ closing: input.closing, endReason: input.reason, dateUpdated: new Date(input.nowMs) })
          .where(and(eq(campaigns.id, input.campaignId), sql`${campaigns.closing} is null`));
        await notifyCampaignChanged(tx, input.campaignId);
      });
    },

    /** Live calls: attempts holding a channel or about to settle (db/queries/attempts.ts says which). */
    countLiveCalls: async (input: { campaignId: string }) => ({ live: await countLiveCalls(db, input.campaignId) }),

    /**
     * Ends the drain (SPEC §4.1) in one transaction: unfinished numbers become final as the cause
     * says (never dialled → `canceled` at `end_at`, else `failed`), `date_ended` is set, and the
     * terminal status is entered with final stats and a signed `report_url`. A campaign that sent
     * dial requests and had none accepted ends `Failed`.
     */
    async finishCampaign(input: FinishCampaignInput): Promise<FinishCampaignOutput> {
      const now = new Date(input.nowMs);
      return db.transaction(async (tx) => {
        const row = await campaignWithAccount(tx, input.campaignId);
        if (!row) return { status: 'Missing', deliveryIds: [] };
        const { c, acct } = row;
        if (TERMINAL.has(c.status)) return { status: c.status, deliveryIds: [] };
        const reason = input.reason ?? (input.cause === 'done' ? null : 'campaign_ended');
        const numbers = and(eq(campaignNumbers.campaignId, c.id));
        await tx
          .update(campaignNumbers)
          .set({
            status: input.cause === 'end_at' && c.status === 'InProgress' ? 'canceled' : 'failed',
            reason,
            nextAttemptAt: null,
            dateUpdated: now,
          })
          .where(and(numbers, eq(campaignNumbers.status, 'pending')));
        await tx
          .update(campaignNumbers)
          .set({ status: 'failed', reason, nextAttemptAt: null, dateUpdated: now })
          .where(and(numbers, inArray(campaignNumbers.status, ['retry', 'in-progress'])));
        let status: string = input.status;
        if (status === 'Completed') {
          const [dials] = await tx
            .select({ sent: count(attempts.dialStartedAt), accepted: count(attempts.carrierSid) })
            .from(attempts)
            .where(and(eq(attempts.campaignId, c.id), isNotNull(attempts.dialStartedAt)));
          if (Number(dials?.sent ?? 0) > 0 && Number(dials?.accepted ?? 0) === 0) status = 'Failed';
        }
        await tx
          .update(campaigns)
          .set({
            status,
            closing: null,
            dateEnded: now,
            dateUpdated: now,
            ...(input.reason && { endReason: input.reason }),
          })
          .where(eq(campaigns.id, c.id));
        const deliveryIds = await statusEvent(tx, c, acct.timezone, {
          status,
          previousStatus: c.status,
          now,
          nowMs: input.nowMs,
          terminal: true,
        });
        return { status, deliveryIds };
      });
    },
  };
}
