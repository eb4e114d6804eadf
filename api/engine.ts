/**
 * The API's port to Temporal (api/deps.ts `CampaignEngine`): starts campaign workflows and relays
 * carrier callbacks to number workflows as signals. Only message definitions are imported from
 * workflows/, never workflow code.
 */
import { eq } from 'drizzle-orm';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../db/client';
import { attempts } from '../db/schema';
import { campaignWorkflowId, numberWorkflowId, TASK_QUEUE } from '../domain/ids';
import { SA } from '../domain/search-attributes';
import { callStatusSignal } from '../workflows/definitions';
import type { CampaignWorkflowInput } from '../workflows/campaign';
import { EngineUnavailableError, type CampaignEngine } from './deps';

export function createTemporalEngine(deps: { client: Client; db: Db; taskQueue?: string }): CampaignEngine {
  const { client, db } = deps;
  return {
    async startCampaign({ campaignId, accountSid, campaignName }) {
      const input: CampaignWorkflowInput = { campaignId, accountSid };
      try {
        await client.workflow.start('campaignWorkflow', {
          taskQueue: deps.taskQueue ?? TASK_QUEUE,
          workflowId: campaignWorkflowId(campaignId),
          args: [input],
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
      const a = await db.query.attempts.findFirst({ where: eq(attempts.token, token) });
      if (!a) return 'unknown_token';
      if (a.status !== null) return 'already_settled';
      try {
        await client.workflow.getHandle(numberWorkflowId(a.campaignId, a.position)).signal(callStatusSignal, {
          token,
          carrierSid: outcome.carrierSid,
          status: outcome.status,
          startTime: outcome.startTime ? outcome.startTime.getTime() : null,
          endTime: outcome.endTime ? outcome.endTime.getTime() : null,
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
