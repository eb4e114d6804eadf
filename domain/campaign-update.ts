/**
 * SPEC §4.7 updates [C-7]: from a PUT element and the stored campaign, the action, the fields that really change (wire
 * names) and the validated patch the campaign workflow applies, driven by the field table
 * (`domain/schemas/campaign-fields.ts`). Pure; the merge and comparison rules are in docs/campaign-fields.md.
 */
import {
  canonicalRetries,
  checkCallerId,
  draftOf,
  normaliseNumbers,
  numbersToDial,
  parseCampaignBody,
  type AccountSettings,
  type CampaignDraft,
  type CampaignInputError,
} from './campaign-input';
import type { CampaignAction, CampaignPatch } from './campaign-patch';
import { checkScheduleUpdate, invalid, isObject, ms, parseAction, type UnknownActionError } from './campaign-put-body';
import { checkOutboundUrls } from './campaign-urls';
import { isTerminal } from './campaign-status';
import { CAMPAIGN_FIELDS, type CampaignControlState, type CampaignField } from './campaign-transitions';
import { CAMPAIGN_FIELD_TABLE, fieldsUpdatable, patchKeysOf } from './schemas/campaign-fields';
import { describeIssue } from './schemas/issues';

/** The campaign as stored: its fields (`numbers` = the stored `from`, `lists`) and its control state. */
export interface StoredCampaign {
  fields: CampaignDraft;
  state: CampaignControlState;
}

/** A parsed, validated update. `patch` carries exactly the changed fields that may change. */
export interface CampaignUpdate {
  action: CampaignAction | null;
  /** Wire names, in SPEC §3 table order; a value equal to the stored one is not listed. */
  changedFields: CampaignField[];
  patch: CampaignPatch;
}

export type CampaignUpdateError = CampaignInputError | UnknownActionError;

export type CampaignUpdateResult = { ok: true; update: CampaignUpdate } | { ok: false; error: CampaignUpdateError };

/** The draft and the patch read and written by property name, for the loops over the field table. */
type Props = Record<string, unknown>;

/** JSON equality that ignores object key order (jsonb does not keep it). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => k in b && sameJson(a[k], b[k]));
  }
  return false;
}

// ------------------------------------------------------------------------------------------------
// The given fields

interface GivenFields {
  /** Fields given with a value (not null), by wire name. */
  set: Map<CampaignField, unknown>;
  /** Clearable fields given as null. */
  cleared: Set<CampaignField>;
  /** The `schedule` object as given, when given. */
  schedule: unknown;
}

function givenFields(item: Record<string, unknown>): GivenFields {
  const set = new Map<CampaignField, unknown>();
  const cleared = new Set<CampaignField>();
  for (const field of CAMPAIGN_FIELDS) {
    if (field === 'schedule' || !(field in item)) continue;
    const value = item[field];
    if (value === undefined) continue;
    if (value === null) {
      if (CAMPAIGN_FIELD_TABLE[field].clears) cleared.add(field);
      continue;
    }
    set.set(field, value);
  }
  return { set, cleared, schedule: item.schedule };
}

/** The stored campaign as a create body (schedule apart), so the merged result can pass the create schema. */
function storedAsBody(s: StoredCampaign): Record<string, unknown> {
  const f = s.fields as unknown as Props;
  const body: Record<string, unknown> = {};
  for (const field of CAMPAIGN_FIELDS) {
    if (field === 'schedule' || field === 'from' || field === 'lists') continue;
    body[field] = f[CAMPAIGN_FIELD_TABLE[field].key];
  }
  if (s.fields.lists !== null) body.lists = s.fields.lists;
  else body.from = s.fields.numbers;
  return body;
}

/** The merged create body: the stored campaign with the given fields over it (schedule apart). */
function mergedBody(stored: StoredCampaign, g: GivenFields): Record<string, unknown> {
  const body = storedAsBody(stored);
  for (const [field, value] of g.set) {
    body[field] = field === 'retries' && isObject(value) ? { ...(body.retries as object), ...value } : value;
  }
  for (const field of g.cleared) delete body[field];
  // A new content source replaces the other one (and the stored flow_type that named it).
  if (g.set.has('url') && !g.set.has('read_via_text')) delete body.read_via_text;
  if (g.set.has('read_via_text') && !g.set.has('url')) delete body.url;
  if ((g.set.has('url') || g.set.has('read_via_text')) && !g.set.has('flow_type')) delete body.flow_type;
  // Switching to mode auto drops the stored throttle unless one is given (which the schema refuses).
  if (g.set.has('mode') && !g.set.has('throttle')) delete body.throttle;
  // `from` or `lists` replaces the number source.
  if (g.set.has('from') && !g.set.has('lists')) delete body.lists;
  if (g.set.has('lists') && !g.set.has('from')) delete body.from;
  // Nulls left by the stored campaign mean "absent" to the create schema.
  for (const [k, v] of Object.entries(body)) if (v === null) delete body[k];
  return body;
}

