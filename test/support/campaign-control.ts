/**
 * API tests of PUT/DELETE (SPEC §4.1/§4.7/§4.8): an engine double that answers control requests the
 * way the campaign workflow's control Update does — validator = the domain state machine, handler =
 * `applyCampaignPatch` plus the status change in one transaction — so tests can check the database
 * after the response. `script` overrides the answer for one test (a conflict, a closed workflow).
 */
import { and, asc, eq } from 'drizzle-orm';
import { EngineUnavailableError, type CampaignEngine, type ControlResult } from '../../api/deps';
import type { Db } from '../../db/client';
import { applyCampaignPatch, controlStateOf } from '../../db/queries/campaign-update';
import { campaignNumbers, campaigns } from '../../db/schema';
import { isTerminal, type CampaignStatus } from '../../domain/campaign-status';
import { allowedActions, checkFieldUpdate, decideAction } from '../../domain/campaign-transitions';
import { fakeEngine, type FakeEngine } from './api';

type ControlInput = Parameters<CampaignEngine['controlCampaign']>[0];

export interface WorkflowLikeEngine extends FakeEngine {
  archives: string[];
}

export function workflowLikeEngine(
  db: Db,
  opts: {
    unavailable?: boolean;
    script?: (input: ControlInput) => Promise<ControlResult | null> | ControlResult | null;
  } = {},
): WorkflowLikeEngine {
  const base = fakeEngine({ unavailable: opts.unavailable });
  const archives: string[] = [];
  return {
    ...base,
    archives,
    async controlCampaign(input) {
      if (opts.unavailable) throw new EngineUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:7233'));
      base.controls.push(input);
      const scripted = await opts.script?.(input);
      if (scripted) return scripted;
      const now = new Date();
      return db.transaction(async (tx): Promise<ControlResult> => {
        const [row] = await tx.select().from(campaigns).where(eq(campaigns.id, input.campaignId)).for('update');
        if (!row) return { kind: 'closed' };
        const state = controlStateOf(row);
        if (isTerminal(state.status)) return { kind: 'closed' };
        const field = checkFieldUpdate(state, input.changedFields);
        if (field)
          return {
            kind: 'conflict',
            status: state.status,
            description: field.description,
            allowed: allowedActions(state),
            field: field.field,
          };
        let status: CampaignStatus = state.status;
        let closing = row.closing;
        if (input.action) {
          const d = decideAction(state, input.action, now.getTime());
          if (d.kind === 'conflict')
            return { kind: 'conflict', status: state.status, description: d.description, allowed: d.allowed };
          if (d.kind === 'apply' && d.drain) closing = d.next;
          else if (d.kind === 'apply') status = d.next;
        }
        await applyCampaignPatch(tx, input.campaignId, input.patch, now);
        await tx
          .update(campaigns)
          .set({ status, closing, ...(status === 'Paused' && state.status !== 'Paused' && { pausedAt: now }) })
          .where(eq(campaigns.id, input.campaignId));
        return { kind: 'applied', status, closing: closing !== null };
      });
    },
    async archiveCampaign({ campaignId }) {
      archives.push(campaignId);
      const rows = await db
        .update(campaigns)
        .set({ status: 'Archived', dateUpdated: new Date() })
        .where(and(eq(campaigns.id, campaignId), eq(campaigns.status, 'Completed')))
        .returning({ id: campaigns.id });
      return rows.length > 0;
    },
  };
}

/** Puts a campaign in a state directly in the read model (what the workflow would have written). */
export async function setCampaignState(
  db: Db,
  id: string,
  state: {
    status: CampaignStatus;
    started?: boolean;
    closing?: CampaignStatus | null;
    sendAt?: Date | null;
    endAt?: Date | null;
  },
): Promise<void> {
  await db
    .update(campaigns)
    .set({
      status: state.status,
      ...(state.started !== undefined && { dateStarted: state.started ? new Date(Date.now() - 60_000) : null }),
      ...(state.closing !== undefined && { closing: state.closing }),
      ...(state.sendAt !== undefined && { sendAt: state.sendAt }),
      ...(state.endAt !== undefined && { endAt: state.endAt }),
    })
    .where(eq(campaigns.id, id));
}

/** The campaign's row and its numbers, for "nothing changed" comparisons. */
export async function campaignSnapshot(db: Db, id: string) {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  const numbers = await db
    .select()
    .from(campaignNumbers)
    .where(eq(campaignNumbers.campaignId, id))
    .orderBy(asc(campaignNumbers.position));
  return { row, numbers };
}
