/**
 * SPEC §4.7 updates [C-7] and §1 bodies [C-1]: from a PUT body and the stored campaign, the action,
 * the fields that really change (wire names) and the validated patch the campaign workflow applies.
 *
 * * Partial: omitted fields keep their values; nested `retries` and `schedule` merge field by field.
 * * `null` clears `schedule.end_at`, `custom_field` and the three callbacks; on any other field it
 *   means "not given" (clients serialise unset optionals as null, and GET shows `lists: null`).
 * * Read-only fields (`id`, `account_sid`, `status`, `stats`, `date_*`, `uri`, `closing`) and unknown
 *   fields are ignored, so the whole object as GET returned it can be PUT back.
 * * A value equal to the stored one, compared normalised (E.164 numbers, canonical retries, instants),
 *   is not a change.
 * * Before start the merged campaign passes the create rules of SPEC §3 (`domain/campaign-input.ts`);
 *   after start only the fields that may then change are validated — any other changed field is
 *   reported in `changedFields` for `checkFieldUpdate` to refuse.
 * Pure: the stored campaign, the account's settings and `now` are passed in.
 */
import {
  canonicalRetries,
  checkCallerId,
  checkSchedule,
  normaliseNumbers,
  numbersToDial,
  parseCampaignBody,
  type AccountSettings,
  type CampaignDraft,
  type CampaignInputError,
} from './campaign-input';
import type { CampaignAction, CampaignPatch } from './campaign-patch';
import {
  CAMPAIGN_FIELDS,
  FIELDS_UPDATABLE_WHILE_PAUSED,
  type CampaignControlState,
  type CampaignField,
} from './campaign-transitions';
import { parseRfc3339 } from './rfc3339';
import { campaignCreateSchema } from './schemas/campaign';
import { describeIssue, previewValue } from './schemas/issues';
import { isTerminal } from './campaign-status';

/** The actions a PUT may carry, in the order error messages list them. */
export const PUT_ACTIONS: readonly CampaignAction[] = ['pause', 'resume', 'complete', 'archive'];

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

export type CampaignUpdateError = CampaignInputError | { kind: 'unknown_action'; field: 'action'; description: string };

export type CampaignUpdateResult = { ok: true; update: CampaignUpdate } | { ok: false; error: CampaignUpdateError };

/** A PUT/DELETE body on one resource: flat, or the bulk form with exactly one element (SPEC §1). */
export type SingleBodyResult =
  { ok: true; bulk: boolean; item: Record<string, unknown> } | { ok: false; error: CampaignInputError };

const CLEARABLE = new Set<string>([
  'custom_field',
  'call_status_callback',
  'call_schedule_callback',
  'status_callback',
]);
const SEND_AT_GRACE_MS = 60_000;
const RFC3339_HINT = 'must be an RFC 3339 time with an offset, e.g. 2024-01-15T09:00:00+05:30';

const fieldSchemas = campaignCreateSchema.out.shape;

function invalid(field: string, description: string): { ok: false; error: CampaignInputError } {
  return { ok: false, error: { kind: 'invalid_parameter', field, description } };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * SPEC §1 "PUT and DELETE on one resource accept a bulk body of exactly one element": the flat
 * object, or `{ [key]: [ {...} ] }`. Any other element count is a 400 for the whole request.
 */
export function parseSingleBody(raw: unknown, key = 'campaigns'): SingleBodyResult {
  if (!isObject(raw)) return invalid('', `body must be a JSON object; got ${previewValue(raw)}`);
  if (!(key in raw)) return { ok: true, bulk: false, item: raw };
  const items = raw[key];
  if (!Array.isArray(items) || items.length !== 1) {
    const got = Array.isArray(items) ? `${items.length} elements` : previewValue(items);
    return invalid(key, `${key} must be an array of exactly one element on an update of one resource; got ${got}`);
  }
  const [item] = items as unknown[];
  if (!isObject(item)) return invalid(`${key}[1]`, `${key}[1] must be a JSON object; got ${previewValue(item)}`);
  return { ok: true, bulk: true, item };
}

/** `action`, any casing; absent, null or blank = no action. */
export function parseAction(
  value: unknown,
): { ok: true; action: CampaignAction | null } | { ok: false; error: CampaignUpdateError } {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === ''))
    return { ok: true, action: null };
  const token = typeof value === 'string' ? value.trim().toLowerCase() : null;
  const action = PUT_ACTIONS.find((a) => a === token);
  if (action) return { ok: true, action };
  const hint = token === 'delete' ? '; to delete a campaign send DELETE to its URI' : '';
  return {
    ok: false,
    error: {
      kind: 'unknown_action',
      field: 'action',
      description: `action ${previewValue(value)} is not one of ${PUT_ACTIONS.join(', ')}${hint}`,
    },
  };
}

