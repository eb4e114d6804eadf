/**
 * `ops campaigns list|show|pause|resume|complete` (SPEC §8): the read model's campaigns, and the
 * operator signals sent to workflow `campaign/<id>` with the same definitions the REST facade uses.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import type { CampaignAction, OpsCommand } from '../ops-args';
import { findCampaignForOps, listCampaignsForOps } from '../../db/queries/ops';
import { campaignStats } from '../../db/queries/stats';
import { campaignWorkflowId } from '../../domain/ids';
import { campaignStatusQuery, completeSignal, pauseSignal, resumeSignal } from '../../workflows/definitions';
import { withDb, withTemporal } from './connect';
import { iso, OpsError, table, type Output } from './output';

export async function campaignsList(
  config: Config,
  o: Output,
  c: Extract<OpsCommand, { kind: 'campaigns.list' }>,
): Promise<void> {
  const rows = await withDb(config, (db) => listCampaignsForOps(db, c));
  o.result(rows, () =>
    table(
      rows.map((r) => ({
        ID: r.id,
        ACCOUNT: r.accountSid,
        STATUS: r.status,
        CREATED: iso(r.dateCreated),
        ENDED: iso(r.dateEnded),
        NAME: r.name,
      })),
    ),
  );
}

const QUERY_TIMEOUT_MS = 10_000;

/**
 * The campaign workflow's execution state and, while it runs, its own `status` query (which may lag
 * the read model). Never throws for an unanswered query: the error is part of what is shown.
 */
async function workflowStatus(client: Client, campaignId: string): Promise<Record<string, unknown>> {
  const handle = client.workflow.getHandle(campaignWorkflowId(campaignId));
  let base: Record<string, unknown>;
  try {
    const d = await handle.describe();
    base = { workflowId: d.workflowId, runId: d.runId, execution: d.status.name, startTime: d.startTime.toISOString() };
    if (d.status.name !== 'RUNNING') return base;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { workflowId: handle.workflowId, execution: 'NOT_FOUND' };
    throw err;
  }
  try {
    const status = await client.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(campaignStatusQuery));
    return { ...base, status };
  } catch (err) {
    return { ...base, queryError: `${(err as Error).message} (is a worker running on this task queue?)` };
  }
}

export async function campaignsShow(config: Config, o: Output, campaignId: string): Promise<void> {
  const found = await withDb(config, async (db) => {
    const row = await findCampaignForOps(db, campaignId);
    return row ? { row, stats: await campaignStats(db, campaignId) } : undefined;
  });
  if (!found) throw new OpsError(`campaign ${campaignId} not found in the database`);
  let workflow: Record<string, unknown>;
  try {
    workflow = await withTemporal(config, (client) => workflowStatus(client, campaignId));
  } catch (err) {
    workflow = { error: `Temporal: ${(err as Error).message}` };
  }
  const { row, stats } = found;
  o.result({ campaign: row, stats, workflow }, () =>
    [
      `Campaign ${row.id}  "${row.name}"  (account ${row.accountSid})`,
      `  status        ${row.status}`,
      `  created       ${iso(row.dateCreated)}   started ${iso(row.dateStarted)}   ended ${iso(row.dateEnded)}`,
      `  send_at       ${iso(row.sendAt)}   end_at ${iso(row.endAt)}   throttle ${row.throttle ?? '-'}`,
      `  stats         ${Object.entries(stats)
        .filter(([k]) => k !== 'in_progress')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      `  workflow      ${JSON.stringify(workflow)}`,
    ].join('\n'),
  );
}

const SIGNALS = { pause: pauseSignal, resume: resumeSignal, complete: completeSignal } as const;

export async function campaignsSignal(
  config: Config,
  o: Output,
  action: CampaignAction,
  campaignId: string,
): Promise<void> {
  const workflowId = campaignWorkflowId(campaignId);
  const after = await withTemporal(config, async (client) => {
    try {
      // By workflow id only (no run id), so the signal reaches whichever run is current.
      await client.workflow.getHandle(workflowId).signal(SIGNALS[action]);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new OpsError(`no running workflow ${workflowId}`);
      throw err;
    }
    return workflowStatus(client, campaignId);
  });
  o.result({ workflowId, signal: action, workflow: after }, () =>
    [
      `Sent ${action} to ${workflowId}.`,
      `  workflow now  ${JSON.stringify(after)}`,
      '  (the read model follows once the workflow has handled it)',
    ].join('\n'),
  );
}
