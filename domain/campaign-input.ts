/**
 * SPEC §3 "Creating a campaign": from a create body, the account's settings and `now`, the normalised campaign the API
 * stores (E.164 numbers in order, de-duplicated unless `call_duplicate_numbers`, default name, canonical retries,
 * schedule instants); `checkCampaignLists` judges the lists a campaign names. Pure.
 */
import { unknownTemplateToken } from './greeting-template';
import { toE164 } from './phone';
import { parseRfc3339 } from './rfc3339';
import { wallClock } from './time';
import type { AddressPolicy } from './url-policy';
import { checkOutboundUrls } from './campaign-urls';
import { CAMPAIGN_FIELDS, type CampaignField } from './campaign-transitions';
import { campaignCreateSchema, type CampaignCreateBody } from './schemas/campaign';
import { CAMPAIGN_FIELD_TABLE, type CampaignDraft } from './schemas/campaign-fields';
import { RETRYABLE_STATUSES } from './schemas/campaign-values';
import { firstIssue, previewValue } from './schemas/issues';

export type { CampaignDraft } from './schemas/campaign-fields';

/** The settings of the account that a create depends on. */
export interface AccountSettings {
  sid: string;
  timezone: string;
  defaultRegion: string;
  /** Registered caller ids (ExoPhones); null or empty = any caller id is accepted. */
  callerIds: string[] | null;
  callsPerMinute: number;
  /** SPEC §6.3: the deployment's outbound URL policy; the strictest when absent. */
  urlPolicy?: AddressPolicy;
}

/** Retries as stored and rendered: snake_case, canonical mechanism, on_status spelled as the wire shows. */
export interface CampaignRetries {
  number_of_retries: number;
  interval_mins: number | null;
  mechanism: 'Linear' | 'Exponential';
  on_status: Array<(typeof RETRYABLE_STATUSES)[number]>;
}

export type CampaignInputErrorKind =
  'invalid_parameter' | 'invalid_number' | 'caller_id_not_allowed' | 'throttle_over_capacity';

export interface CampaignInputError {
  kind: CampaignInputErrorKind;
  /** The offending field (`from[3]`, `schedule.send_at`), '' for the whole body. */
  field: string;
  description: string;
}

export type CampaignInputResult = { ok: true; draft: CampaignDraft } | { ok: false; error: CampaignInputError };

const SEND_AT_GRACE_MS = 60_000;

const KINDS = new Set<string>(['invalid_parameter']);

function fail(
  kind: CampaignInputErrorKind,
  field: string,
  description: string,
): { ok: false; error: CampaignInputError } {
  return { ok: false, error: { kind, field, description } };
}

