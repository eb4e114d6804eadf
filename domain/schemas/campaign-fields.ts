/**
 * SPEC §3, §4.7, §4.9: the campaign resource's fields, declared once (STYLE G21). The table drives
 * the create schema, PUT's diff and setters, the patch, the row ↔ wire mappers (db/queries/
 * campaign-row.ts) and the GET schema; docs/campaign-fields.md shows what adding a field touches.
 */
import { z } from 'zod';
import { CAMPAIGN_FIELDS, type CampaignField } from '../campaign-transitions';
import * as v from './campaign-values';

/**
 * When a PUT may change a field (SPEC §4.7): before the campaign starts; also while it is Paused
 * after start; or at any time until it ends. `domain/campaign-transitions.ts` states the same
 * rule for the workflow sandbox (no zod there); test/unit/campaign-fields.test.ts keeps them equal.
 */
export type FieldUpdate = 'before-start' | 'while-paused' | 'after-start';

export interface FieldSpec {
  /** Its property in `CampaignDraft`, `CampaignPatch` and the `campaigns` row. */
  key: string;
  /** Its SQL column in `campaigns` (db/schema.ts). */
  column: string;
  /** The create body's schema (SPEC §3); a PUT before start passes the same. */
  input: z.ZodType;
  /** The value as GET shows it (SPEC §4.9); also the draft's value type, except where noted. */
  wire: z.ZodType;
  update: FieldUpdate;
  /** PUT `null` clears it (SPEC §4.7); on any other field `null` means "not given". */
  clears?: true;
  /** Compared with the stored value as JSON (key order ignored) rather than with `===`. */
  json?: true;
  /** Narrows the stored column value (plain text, a JSON that may be SQL NULL) to the draft's type. */
  read?: (stored: unknown) => unknown;
}

function field<const K extends string, I extends z.ZodType, W extends z.ZodType, const U extends FieldUpdate>(
  key: K,
  column: string,
  input: I,
  wire: W,
  update: U,
  extra: Pick<FieldSpec, 'clears' | 'json' | 'read'> = {},
) {
  return { key, column, input, wire, update, ...extra };
}

const text = z.string();
const optionalText = z.string().nullable();
const campaignTypes = z.enum(['static', 'dynamic']);
const flowTypes = z.enum(['ivr', 'greeting']);
const modes = z.enum(['auto', 'custom']);
const CLEARS = { clears: true } as const;
const JSON_VALUE = { json: true } as const;

/**
 * Rows are in the order the create body is validated: a body with several bad fields is answered
 * naming the first. Responses and `changedFields` follow SPEC §3's table order (`CAMPAIGN_FIELDS`).
 * `from`, `lists`, `flow_type`, `retries`, `schedule` and `name` also have rules of their own
 * (domain/campaign-input.ts, domain/campaign-update.ts).
 */
export const CAMPAIGN_FIELD_TABLE = {
  // The draft's `numbers` (E.164, de-duplicated) are the echoed `from`; a list campaign has none.
  from: field('numbers', 'from', v.fromInput, z.array(text).optional(), 'before-start', JSON_VALUE),
  lists: field('lists', 'lists', v.listsInput, z.array(text).nullable(), 'before-start', JSON_VALUE),
  caller_id: field('callerId', 'caller_id', v.callerIdInput, text, 'before-start'),
  campaign_type: field('campaignType', 'campaign_type', v.campaignTypeInput, campaignTypes, 'before-start', {
    read: (s) => (s === 'dynamic' ? 'dynamic' : 'static'),
  }),
  // Derived from url / read_via_text at create; the draft's value is never null.
  flow_type: field('flowType', 'flow_type', v.flowTypeInput, flowTypes.nullable(), 'before-start'),
  url: field('url', 'url', v.urlInput, optionalText, 'before-start'),
  read_via_text: field('readViaText', 'read_via_text', v.readViaTextInput, optionalText, 'before-start'),
  name: field('name', 'name', v.nameInput, text, 'before-start'),
  type: field('type', 'type', v.typeInput, z.literal('trans'), 'before-start', { read: () => 'trans' }),
  call_duplicate_numbers: field(
    'callDuplicateNumbers',
    'call_duplicate_numbers',
    v.duplicatesInput,
    z.boolean(),
    'before-start',
  ),
  retries: field('retries', 'retries', v.retriesInput, v.retriesWire, 'before-start', JSON_VALUE),
  // The draft holds `sendAt` / `endAt` (columns send_at, end_at), the patch `sendAtMs` / `endAtMs`.
  schedule: field('schedule', 'send_at, end_at', v.scheduleInput, v.scheduleWire, 'while-paused'),
  call_status_callback: field(
    'callStatusCallback',
    'call_status_callback',
    v.callbackInput,
    optionalText,
    'after-start',
    CLEARS,
  ),
  call_schedule_callback: field(
    'callScheduleCallback',
    'call_schedule_callback',
    v.callbackInput,
    optionalText,
    'after-start',
    CLEARS,
  ),
  status_callback: field('statusCallback', 'status_callback', v.callbackInput, optionalText, 'after-start', CLEARS),
  mode: field('mode', 'mode', v.modeInput, modes, 'before-start', {
    read: (s) => (s === 'custom' ? 'custom' : 'auto'),
  }),
  throttle: field('throttle', 'throttle', v.throttleInput, z.int().nullable(), 'before-start'),
  custom_field: field('customField', 'custom_field', v.customFieldInput, z.unknown(), 'before-start', {
    ...CLEARS,
    ...JSON_VALUE,
    read: (s) => s ?? null,
  }),
  repeat_menu_attempts: field('repeatMenuAttempts', 'repeat_menu_attempts', v.repeatMenuInput, z.int(), 'before-start'),
} as const satisfies Record<CampaignField, FieldSpec>;