// ------------------------------------------------------------------------------------------------
// The diff

/** The changed fields and the patch between the stored campaign and a candidate. */
function diff(stored: StoredCampaign, next: CampaignDraft, changedExtra: ReadonlySet<CampaignField>): CampaignUpdate {
  const was = stored.fields as unknown as Props;
  const now = next as unknown as Props;
  const changed = new Set<CampaignField>(changedExtra);
  const patch: Props = {};
  for (const field of CAMPAIGN_FIELDS) {
    if (field === 'type') continue; // "trans" is the only value the schema accepts
    if (field === 'schedule') {
      const sendSame = ms(stored.fields.sendAt) === ms(next.sendAt);
      const endSame = ms(stored.fields.endAt) === ms(next.endAt);
      if (!sendSame) patch.sendAtMs = ms(next.sendAt);
      if (!endSame) patch.endAtMs = ms(next.endAt);
      if (!sendSame || !endSame) changed.add(field);
      continue;
    }
    const spec = CAMPAIGN_FIELD_TABLE[field];
    const same = spec.json ? sameJson(was[spec.key] ?? null, now[spec.key] ?? null) : was[spec.key] === now[spec.key];
    if (same) continue;
    changed.add(field);
    // `from` and `lists` each replace the number source: the patch carries the one now in force.
    if (field === 'from') {
      if (next.lists === null) patch.from = next.numbers;
    } else if (field === 'lists') {
      if (next.lists !== null) patch.lists = next.lists;
    } else patch[spec.key] = now[spec.key];
  }
  const changedFields = CAMPAIGN_FIELDS.filter((f) => changed.has(f));
  return { action: null, changedFields, patch: patch as CampaignPatch };
}

/** Before start: the merged campaign passes every create rule (SPEC §4.7 "with the same validation"). */
function beforeStart(
  stored: StoredCampaign,
  g: GivenFields,
  account: AccountSettings,
  now: Date,
): CampaignUpdateResult {
  const parsed = parseCampaignBody(mergedBody(stored, g));
  if (!parsed.ok) return parsed;
  const body = parsed.body;
  let numbers: string[];
  if (body.lists !== undefined) {
    // A list campaign's numbers come from its lists when it starts.
    numbers = [];
  } else if (g.set.has('from')) {
    const r = normaliseNumbers(body.from ?? [], account.defaultRegion);
    if (!r.ok) return r;
    numbers = numbersToDial(r.e164, body.call_duplicate_numbers);
  } else {
    // Stored numbers are E.164 already; only the de-duplication rule may have changed.
    numbers = numbersToDial(stored.fields.numbers, body.call_duplicate_numbers);
  }
  const callerIdError = checkCallerId(body.caller_id, account);
  if (callerIdError) return { ok: false, error: callerIdError };
  const schedule = checkScheduleUpdate({ sendAt: stored.fields.sendAt, endAt: stored.fields.endAt }, g.schedule, now);
  if (!schedule.ok) return schedule;
  const next = draftOf(body, { name: body.name ?? stored.fields.name, numbers, ...schedule.schedule });
  return { ok: true, update: diff(stored, next, new Set()) };
}

/** `from` as the numbers it would dial, or null when an entry is not a phone number. */
function lenientNumbers(value: unknown, callDuplicates: boolean, region: string): string[] | null {
  const parsed = CAMPAIGN_FIELD_TABLE.from.input.safeParse(value);
  if (!parsed.success || parsed.data === undefined) return null;
  const r = normaliseNumbers(parsed.data, region);
  return r.ok ? numbersToDial(r.e164, callDuplicates) : null;
}

/** Where a parsed field value goes in a draft (after start, where fields are compared one by one). */
function setField(draft: CampaignDraft, field: CampaignField, value: unknown): void {
  const v = field === 'retries' ? canonicalRetries(value as Parameters<typeof canonicalRetries>[0]) : value;
  // The value was parsed by the field's own create schema; the cast only restates its output type.
  (draft as unknown as Props)[CAMPAIGN_FIELD_TABLE[field].key] = v;
}

/** What may change after start (the callbacks; `schedule`, while Paused): validated, and patched. */
const UPDATABLE_AFTER_START = new Set<CampaignField>(fieldsUpdatable('while-paused'));
const PATCHED_AFTER_START = [...UPDATABLE_AFTER_START].flatMap(patchKeysOf);

/**
 * After start (and on terminal or draining campaigns): the fields that may still change somewhere in
 * this life — the callbacks, `schedule` — are validated; every other given field is only compared
 * with the stored value, leniently normalised, and a difference (or an unreadable value) is reported
 * as changed without entering the patch, for `checkFieldUpdate` to refuse with 409.
 */