/** SPEC §3 `name` default: `"<account_sid> <YYYY-MM-DD HH:mm:ss>"` in the account's time zone. */
export function defaultCampaignName(accountSid: string, now: Date, timeZone: string): string {
  const w = wallClock(now, timeZone);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${accountSid} ${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}:${p(w.second)}`;
}

/** SPEC §3 `retries`: defaults filled in, mechanism canonical, on_status de-duplicated in wire order. */
export function canonicalRetries(input: CampaignCreateBody['retries']): CampaignRetries {
  const onStatus = input?.on_status ?? [...RETRYABLE_STATUSES];
  return {
    number_of_retries: input?.number_of_retries ?? 0,
    interval_mins: input?.interval_mins ?? null,
    mechanism: input?.mechanism ?? 'Linear',
    on_status: RETRYABLE_STATUSES.filter((s) => onStatus.includes(s)),
  };
}

/** The numbers to dial: each distinct E.164 number once, in first-seen order, unless duplicates are allowed. */
export function numbersToDial(e164: string[], callDuplicateNumbers: boolean): string[] {
  return callDuplicateNumbers ? [...e164] : [...new Set(e164)];
}

/**
 * SPEC §3 "Numbers": the request fails on the first invalid number, naming it and its 1-based
 * position. Returns the E.164 numbers in order (duplicates kept) or that failure.
 */
export function normaliseNumbers(
  entries: string[],
  defaultRegion: string,
): { ok: true; e164: string[] } | { ok: false; error: CampaignInputError } {
  const e164: string[] = [];
  for (const [i, raw] of entries.entries()) {
    const r = toE164(raw, defaultRegion);
    if (!r.ok)
      return fail(
        'invalid_number',
        `from[${i + 1}]`,
        `from[${i + 1}]: ${previewValue(raw)} is not a valid phone number (${r.reason})`,
      );
    e164.push(r.e164);
  }
  return { ok: true, e164 };
}

/**
 * SPEC §3 `schedule`: send_at not in the past (1 min grace) and within one year; end_at after send_at,
 * or after now.
 */
export function checkSchedule(
  schedule: CampaignCreateBody['schedule'],
  now: Date,
): { ok: true; sendAt: Date | null; endAt: Date | null } | { ok: false; error: CampaignInputError } {
  const sendText = schedule?.send_at ?? null;
  const endText = schedule?.end_at ?? null;
  const sendAt = sendText === null ? null : parseRfc3339(sendText);
  const endAt = endText === null ? null : parseRfc3339(endText);
  if (sendAt) {
    if (sendAt.getTime() < now.getTime() - SEND_AT_GRACE_MS) {
      return fail('invalid_parameter', 'schedule.send_at', `schedule.send_at ${sendText} is in the past`);
    }
    const yearAhead = new Date(now);
    yearAhead.setUTCFullYear(yearAhead.getUTCFullYear() + 1);
    if (sendAt > yearAhead)
      return fail('invalid_parameter', 'schedule.send_at', `schedule.send_at ${sendText} is more than one year ahead`);
  }
  if (endAt) {
    if (sendAt && endAt <= sendAt) {
      return fail(
        'invalid_parameter',
        'schedule.end_at',
        `schedule.end_at ${endText} must be after schedule.send_at ${sendText}`,
      );
    }
    if (!sendAt && endAt <= now)
      return fail('invalid_parameter', 'schedule.end_at', `schedule.end_at ${endText} is not in the future`);
  }
  return { ok: true, sendAt, endAt };
}

/** SPEC §3 `caller_id`: when the account registers caller ids, the campaign's must be one of them. */
export function checkCallerId(callerId: string, account: AccountSettings): CampaignInputError | null {
  if (!account.callerIds || account.callerIds.length === 0 || account.callerIds.includes(callerId)) return null;
  return {
    kind: 'caller_id_not_allowed',
    field: 'caller_id',
    description: `caller_id "${callerId}" is not one of the account's registered caller ids`,
  };
}

/**
 * SPEC §3 `mode`/`throttle`: the throttles of the account's non-terminal custom campaigns, this one
 * included, may sum to at most `calls_per_minute − 1`. `reservedByOthers` excludes this campaign.
 */
export function checkThrottleHeadroom(input: {
  throttle: number;
  callsPerMinute: number;
  reservedByOthers: number;
}): CampaignInputError | null {
  const headroom = input.callsPerMinute - 1 - input.reservedByOthers;
  if (input.throttle <= headroom) return null;
  return {
    kind: 'throttle_over_capacity',
    field: 'throttle',
    description:
      `throttle ${input.throttle} exceeds the headroom of ${Math.max(headroom, 0)} calls per minute ` +
      `(calls_per_minute ${input.callsPerMinute} − 1 − ${input.reservedByOthers} reserved by other custom campaigns)`,
  };
}

type ParsedBody = { ok: true; body: CampaignCreateBody } | { ok: false; error: CampaignInputError };

/** The context-free rules: the zod schema, its first issue described. */
export function parseCampaignBody(raw: unknown): ParsedBody {
  const parsed = campaignCreateSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { ok: true, body: parsed.data };
  const issue = firstIssue(parsed.error);
  const kind = issue.kind && KINDS.has(issue.kind) ? (issue.kind as CampaignInputErrorKind) : 'invalid_parameter';
  return fail(kind, issue.field, issue.description);
}

/** Every rule but numbers and throttle headroom (which needs a count from the database). */
export function checkContext(body: CampaignCreateBody, account: AccountSettings, now: Date) {
  const urlError = checkOutboundUrls(body, account.urlPolicy);
  if (urlError) return fail('invalid_parameter', urlError.field, urlError.description);
  const callerIdError = checkCallerId(body.caller_id, account);
  if (callerIdError) return { ok: false as const, error: callerIdError };
  return checkSchedule(body.schedule, now);
}

/**
 * The whole of SPEC §3 for a create, except the throttle headroom (the caller adds the database's
 * count and calls `checkThrottleHeadroom`) and the rules that need the lists themselves
 * (`checkCampaignLists`, on facts the caller reads). Fails on the first broken rule.
 */
