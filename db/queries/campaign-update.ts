/**
 * SPEC §4.7 updates: a `CampaignPatch` written to the campaign (its columns from campaign-row.ts)
 * and the stored campaign as the update rules read it. `applyCampaignPatch` runs inside the transaction
 * the campaign workflow's control activity opens, so the patch and the action land together or not at all.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { campaignNumbers, campaigns, csvUploads, lists } from '../schema';
import type { Db } from '../client';
import type { CampaignRow, Tx } from './campaigns';
import type { ListFacts } from '../../domain/campaign-input';
import type { CampaignPatch } from '../../domain/campaign-patch';
import { isCampaignStatus } from '../../domain/campaign-status';
import type { CampaignControlState } from '../../domain/campaign-transitions';
import type { StoredCampaign } from '../../domain/campaign-update';
import { columnsOfPatch, draftOfRow } from './campaign-row';
import { previewListNumbers } from './snapshots';
import { suppressDncNumbers } from './dnc';

/** Rows per INSERT, as at create: 5 parameters a row stays far below PostgreSQL's 65,535 cap. */
const NUMBER_BATCH = 1000;

/**
 * Writes `patch` to the campaign's row and sets `date_updated = now`, in the caller's transaction.
 * `from` replaces the campaign's numbers (positions 0.., `pending`, in the order given — the caller
 * has already de-duplicated them); `lists` (or `call_duplicate_numbers` on a list campaign) counts the
 * lists again and replaces them with a preview of a small list (`previewListNumbers`), which the
 * snapshot at start replaces in turn. Values are taken as validated and normalised (SPEC §4.7,
 * `domain/campaign-update.ts`).
 * Returns the updated row, or undefined when the campaign does not exist.
 */
export async function applyCampaignPatch(
  tx: Tx,
  campaignId: string,
  patch: CampaignPatch,
  now: Date,
): Promise<CampaignRow | undefined> {
  const set = { ...columnsOfPatch(patch), dateUpdated: now };
  const [row] = await tx.update(campaigns).set(set).where(eq(campaigns.id, campaignId)).returning();
  if (!row) return undefined;
  if (patch.from !== undefined || patch.lists !== undefined) {
    await tx.delete(campaignNumbers).where(eq(campaignNumbers.campaignId, campaignId));
  }
  const numbers = patch.from ?? [];
  for (let start = 0; start < numbers.length; start += NUMBER_BATCH) {
    const batch = numbers.slice(start, start + NUMBER_BATCH);
    await tx
      .insert(campaignNumbers)
      .values(
        batch.map((number, i) => ({ campaignId, position: start + i, number, status: 'pending', dateUpdated: now })),
      );
  }
  if (numbers.length > 0) await suppressDncNumbers(tx, campaignId, row.accountSid);
  // A list campaign counts (and previews) its lists' numbers as a create does, so `stats` are recomputed
  // (SPEC §4.7).
  if (row.lists !== null && (patch.lists !== undefined || patch.callDuplicateNumbers !== undefined))
    await previewListNumbers(tx, campaignId);
  return row;
}

/** The state the SPEC §4.1 state machine reads, from the read model. */
export function controlStateOf(row: CampaignRow): CampaignControlState {
  if (!isCampaignStatus(row.status))
    throw new Error(`campaign ${row.id} has unknown status ${JSON.stringify(row.status)}`);
  return {
    status: row.status,
    started: row.dateStarted !== null,
    sendAtMs: row.sendAt === null ? null : row.sendAt.getTime(),
    closing: row.closing !== null,
  };
}

/** The stored campaign as `parseCampaignUpdate` compares against it. */
export function storedCampaignOf(row: CampaignRow): StoredCampaign {
  return { fields: draftOfRow(row), state: controlStateOf(row) };
}

/** The facts `checkCampaignLists` judges, for the account's lists among `sids` (unknown ones are absent). */
export async function listFactsFor(db: Db | Tx, accountSid: string, sids: string[]): Promise<ListFacts[]> {
  if (sids.length === 0) return [];
  const [rows, busy] = await Promise.all([
    db
      .select({ sid: lists.sid, type: lists.type, columns: lists.columns })
      .from(lists)
      .where(and(eq(lists.accountSid, accountSid), inArray(lists.sid, sids))),
    db
      .selectDistinct({ listSid: csvUploads.listSid })
      .from(csvUploads)
      .where(and(inArray(csvUploads.listSid, sids), eq(csvUploads.status, 'processing'))),
  ]);
  const processing = new Set(busy.map((b) => b.listSid));
  return rows.map((r) => ({
    sid: r.sid,
    type: r.type === 'static' || r.type === 'dynamic' ? r.type : null,
    columns: r.columns,
    processing: processing.has(r.sid),
  }));
}