export type CampaignFieldTable = typeof CAMPAIGN_FIELD_TABLE;
type Key<F extends CampaignField> = CampaignFieldTable[F]['key'];
type Wire<F extends CampaignField> = z.output<CampaignFieldTable[F]['wire']>;

/** The fields whose draft value is what GET shows, under their table key. */
type Mirrored = Exclude<CampaignField, 'from' | 'flow_type' | 'schedule'>;

/** A valid campaign, ready to store: what a create (and a pre-start update) produces. */
export type CampaignDraft = { [F in Mirrored as Key<F>]: Wire<F> } & {
  /** E.164 numbers in `from` order; distinct unless `callDuplicateNumbers`; empty for a list campaign. */
  numbers: string[];
  flowType: 'ivr' | 'greeting';
  sendAt: Date | null;
  endAt: Date | null;
};

/** The draft properties the table copies as they are (every field but those with rules of their own). */
export type MirroredKey = Key<Mirrored>;

/** Fields a patch carries under their table key (`type` never changes; the number source is apart). */
type Patched = Exclude<Mirrored, 'type' | 'lists'> | 'flow_type';

/**
 * SPEC §4.7: a validated change to a stored campaign, as the API hands it to the campaign workflow
 * and the workflow to the read model. Absent keys do not change; `null` clears.
 */
export type CampaignPatch = { [F in Patched as Key<F>]?: CampaignDraft[Key<F>] } & {
  /** Epoch milliseconds. */
  sendAtMs?: number | null;
  endAtMs?: number | null;
  /** Replaces the number source (before start only): `from` as E.164 in dialling order. */
  from?: string[];
  /** Replaces the number source (before start only): list sids. */
  lists?: string[];
};

/** The keys of a patch that `field` writes. */
export function patchKeysOf(f: CampaignField): Array<keyof CampaignPatch> {
  if (f === 'schedule') return ['sendAtMs', 'endAtMs'];
  if (f === 'from' || f === 'lists') return [f];
  if (f === 'type') return [];
  return [CAMPAIGN_FIELD_TABLE[f].key];
}

/** The fields a PUT may change at the given point in a campaign's life (SPEC §4.7). */
export function fieldsUpdatable(when: FieldUpdate): CampaignField[] {
  const rank: Record<FieldUpdate, number> = { 'before-start': 0, 'while-paused': 1, 'after-start': 2 };
  return CAMPAIGN_FIELDS.filter((f) => rank[CAMPAIGN_FIELD_TABLE[f].update] >= rank[when]);
}

/** The create body's object shape, in validation order. */
export function campaignInputShape(): { [F in CampaignField]: CampaignFieldTable[F]['input'] } {
  const entries = Object.entries(CAMPAIGN_FIELD_TABLE).map(([f, spec]) => [f, spec.input]);
  return Object.fromEntries(entries) as { [F in CampaignField]: CampaignFieldTable[F]['input'] };
}

/** The campaign object's fields as GET shows them, in SPEC §3's table order. */
export function campaignWireShape(): { [F in CampaignField]: CampaignFieldTable[F]['wire'] } {
  const entries = CAMPAIGN_FIELDS.map((f) => [f, CAMPAIGN_FIELD_TABLE[f].wire]);
  return Object.fromEntries(entries) as { [F in CampaignField]: CampaignFieldTable[F]['wire'] };
}
