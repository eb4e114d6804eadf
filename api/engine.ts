/**
 * The API's port to Temporal (api/deps.ts `CampaignEngine`): starts campaign workflows and relays
 * carrier callbacks to number workflows as signals (after recording the call's final status, which
 * frees its channel at once). Only message definitions are imported from workflows/, never workflow code.
 */
import {
  ApplicationFailure,
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import type { Db } from '../db/client';
import { archiveCompletedCampaign } from '../db/queries/campaign-archive';
import { campaignWorkflowId, numberWorkflowId, TASK_QUEUE } from '../domain/ids';
import { SA } from '../domain/search-attributes';
import {
  callStatusSignal,
  CONTROL_CONFLICT,
  controlUpdate,
  gateWakeSignal,
  type ControlConflict,
} from '../workflows/definitions';
import type { CampaignWorkflowInput } from '../workflows/campaign';
import type { CallOutcome } from '../domain/call-outcome';
import { EngineUnavailableError, type CampaignEngine } from './deps';

/** A callback's outcome, as `recordCallOutcome` (activities/attempts/) reports it. */
export type RecordedCallOutcome =
  | { kind: 'unknown_token' }
  | { kind: 'settled' }
  | {
      kind: 'recorded';
      campaignId: string;
      position: number;
      wake?: { campaignId: string; position: number; askInMs: number };
    };

export interface TemporalEngineDeps {
  client: Client;
  db: Db;
  /**
   * Records a callback's final status and frees its channel in one transaction (SPEC §4.5, §7):
   * activities/attempts/ `recordCallOutcome`, wired in by bin/ (api/ never imports activities/).
   */
  recordCallOutcome: (input: { token: string; outcome: CallOutcome; nowMs: number }) => Promise<RecordedCallOutcome>;
  taskQueue?: string;
  maxLiveNumbers?: number;
  maxRunChildren?: number;
}

/** How long a started campaign workflow task may run before another worker may take it. */
export const CAMPAIGN_TASK_TIMEOUT = '3 seconds';

export function createTemporalEngine(deps: TemporalEngineDeps): CampaignEngine {
  const { client, db } = deps;
  return {
    async startCampaign({ campaignId, accountSid, campaignName }) {
      const input: CampaignWorkflowInput = {
        campaignId,
        accountSid,
        ...(deps.maxLiveNumbers && { maxLive: deps.maxLiveNumbers }),
        ...(deps.maxRunChildren && { maxRunChildren: deps.maxRunChildren }),
      };
      try {
        await client.workflow.start('campaignWorkflow', {
          taskQueue: deps.taskQueue ?? TASK_QUEUE,
          workflowId: campaignWorkflowId(campaignId),
          args: [input],
          // SPEC §4.1 (answered within 5 s): a task a dead or stopping worker had started is handed to
          // another worker after this (10 s by default). A campaign run stays under 1,000 events, so
          // its replay fits well inside; continue-as-new keeps the value.
          workflowTaskTimeout: CAMPAIGN_TASK_TIMEOUT,
          memo: { name: campaignName },
          typedSearchAttributes: [
            { key: SA.accountSid, value: accountSid },
            { key: SA.campaignId, value: campaignId },
            { key: SA.status, value: 'Created' },
          ],
        });
      } catch (err) {
        throw new EngineUnavailableError(err);
      }
    },

    async reportCallStatus({ token, outcome }) {
      // SPEC §4.5/§7: the final status is recorded (and the channel freed) before the workflow hears of it.
      const recorded = await deps.recordCallOutcome({ token, outcome, nowMs: Date.now() });
      if (recorded.kind === 'unknown_token') return 'unknown_token';
      if (recorded.kind === 'settled') return 'already_settled';
      if (recorded.wake) {
        const w = recorded.wake;
        void client.workflow
          .getHandle(numberWorkflowId(w.campaignId, w.position))
          .signal(gateWakeSignal, { askInMs: w.askInMs })
          .catch(() => undefined); // best effort: a waiter also asks again on its own
      }
      try {
        await client.workflow
          .getHandle(numberWorkflowId(recorded.campaignId, recorded.position))
          .signal(callStatusSignal, {
            token,
            carrierSid: outcome.carrierSid,
            status: outcome.status,
            startTimeMs: outcome.startTimeMs,
            endTimeMs: outcome.endTimeMs,
            duration: outcome.duration,
            digits: outcome.digits,
            recordingUrl: outcome.recordingUrl,
          });
        return 'delivered';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'already_settled';
        throw err;
      }
    },

    async controlCampaign({ campaignId, action, changedFields, patch }) {
      const handle = client.workflow.getHandle(campaignWorkflowId(campaignId));
      try {
        const out = await handle.executeUpdate(controlUpdate, { args: [{ action, changedFields, patch }] });
        return { kind: 'applied', status: out.status, closing: out.closing };
      } catch (err) {
        if (
          err instanceof WorkflowUpdateFailedError &&
          err.cause instanceof ApplicationFailure &&
          err.cause.type === CONTROL_CONFLICT
        ) {
          const c = err.cause.details?.[0] as ControlConflict;
          return { kind: 'conflict', ...c };
        }
        if (err instanceof WorkflowNotFoundError) return { kind: 'closed' };
        throw new EngineUnavailableError(err);
      }
    },

    async archiveCampaign({ campaignId }) {
      const deliveryIds = await archiveCompletedCampaign(db, campaignId, new Date());
      if (deliveryIds === null) return false;
      if (deliveryIds.length > 0) {
        await client.workflow
          .start('deliverWebhooksWorkflow', {
            taskQueue: deps.taskQueue ?? TASK_QUEUE,
            workflowId: `${campaignWorkflowId(campaignId)}/webhooks/${deliveryIds[0]}`,
            args: [{ campaignId, deliveryIds }],
          })
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
          });
      }
      return true;
    },

    async replayWebhook({ campaignId, deliveryId, replay }) {
      try {
        await client.workflow.start('deliverWebhooksWorkflow', {
          taskQueue: deps.taskQueue ?? TASK_QUEUE,
          workflowId: `${campaignWorkflowId(campaignId)}/webhooks/replay/${deliveryId}/${replay}`,
          args: [{ campaignId, deliveryIds: [deliveryId] }],
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return;
        throw new EngineUnavailableError(err);
      }
    },

    async ping() {
      try {
        await client.connection.withDeadline(Date.now() + 2000, () => client.workflowService.getSystemInfo({}));
        return true;
      } catch {
        return false;
      }
    },
  };
}