export function prepareCampaign(raw: unknown, account: AccountSettings, now: Date): CampaignInputResult {
  const parsed = parseCampaignBody(raw);
  if (!parsed.ok) return parsed;
  const body = parsed.body;
  const numbers = normaliseNumbers(body.from ?? [], account.defaultRegion);
  if (!numbers.ok) return numbers;
  const context = checkContext(body, account, now);
  if (!context.ok) return context;
  const draft = draftOf(body, {
    name: body.name ?? defaultCampaignName(account.sid, now, account.timezone),
    numbers: numbersToDial(numbers.e164, body.call_duplicate_numbers),
    sendAt: context.sendAt,
    endAt: context.endAt,
  });
  return { ok: true, draft };
}

/** Fields with a create rule of their own; every other one is copied from the body as it is. */
const OWN_RULE = new Set<CampaignField>(['name', 'from', 'flow_type', 'retries', 'schedule']);

/**
 * A parsed create body as a draft: the fields the table copies (an absent optional is null), the
 * content source's `flow_type`, canonical retries, and what the caller worked out (name, numbers,
 * schedule instants).
 */
export function draftOf(
  body: CampaignCreateBody,
  given: Pick<CampaignDraft, 'name' | 'numbers' | 'sendAt' | 'endAt'>,
): CampaignDraft {
  const draft: Record<string, unknown> = {
    ...given,
    flowType: body.url !== undefined ? 'ivr' : 'greeting',
    retries: canonicalRetries(body.retries),
  };
  for (const f of CAMPAIGN_FIELDS) if (!OWN_RULE.has(f)) draft[CAMPAIGN_FIELD_TABLE[f].key] = body[f] ?? null;
  // The loop wrote every other property of the table; the cast restates that.
  return draft as CampaignDraft;
}

/** What a create needs to know about one list it names, read from the database by the caller. */
export interface ListFacts {
  sid: string;
  /** Fixed by the list's first CSV upload; null before any. */
  type: 'static' | 'dynamic' | null;
  columns: string[];
  /** An upload into the list is still being processed. */
  processing: boolean;
}

export interface ListCheckError {
  /** `unknown_list` → 400, `invalid_parameter` → 400, `upload_in_progress` → 409. */
  kind: 'unknown_list' | 'invalid_parameter' | 'upload_in_progress';
  field: string;
  description: string;
}

/**
 * SPEC §3 `lists` rules that need the lists themselves: every list must exist in the account (400
 * naming it); a dynamic campaign's one list must be of type dynamic, and every `@@token` of its
 * `read_via_text` must name a standard column or a column of the list (400 naming the token); no list
 * may have an upload still processing (409). `found` holds the account's lists among `lists`.
 */
export function checkCampaignLists(input: {
  lists: string[];
  campaignType: 'static' | 'dynamic';
  readViaText: string | null;
  found: ListFacts[];
}): ListCheckError | null {
  const bySid = new Map(input.found.map((l) => [l.sid, l]));
  for (const [i, sid] of input.lists.entries()) {
    if (!bySid.has(sid))
      return {
        kind: 'unknown_list',
        field: `lists[${i + 1}]`,
        description: `lists[${i + 1}]: list ${JSON.stringify(sid)} does not exist in this account`,
      };
  }
  if (input.campaignType === 'dynamic') {
    const list = bySid.get(input.lists[0]!)!;
    if (list.type !== 'dynamic') {
      return {
        kind: 'invalid_parameter',
        field: 'lists[1]',
        description:
          `lists[1]: list ${JSON.stringify(list.sid)} is ` +
          `${list.type ?? 'not yet typed (no CSV upload)'}; a dynamic campaign needs a list uploaded with type=dynamic`,
      };
    }
    const token = input.readViaText === null ? null : unknownTemplateToken(input.readViaText, list.columns);
    if (token !== null) {
      return {
        kind: 'invalid_parameter',
        field: 'read_via_text',
        description:
          `read_via_text: @@${token} names no column of list ${JSON.stringify(list.sid)} (columns: ` +
          `${list.columns.join(', ') || 'none'})`,
      };
    }
  }
  const busy = input.lists.find((sid) => bySid.get(sid)!.processing);
  if (busy !== undefined) {
    return {
      kind: 'upload_in_progress',
      field: 'lists',
      description:
        `lists: list ${JSON.stringify(busy)} has a CSV upload still processing; retry when csv-status ` +
        `reports completed`,
    };
  }
  return null;
}
