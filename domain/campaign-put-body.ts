/**
 * SPEC §1 bodies [C-1] and §4.7 updates [C-7]: reading a PUT body before it is compared with the
 * stored campaign — the one element of a bulk body, the `action`, and a `schedule` validated only
 * where it changes. Pure: the stored instants and `now` are passed in.
 */
import { checkSchedule, type CampaignInputError } from './campaign-input';
import type { CampaignAction } from './campaign-patch';
import { parseRfc3339 } from './rfc3339';
import { previewValue } from './schemas/issues';

/** The actions a PUT may carry, in the order error messages list them. */
export const PUT_ACTIONS: readonly CampaignAction[] = ['pause', 'resume', 'complete', 'archive'];

export type UnknownActionError = { kind: 'unknown_action'; field: 'action'; description: string };

/** A PUT/DELETE body on one resource: flat, or the bulk form with exactly one element (SPEC §1). */
export type SingleBodyResult =
  { ok: true; bulk: boolean; item: Record<string, unknown> } | { ok: false; error: CampaignInputError };

const RFC3339_HINT = 'must be an RFC 3339 time with an offset, e.g. 2024-01-15T09:00:00+05:30';

export function invalid(field: string, description: string): { ok: false; error: CampaignInputError } {
  return { ok: false, error: { kind: 'invalid_parameter', field, description } };
}

export function isObject(v: unknown): v is Record<string, unknown> {
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
): { ok: true; action: CampaignAction | null } | { ok: false; error: UnknownActionError } {
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
// Schedule: validated only where it changes, so an unchanged send_at already in the past (a paused
// campaign, a started one) does not make an unrelated update fail.

export interface ScheduleInstants {
  sendAt: Date | null;
  endAt: Date | null;
}

export const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());

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
  stored: ScheduleInstants,
  given: unknown,
  now: Date,
): { ok: true; schedule: ScheduleInstants } | { ok: false; error: CampaignInputError } {
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