// ------------------------------------------------------------------------------------------------
// Comparison helpers

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

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());

// ------------------------------------------------------------------------------------------------
// Schedule: validated only where it changes, so an unchanged send_at already in the past (a paused
// campaign, a started one) does not make an unrelated update fail.

interface ScheduleResult {
  sendAt: Date | null;
  endAt: Date | null;
}

function readInstant(
  value: unknown,
  field: string,
): { ok: true; at: Date; text: string } | { ok: false; error: CampaignInputError } {
  const at = typeof value === 'string' ? parseRfc3339(value) : null;
  if (at === null) return invalid(field, `${field} ${RFC3339_HINT}; got ${previewValue(value)}`);
  return { ok: true, at, text: (value as string).trim() };
}

/**
 * SPEC §3/§4.7 `schedule` on update: a changed `send_at` is not in the past (1 min grace) nor more
 * than a year ahead; a changed `end_at` is in the future; when either changes, `end_at` > `send_at`.
 */
export function checkScheduleUpdate(
  stored: ScheduleResult,
  given: unknown,
  now: Date,
): { ok: true; schedule: ScheduleResult } | { ok: false; error: CampaignInputError } {
  if (given === undefined || given === null) return { ok: true, schedule: stored };
  if (!isObject(given)) return invalid('schedule', `schedule must be an object; got ${previewValue(given)}`);
  let { sendAt, endAt } = stored;
  let sendText: string | null = null;
  let endText: string | null = null;
  if (given.send_at !== undefined && given.send_at !== null) {
    const r = readInstant(given.send_at, 'schedule.send_at');
    if (!r.ok) return r;
    ({ at: sendAt, text: sendText } = r);
  }
  if (given.end_at === null) endAt = null;
  else if (given.end_at !== undefined) {
    const r = readInstant(given.end_at, 'schedule.end_at');
    if (!r.ok) return r;
    ({ at: endAt, text: endText } = r);
  }
  const sendChanged = ms(sendAt) !== ms(stored.sendAt);
  const endChanged = ms(endAt) !== ms(stored.endAt);
  if (sendChanged && sendText !== null) {
    // The create rule, for the new send_at alone.
    const r = checkSchedule({ send_at: sendText }, now);
    if (!r.ok) return r;
  }
  if (endChanged && endAt !== null && endAt.getTime() <= now.getTime()) {
    return invalid('schedule.end_at', `schedule.end_at ${endText} is not in the future`);
  }
  if ((sendChanged || endChanged) && sendAt !== null && endAt !== null && endAt <= sendAt) {
    const endShown = endText ?? endAt.toISOString();
    const sendShown = sendText ?? sendAt.toISOString();
    return invalid('schedule.end_at', `schedule.end_at ${endShown} must be after schedule.send_at ${sendShown}`);
  }
  return { ok: true, schedule: { sendAt, endAt } };
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
      if (CLEARABLE.has(field)) cleared.add(field);
      continue;
    }
    set.set(field, value);
  }
  return { set, cleared, schedule: item.schedule };
}

