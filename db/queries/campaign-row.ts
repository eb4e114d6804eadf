/**
 * The one place the campaign field table (domain/schemas/campaign-fields.ts) meets the `campaigns`
 * columns: draft → row (create), patch → row (PUT), row → draft (what PUT compares against) and
 * row → wire (GET). A field of the table is mapped here by its key; only the fields with rules of
 * their own (the number source, schedule, flow_type, SQL NULL for custom_field) are named.
 */
import { sql } from 'drizzle-orm';
import type { campaigns } from '../schema';
import type { CampaignRow } from './campaigns';
import { CAMPAIGN_FIELDS } from '../../domain/campaign-transitions';
import {
  CAMPAIGN_FIELD_TABLE,
  type CampaignDraft,
  type CampaignPatch,
  type MirroredKey,
} from '../../domain/schemas/campaign-fields';
import type { CampaignResource } from '../../domain/schemas/campaign-resource';
import { formatOptional } from '../../domain/time';

type CampaignInsert = typeof campaigns.$inferInsert;
type CampaignSet = Partial<CampaignInsert>;
/** The columns a draft fills; the row's identity, status and dates are the caller's. */
type DraftColumns = Omit<CampaignInsert, 'id' | 'accountSid' | 'status' | `date${string}`>;
type CampaignFields = Omit<CampaignResource, 'id' | 'account_sid' | 'status' | `date_${string}` | 'uri' | 'stats'>;

// Every property the table copies is a column of the same name: a new field fails to compile here
// until db/schema.ts has its column.
const columnsExist: [Exclude<MirroredKey, keyof CampaignRow>] extends [never] ? true : never = true;
void columnsExist;

/** Rows and drafts read and written by property name, for the loops over the field table. */
type Props = Record<string, unknown>;

/** "Cleared" or absent is SQL NULL: a JSON null would read back the same but compare differently. */
const sqlNullable = (v: unknown) => (v === null || v === undefined ? sql`null` : v);

/** A stored column value as the draft holds it (the table's `read`, or as it is). */
function readColumn(field: (typeof CAMPAIGN_FIELDS)[number], row: CampaignRow): unknown {
  const spec = CAMPAIGN_FIELD_TABLE[field];
  const value = (row as unknown as Props)[spec.key];
  return spec.read ? spec.read(value) : value;
}

/** The draft's fields as column values of a new `campaigns` row. */
export function columnsOfDraft(draft: CampaignDraft): DraftColumns {
  const d = draft as unknown as Props;
  const set: Props = {};
  for (const field of CAMPAIGN_FIELDS) {
    if (field === 'from' || field === 'schedule') continue;
    const key = CAMPAIGN_FIELD_TABLE[field].key;
    set[key] = d[key];
  }
  // The loop wrote every column of the table's fields; the cast restates that.
  return {
    ...(set as DraftColumns),
    // `from` is echoed only for inline numbers; a list campaign's numbers come from its snapshot.
    from: draft.lists === null ? draft.numbers : null,
    sendAt: draft.sendAt,
    endAt: draft.endAt,
    // A JSON null would read back as SQL NULL anyway; keep "absent" as SQL NULL.
    customField: draft.customField === null ? sql`null` : draft.customField,
  };
}

/** A patch's values as the columns they change (absent keys are left alone). */
export function columnsOfPatch(patch: CampaignPatch): CampaignSet {
  const set: Props = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (key === 'sendAtMs') set.sendAt = value === null ? null : new Date(value as number);
    else if (key === 'endAtMs') set.endAt = value === null ? null : new Date(value as number);
    else if (key === 'customField') set.customField = sqlNullable(value);
    // Each replaces the number source.
    else if (key === 'from')
      Object.assign(set, { from: value, lists: null, listNumbers: null, snapshotCopied: null, snapshotAt: null });
    else if (key === 'lists') Object.assign(set, { lists: value, from: null });
    else set[key] = value;
  }
  return set as CampaignSet;
}

/** The stored campaign's fields, as the update rules compare against them. */
export function draftOfRow(row: CampaignRow): CampaignDraft {
  const draft: Props = {
    numbers: row.from ?? [],
    flowType: row.flowType === 'ivr' ? 'ivr' : 'greeting',
    sendAt: row.sendAt,
    endAt: row.endAt,
  };
  for (const field of CAMPAIGN_FIELDS) {
    if (field === 'from' || field === 'flow_type' || field === 'schedule') continue;
    draft[CAMPAIGN_FIELD_TABLE[field].key] = readColumn(field, row);
  }
  // The loop wrote every other property of the table; the cast restates that.
  return draft as CampaignDraft;
}

/** The fields of the campaign object (SPEC §4.9), in the table's order; list items omit `from`. */
export function wireFieldsOfRow(row: CampaignRow, zone: string, withFrom: boolean): CampaignFields {
  const wire: Props = {};
  for (const field of CAMPAIGN_FIELDS) {
    if (field === 'from') {
      if (withFrom && row.from) wire.from = row.from;
    } else if (field === 'flow_type') {
      wire.flow_type = row.flowType === 'ivr' || row.flowType === 'greeting' ? row.flowType : null;
    } else if (field === 'schedule') {
      wire.schedule = { send_at: formatOptional(row.sendAt, zone), end_at: formatOptional(row.endAt, zone) };
    } else wire[field] = readColumn(field, row);
  }
  // The loop wrote every field of the table; the cast restates that.
  return wire as CampaignFields;
}
