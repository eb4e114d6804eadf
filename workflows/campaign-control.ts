/**
 * Pieces of the campaign workflow (workflows/campaign.ts) that need none of its state: the control
 * conflict as a failure the API reads (SPEC §4.1, §4.7) and the calling window as two instants.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { checkFieldUpdate, decideAction, type CampaignControlState } from '../domain/campaign-transitions';
import type { CampaignWindowOutput } from '../activities/campaign-store';
import { CONTROL_CONFLICT, type ControlConflict, type ControlInput } from './definitions';

/** A control request the campaign's state refuses: the field it may not change, or the action. */
export function conflictOf(state: CampaignControlState, input: ControlInput): ControlConflict | null {
  const field = checkFieldUpdate(state, input.changedFields);
  if (field) return { status: state.status, description: field.description, allowed: [], field: field.field };
  if (input.action) {
    const d = decideAction(state, input.action, Date.now());
    if (d.kind === 'conflict') return { status: state.status, description: d.description, allowed: d.allowed };
  }
  return null;
}

/** Throws the conflict as the non-retryable failure api/engine.ts turns into a 409 (or does nothing). */
export function refuseConflict(conflict: ControlConflict | null): void {
  if (!conflict) return;
  throw ApplicationFailure.create({
    type: CONTROL_CONFLICT,
    message: conflict.description,
    details: [conflict],
    nonRetryable: true,
  });
}

/**
 * The calling window as "open until" and "closed until" (0: not so; Infinity: indefinitely). A
 * window that opens later opens up to `maxJitterMs` late, so campaigns do not all start at once.
 */
export function windowInstants(
  win: CampaignWindowOutput,
  maxJitterMs: number,
): { openUntil: number; closedUntil: number } {
  if (win.open) return { openUntil: win.closesAtMs ?? Infinity, closedUntil: 0 };
  // No calling day at all: nothing opens until something changes.
  if (win.nextOpenMs === null) return { openUntil: 0, closedUntil: Infinity };
  return { openUntil: 0, closedUntil: win.nextOpenMs + Math.floor(Math.random() * (maxJitterMs + 1)) };
}