/** The stored campaign as a create body, so the merged result can pass the create schema. */
function storedAsBody(s: StoredCampaign): Record<string, unknown> {
  const f = s.fields;
  const body: Record<string, unknown> = {
    name: f.name,
    type: f.type,
    caller_id: f.callerId,
    campaign_type: f.campaignType,
    flow_type: f.flowType,
    url: f.url,
    read_via_text: f.readViaText,
    repeat_menu_attempts: f.repeatMenuAttempts,
    retries: { ...f.retries },
    call_status_callback: f.callStatusCallback,
    call_schedule_callback: f.callScheduleCallback,
    status_callback: f.statusCallback,
    mode: f.mode,
    throttle: f.throttle,
    custom_field: f.customField,
    call_duplicate_numbers: f.callDuplicateNumbers,
  };
  if (f.lists !== null) body.lists = f.lists;
  else body.from = f.numbers;
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
  const was = stored.fields;
  const changed = new Set<CampaignField>(changedExtra);
  const patch: CampaignPatch = {};
  const note = (field: CampaignField, same: boolean, write: () => void) => {
    if (same) return;
    changed.add(field);
    write();
  };
  note('name', was.name === next.name, () => (patch.name = next.name));
  note('caller_id', was.callerId === next.callerId, () => (patch.callerId = next.callerId));
  note('campaign_type', was.campaignType === next.campaignType, () => (patch.campaignType = next.campaignType));
  // `from` and `lists` each replace the number source: the patch carries the one now in force.
  note('from', sameJson(was.numbers, next.numbers), () => next.lists === null && (patch.from = next.numbers));
  note('lists', sameJson(was.lists, next.lists), () => next.lists !== null && (patch.lists = next.lists));
  note('flow_type', was.flowType === next.flowType, () => (patch.flowType = next.flowType));
  note('url', was.url === next.url, () => (patch.url = next.url));
  note('read_via_text', was.readViaText === next.readViaText, () => (patch.readViaText = next.readViaText));
  note(
    'repeat_menu_attempts',
    was.repeatMenuAttempts === next.repeatMenuAttempts,
    () => (patch.repeatMenuAttempts = next.repeatMenuAttempts),
  );
  note('retries', sameJson(was.retries, next.retries), () => (patch.retries = next.retries));
  const sendSame = ms(was.sendAt) === ms(next.sendAt);
  const endSame = ms(was.endAt) === ms(next.endAt);
  note('schedule', sendSame && endSame, () => {
    if (!sendSame) patch.sendAtMs = ms(next.sendAt);
    if (!endSame) patch.endAtMs = ms(next.endAt);
  });
  note(
    'call_status_callback',
    was.callStatusCallback === next.callStatusCallback,
    () => (patch.callStatusCallback = next.callStatusCallback),
  );
  note(
    'call_schedule_callback',
    was.callScheduleCallback === next.callScheduleCallback,
    () => (patch.callScheduleCallback = next.callScheduleCallback),
  );
  note(
    'status_callback',
    was.statusCallback === next.statusCallback,
    () => (patch.statusCallback = next.statusCallback),
  );
  note('mode', was.mode === next.mode, () => (patch.mode = next.mode));
  note('throttle', was.throttle === next.throttle, () => (patch.throttle = next.throttle));
  note(
    'custom_field',
    sameJson(was.customField ?? null, next.customField ?? null),
    () => (patch.customField = next.customField ?? null),
  );
  note(
    'call_duplicate_numbers',
    was.callDuplicateNumbers === next.callDuplicateNumbers,
    () => (patch.callDuplicateNumbers = next.callDuplicateNumbers),
  );
  const changedFields = CAMPAIGN_FIELDS.filter((f) => changed.has(f));
  return { action: null, changedFields, patch };
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
  const next: CampaignDraft = {
    name: body.name ?? stored.fields.name,
    type: body.type,
    callerId: body.caller_id,
    campaignType: body.campaign_type,
    numbers,
    lists: body.lists ?? null,
    flowType: body.url !== undefined ? 'ivr' : 'greeting',
    url: body.url ?? null,
    readViaText: body.read_via_text ?? null,
    repeatMenuAttempts: body.repeat_menu_attempts,
    retries: canonicalRetries(body.retries),
    sendAt: schedule.schedule.sendAt,
    endAt: schedule.schedule.endAt,
    callStatusCallback: body.call_status_callback ?? null,
    callScheduleCallback: body.call_schedule_callback ?? null,
    statusCallback: body.status_callback ?? null,
    mode: body.mode,
    throttle: body.throttle ?? null,
    customField: body.custom_field ?? null,
    callDuplicateNumbers: body.call_duplicate_numbers,
  };
  return { ok: true, update: diff(stored, next, new Set()) };
}

