/**
 * SPEC §4.1 states [C-3, C-4, C-5, C-6], §4.7 updates [C-7] and §4.8 delete [C-5]: the campaign state machine as data
 * and two pure functions. The campaign workflow's control Update validator runs them against the workflow's own state
 * ("Who decides"); the API runs them against the read model for the answers that cannot change any more (a terminal
 * status, a started campaign). No I/O, no libraries: safe inside the workflow sandbox.
 */
import { isTerminal, type CampaignStatus } from './campaign-status';

/** Every control action: the PUT `action` values, plus `delete` (the DELETE verb). */
export const CONTROL_ACTIONS = ['pause', 'resume', 'complete', 'archive', 'delete'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

/** What a decision needs to know about a campaign. */
export interface CampaignControlState {
  status: CampaignStatus;
  /** The campaign has entered `InProgress` at least once (`date_started` is set). */
  started: boolean;
  /** `schedule.send_at` in epoch milliseconds, or null when the campaign starts at once. */
  sendAtMs: number | null;
  /** A drain is under way (SPEC §4.1 "Ending is a drain"): the status is about to become terminal. */
  closing: boolean;
}

export type ActionDecision =
  /**
   * The action applies. `next` is the status it leads to; with `drain: true` (complete) the campaign
   * keeps its status and starts a drain that ends in `next`, as SPEC §4.1 "Ending is a drain" says.
   */
  | { kind: 'apply'; next: CampaignStatus; drain: boolean }
  /** The action's target is the current state: 200, nothing changes. */
  | { kind: 'noop' }
  /** 409, naming the status and the actions allowed in it. */
  | { kind: 'conflict'; description: string; allowed: ControlAction[] };

export interface FieldConflict {
  /** The wire name of the first field that may not change now. */
  field: string;
  description: string;
}

/** SPEC §3/§4.7: the fields a create accepts, by wire name; before start every one of them may change. */
export const CAMPAIGN_FIELDS = [
  'name',
  'type',
  'caller_id',
  'campaign_type',
  'from',
  'lists',
  'flow_type',
  'url',
  'read_via_text',
  'repeat_menu_attempts',
  'retries',
  'schedule',
  'call_status_callback',
  'call_schedule_callback',
  'status_callback',
  'mode',
  'throttle',
  'custom_field',
  'call_duplicate_numbers',
] as const;
export type CampaignField = (typeof CAMPAIGN_FIELDS)[number];

/** SPEC §4.7: after start only the callbacks may change ... */
export const FIELDS_UPDATABLE_AFTER_START: readonly CampaignField[] = [
  'status_callback',
  'call_status_callback',
  'call_schedule_callback',
];
/** ... and, while `Paused`, also `schedule` ("so a campaign can be rolled to another day"). */
export const FIELDS_UPDATABLE_WHILE_PAUSED: readonly CampaignField[] = [...FIELDS_UPDATABLE_AFTER_START, 'schedule'];

/** `InProgress` implies started even if a caller forgot to say so. */
function hasStarted(state: CampaignControlState): boolean {
  return state.started || state.status === 'InProgress';
}

type Rule = (state: CampaignControlState, nowMs: number) => ActionDecision | { kind: 'conflict'; reason?: string };

const apply = (next: CampaignStatus, drain = false): ActionDecision => ({ kind: 'apply', next, drain });
const NOOP: ActionDecision = { kind: 'noop' };
const refuse = (reason?: string) => ({ kind: 'conflict' as const, ...(reason !== undefined && { reason }) });

/**
 * The non-terminal, not-closing rules, one per action. Terminal statuses and drains are handled
 * before these run (see `decideAction`).
 */
const RULES: Record<ControlAction, Rule> = {
  // Created / InProgress → Paused; pause on Paused is a repeat (200, no change).
  pause: (s) => (s.status === 'Paused' ? NOOP : apply('Paused')),

  // Paused → InProgress on a started campaign or one whose send_at has passed; → Created when it has
  // not started and send_at is still ahead. On InProgress it is a repeat. On Created it is a repeat
  // too: pause then resume of a not-yet-started campaign leads back to Created, so a client that
  // retries its resume must get 200, not 409 (SPEC §4.1 "Repeating an action ...").
  resume: (s, nowMs) => {
    if (s.status !== 'Paused') return NOOP;
    const sendAtAhead = s.sendAtMs !== null && s.sendAtMs > nowMs;
    return apply(hasStarted(s) || !sendAtAhead ? 'InProgress' : 'Created');
  },

  // Decision [C-6]: `complete` only from Paused. SPEC §4.1's table lists `Paused → Completed` as the
  // one transition `complete` makes, and its `InProgress → Completed` row is reached only by the
  // numbers finishing or `end_at` — Exotel documents complete as "Paused only" and says a running
  // campaign must be rejected. The "PUT complete answers 200 ... closing: true" line does not widen
  // this: a Paused campaign drains too, since its in-flight calls run to their end. To stop a running
  // campaign now, a client pauses it and then completes it; the 409 says so.
  complete: (s) => {
    if (s.status === 'Paused') return apply('Completed', true);
    if (s.status === 'InProgress') return refuse('pause it first, then complete it');
    return refuse();
  },

  // Completed → Archived only; a non-terminal campaign never reaches this rule's success.
  archive: () => refuse(),

  // SPEC §4.8: only a campaign that has not started (Created, or Paused before start).
  delete: (s) =>
    hasStarted(s)
      ? refuse('it has started, and only a campaign that has not started can be deleted')
      : apply('Deleted'),
};

function describeConflict(
  action: string,
  state: CampaignControlState,
  allowed: readonly string[],
  reason?: string,
): string {
  const where =
    state.closing && !isTerminal(state.status) ? `${state.status} and ending (a drain is under way)` : state.status;
  return (
    `action "${action}" is not allowed while the campaign is ${where}${reason ? `: ${reason}` : ''}; allowed: ` +
    `${allowed.length > 0 ? allowed.join(', ') : 'none'}`
  );
}

function decideRaw(state: CampaignControlState, action: ControlAction, nowMs: number) {
  // Terminal statuses allow nothing but Completed → Archived (SPEC §4.1 table, "Terminal: ...").
  if (isTerminal(state.status))
    return state.status === 'Completed' && action === 'archive' ? apply('Archived') : refuse();
  // "any further action during the drain → 409" — a repeat included.
  if (state.closing) return refuse();
  return RULES[action](state, nowMs);
}

/**
 * The actions that change something in `state` (what a 409 lists as allowed). Repeats, which answer
 * 200 without a change, are not listed. Independent of the clock: only resume's target depends on it.
 */
export function allowedActions(state: CampaignControlState): ControlAction[] {
  return CONTROL_ACTIONS.filter((a) => decideRaw(state, a, 0).kind === 'apply');
}

/**
 * SPEC §4.1: what `action` does to a campaign in `state` at `nowMs`: apply (with the status it leads
 * to), noop (a repeat), or conflict (409 naming the status and the allowed actions).
 */
export function decideAction(state: CampaignControlState, action: ControlAction, nowMs: number): ActionDecision {
  const d = decideRaw(state, action, nowMs);
  if (d.kind !== 'conflict') return d;
  const allowed = allowedActions(state);
  return {
    kind: 'conflict',
    description: describeConflict(action, state, allowed, 'reason' in d ? d.reason : undefined),
    allowed,
  };
}

/**
 * SPEC §4.7: the first of `changedFields` (wire names) that may not change in `state`, or null.
 * Before start every create field may change; after start only the callbacks, and while `Paused`
 * also `schedule`; during a drain only the callbacks; on a terminal status nothing (its rows never
 * change again). Fields are judged against the status before any action of the same request.
 */
export function checkFieldUpdate(state: CampaignControlState, changedFields: readonly string[]): FieldConflict | null {
  const known = new Set<string>(CAMPAIGN_FIELDS);
  let allowed: readonly string[];
  let why: string;
  if (isTerminal(state.status)) {
    allowed = [];
    why = `the campaign is ${state.status} and never changes again`;
  } else if (state.closing) {
    allowed = FIELDS_UPDATABLE_AFTER_START;
    why =
      `the campaign is ${state.status} and ending (a drain is under way); only ` +
      `${FIELDS_UPDATABLE_AFTER_START.join(', ')} may change`;
  } else if (!hasStarted(state)) {
    allowed = CAMPAIGN_FIELDS;
    why = 'it is not a campaign field';
  } else if (state.status === 'Paused') {
    allowed = FIELDS_UPDATABLE_WHILE_PAUSED;
    why = `the campaign has started; while it is Paused only ${FIELDS_UPDATABLE_WHILE_PAUSED.join(', ')} may change`;
  } else {
    allowed = FIELDS_UPDATABLE_AFTER_START;
    why =
      `the campaign has started and is ${state.status}; only ${FIELDS_UPDATABLE_AFTER_START.join(', ')} may ` +
      `change (and schedule while Paused)`;
  }
  for (const field of changedFields) {
    if (!allowed.includes(field) || !known.has(field))
      return { field, description: `${field} cannot be updated: ${why}` };
  }
  return null;
}