function afterStart(stored: StoredCampaign, g: GivenFields, account: AccountSettings, now: Date): CampaignUpdateResult {
  const next: CampaignDraft = { ...stored.fields };
  const unreadable = new Set<CampaignField>();
  const was = stored.fields;

  const dup = CAMPAIGN_FIELD_TABLE.call_duplicate_numbers.input.safeParse(
    g.set.get('call_duplicate_numbers') ?? was.callDuplicateNumbers,
  );
  const callDuplicates = dup.success ? dup.data : was.callDuplicateNumbers;

  for (const [field, value] of g.set) {
    if (field === 'from') {
      const numbers = lenientNumbers(value, callDuplicates, account.defaultRegion);
      if (numbers === null) unreadable.add(field);
      else next.numbers = numbers;
      continue;
    }
    const schema = CAMPAIGN_FIELD_TABLE[field].input;
    const input = field === 'retries' && isObject(value) ? { ...was.retries, ...value } : value;
    const parsed = schema.safeParse(input, { reportInput: true });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      if (UPDATABLE_AFTER_START.has(field) && issue) {
        const d = describeIssue({ ...issue, path: [field, ...issue.path] });
        return invalid(d.field, d.description);
      }
      unreadable.add(field);
      continue;
    }
    setField(next, field, parsed.data);
  }
  for (const field of g.cleared) setField(next, field, null);
  const schedule = checkScheduleUpdate({ sendAt: was.sendAt, endAt: was.endAt }, g.schedule, now);
  if (!schedule.ok) return schedule;
  next.sendAt = schedule.schedule.sendAt;
  next.endAt = schedule.schedule.endAt;

  const update = diff(stored, next, unreadable);
  // Only what may change after start enters the patch; the rest is refused by the field rule.
  const patch: Props = {};
  for (const key of PATCHED_AFTER_START) if (key in update.patch) patch[key] = update.patch[key];
  return { ok: true, update: { ...update, patch: patch as CampaignPatch } };
}

/**
 * SPEC §4.7: one PUT element against the stored campaign: its action, its changed fields (wire names)
 * and the patch of validated, normalised values. The throttle headroom, which needs the database, is
 * left to the caller (`throttleToCheck`).
 */
export function parseCampaignUpdate(
  item: Record<string, unknown>,
  stored: StoredCampaign,
  account: AccountSettings,
  now: Date,
): CampaignUpdateResult {
  const action = parseAction(item.action);
  if (!action.ok) return action;
  const g = givenFields(item);
  const s = stored.state;
  const beforeStartRules = !s.started && s.status !== 'InProgress' && !s.closing && !isTerminal(s.status);
  const r = beforeStartRules ? beforeStart(stored, g, account, now) : afterStart(stored, g, account, now);
  if (!r.ok) return r;
  // SPEC §6.3 "at create and update": the URLs this update sets.
  const p = r.update.patch;
  const urlError = checkOutboundUrls(
    {
      url: p.url,
      call_status_callback: p.callStatusCallback,
      call_schedule_callback: p.callScheduleCallback,
      status_callback: p.statusCallback,
    },
    account.urlPolicy,
  );
  if (urlError) return invalid(urlError.field, urlError.description);
  return { ok: true, update: { ...r.update, action: action.action } };
}

/**
 * SPEC §3 "checked at create and update": the custom throttle whose headroom must be checked, when
 * the update makes or keeps the campaign custom and changes its mode or throttle; else null.
 */
export function throttleToCheck(update: CampaignUpdate, stored: StoredCampaign): number | null {
  if (!update.changedFields.includes('mode') && !update.changedFields.includes('throttle')) return null;
  const mode = update.patch.mode ?? stored.fields.mode;
  const throttle = update.patch.throttle !== undefined ? update.patch.throttle : stored.fields.throttle;
  return mode === 'custom' && throttle !== null ? throttle : null;
}

/**
 * SPEC §3 list rules on update: when an update gives a campaign new lists, or changes the
 * `campaign_type` or `read_via_text` of a list campaign, what `checkCampaignLists` must judge (with
 * list facts from the database); else null.
 */
export function listsToCheck(
  update: CampaignUpdate,
  stored: StoredCampaign,
): { lists: string[]; campaignType: 'static' | 'dynamic'; readViaText: string | null } | null {
  const f = update.changedFields;
  const lists = update.patch.lists ?? (update.patch.from === undefined ? stored.fields.lists : null);
  if (lists === null || !(f.includes('lists') || f.includes('campaign_type') || f.includes('read_via_text')))
    return null;
  const campaignType = (update.patch.campaignType ?? stored.fields.campaignType) === 'dynamic' ? 'dynamic' : 'static';
  const readViaText = update.patch.readViaText !== undefined ? update.patch.readViaText : stored.fields.readViaText;
  return { lists, campaignType, readViaText };
}