/**
 * Where a parsed field value goes in a draft (after start, where fields are compared one by one).
 * `type` has none: "trans" is the only value the schema accepts, so it never changes. Values were
 * parsed by the field's own create schema; the casts only restate that schema's output type.
 */
const SETTERS: Partial<Record<CampaignField, (d: CampaignDraft, v: unknown) => void>> = {
  name: (d, v) => (d.name = v as string),
  caller_id: (d, v) => (d.callerId = v as string),
  campaign_type: (d, v) => (d.campaignType = v as CampaignDraft['campaignType']),
  flow_type: (d, v) => (d.flowType = v as CampaignDraft['flowType']),
  lists: (d, v) => (d.lists = v as string[]),
  url: (d, v) => (d.url = v as string),
  read_via_text: (d, v) => (d.readViaText = v as string),
  repeat_menu_attempts: (d, v) => (d.repeatMenuAttempts = v as number),
  retries: (d, v) => (d.retries = canonicalRetries(v as Parameters<typeof canonicalRetries>[0])),
  call_status_callback: (d, v) => (d.callStatusCallback = v as string | null),
  call_schedule_callback: (d, v) => (d.callScheduleCallback = v as string | null),
  status_callback: (d, v) => (d.statusCallback = v as string | null),
  mode: (d, v) => (d.mode = v as CampaignDraft['mode']),
  throttle: (d, v) => (d.throttle = v as number),
  custom_field: (d, v) => (d.customField = v),
  call_duplicate_numbers: (d, v) => (d.callDuplicateNumbers = v as boolean),
};

/** `from` as the numbers it would dial, or null when an entry is not a phone number. */
function lenientNumbers(value: unknown, callDuplicates: boolean, region: string): string[] | null {
  const parsed = fieldSchemas.from.safeParse(value);
  if (!parsed.success || parsed.data === undefined) return null;
  const r = normaliseNumbers(parsed.data, region);
  return r.ok ? numbersToDial(r.e164, callDuplicates) : null;
}

/**
 * After start (and on terminal or draining campaigns): the fields that may still change somewhere in
 * this life — the callbacks, `schedule` — are validated; every other given field is only compared
 * with the stored value, leniently normalised, and a difference (or an unreadable value) is reported
 * as changed without entering the patch, for `checkFieldUpdate` to refuse with 409.
 */
function afterStart(stored: StoredCampaign, g: GivenFields, account: AccountSettings, now: Date): CampaignUpdateResult {
  const next: CampaignDraft = { ...stored.fields };
  const unreadable = new Set<CampaignField>();
  const validated = new Set<string>(FIELDS_UPDATABLE_WHILE_PAUSED);
  const was = stored.fields;

  const dup = fieldSchemas.call_duplicate_numbers.safeParse(
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
    const schema = fieldSchemas[field];
    const input = field === 'retries' && isObject(value) ? { ...was.retries, ...value } : value;
    const parsed = schema.safeParse(input, { reportInput: true });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      if (validated.has(field) && issue) {
        const d = describeIssue({ ...issue, path: [field, ...issue.path] });
        return invalid(d.field, d.description);
      }
      unreadable.add(field);
      continue;
    }
    SETTERS[field]?.(next, parsed.data);
  }
  for (const field of g.cleared) SETTERS[field]?.(next, null);
  const schedule = checkScheduleUpdate({ sendAt: was.sendAt, endAt: was.endAt }, g.schedule, now);
  if (!schedule.ok) return schedule;
  next.sendAt = schedule.schedule.sendAt;
  next.endAt = schedule.schedule.endAt;

  const update = diff(stored, next, unreadable);
  // Only what may change after start enters the patch; the rest is refused by the field rule.
  const patch: CampaignPatch = {};
  const p = update.patch;
  if ('callStatusCallback' in p) patch.callStatusCallback = p.callStatusCallback;
  if ('callScheduleCallback' in p) patch.callScheduleCallback = p.callScheduleCallback;
  if ('statusCallback' in p) patch.statusCallback = p.statusCallback;
  if ('sendAtMs' in p) patch.sendAtMs = p.sendAtMs;
  if ('endAtMs' in p) patch.endAtMs = p.endAtMs;
  return { ok: true, update: { ...update, patch } };
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
