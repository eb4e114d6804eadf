import { describe, expect, it } from 'vitest';
import { CAMPAIGN_STATUSES, type CampaignStatus } from '../../domain/campaign-status';
import {
  allowedActions,
  CAMPAIGN_FIELDS,
  checkFieldUpdate,
  CONTROL_ACTIONS,
  decideAction,
  type CampaignControlState,
  type ControlAction,
} from '../../domain/campaign-transitions';

const NOW = Date.parse('2025-03-10T10:00:00Z');
const AHEAD = NOW + 3_600_000;
const PASSED = NOW - 3_600_000;

const state = (
  status: CampaignStatus,
  started: boolean,
  extra: Partial<CampaignControlState> = {},
): CampaignControlState => ({
  status,
  started,
  sendAtMs: null,
  closing: false,
  ...extra,
});

type Expected = CampaignStatus | 'noop' | 'conflict';

/**
 * The whole table: every status × action × started (send_at ahead, not closing). `InProgress` is
 * always started; `Created` never is, but the table still says what happens if a caller claims so.
 */
const TABLE: Record<CampaignStatus, Record<'notStarted' | 'started', Record<ControlAction, Expected>>> = {
  Created: {
    notStarted: { pause: 'Paused', resume: 'noop', complete: 'conflict', archive: 'conflict', delete: 'Deleted' },
    started: { pause: 'Paused', resume: 'noop', complete: 'conflict', archive: 'conflict', delete: 'conflict' },
  },
  InProgress: {
    notStarted: { pause: 'Paused', resume: 'noop', complete: 'conflict', archive: 'conflict', delete: 'conflict' },
    started: { pause: 'Paused', resume: 'noop', complete: 'conflict', archive: 'conflict', delete: 'conflict' },
  },
  Paused: {
    notStarted: { pause: 'noop', resume: 'Created', complete: 'Completed', archive: 'conflict', delete: 'Deleted' },
    started: { pause: 'noop', resume: 'InProgress', complete: 'Completed', archive: 'conflict', delete: 'conflict' },
  },
  Completed: {
    notStarted: {
      pause: 'conflict',
      resume: 'conflict',
      complete: 'conflict',
      archive: 'Archived',
      delete: 'conflict',
    },
    started: { pause: 'conflict', resume: 'conflict', complete: 'conflict', archive: 'Archived', delete: 'conflict' },
  },
  Failed: {
    notStarted: {
      pause: 'conflict',
      resume: 'conflict',
      complete: 'conflict',
      archive: 'conflict',
      delete: 'conflict',
    },
    started: { pause: 'conflict', resume: 'conflict', complete: 'conflict', archive: 'conflict', delete: 'conflict' },
  },
  Canceled: {
    notStarted: {
      pause: 'conflict',
      resume: 'conflict',
      complete: 'conflict',
      archive: 'conflict',
      delete: 'conflict',
    },
    started: { pause: 'conflict', resume: 'conflict', complete: 'conflict', archive: 'conflict', delete: 'conflict' },
  },
  Deleted: {
    notStarted: {
      pause: 'conflict',
      resume: 'conflict',
      complete: 'conflict',
      archive: 'conflict',
      delete: 'conflict',
    },
    started: { pause: 'conflict', resume: 'conflict', complete: 'conflict', archive: 'conflict', delete: 'conflict' },
  },
  Archived: {
    notStarted: {
      pause: 'conflict',
      resume: 'conflict',
      complete: 'conflict',
      archive: 'conflict',
      delete: 'conflict',
    },
    started: { pause: 'conflict', resume: 'conflict', complete: 'conflict', archive: 'conflict', delete: 'conflict' },
  },
};

const cases = CAMPAIGN_STATUSES.flatMap((status) =>
  (['notStarted', 'started'] as const).flatMap((s) =>
    CONTROL_ACTIONS.map((action) => [status, s, action, TABLE[status][s][action]] as const),
  ),
);

function outcome(s: CampaignControlState, action: ControlAction, now = NOW): Expected {
  const d = decideAction(s, action, now);
  return d.kind === 'apply' ? d.next : d.kind;
}

describe('§4.1 states: every status × action × started', () => {
  it.each(cases)('%s (%s) + %s → %s', (status, s, action, expected) => {
    expect(outcome(state(status, s === 'started', { sendAtMs: AHEAD }), action)).toBe(expected);
  });

  it('covers every status and every action', () => {
    expect(cases).toHaveLength(CAMPAIGN_STATUSES.length * 2 * CONTROL_ACTIONS.length);
  });
});

describe('§4.1 resume of a Paused campaign', () => {
  it('goes back to Created when it has not started and send_at is still ahead', () => {
    expect(outcome(state('Paused', false, { sendAtMs: AHEAD }), 'resume')).toBe('Created');
  });

  it('goes to InProgress when it has not started but send_at has passed', () => {
    expect(outcome(state('Paused', false, { sendAtMs: PASSED }), 'resume')).toBe('InProgress');
  });

  it('goes to InProgress when it has no send_at (start now)', () => {
    expect(outcome(state('Paused', false, { sendAtMs: null }), 'resume')).toBe('InProgress');
  });

  it('goes to InProgress on a started campaign even with a send_at ahead (a rolled schedule)', () => {
    expect(outcome(state('Paused', true, { sendAtMs: AHEAD }), 'resume')).toBe('InProgress');
  });

  it('treats send_at exactly now as passed', () => {
    expect(outcome(state('Paused', false, { sendAtMs: NOW }), 'resume', NOW)).toBe('InProgress');
  });
});

describe('§4.1 "Ending is a drain"', () => {
  it('marks complete as a drain that ends Completed', () => {
    expect(decideAction(state('Paused', true), 'complete', NOW)).toEqual({
      kind: 'apply',
      next: 'Completed',
      drain: true,
    });
  });

  it('does not mark other transitions as drains', () => {
    expect(decideAction(state('InProgress', true), 'pause', NOW)).toEqual({
      kind: 'apply',
      next: 'Paused',
      drain: false,
    });
  });

  it.each(['InProgress', 'Paused', 'Created'] as const)(
    'refuses every action while %s and closing, a repeat included',
    (status) => {
      for (const action of CONTROL_ACTIONS) {
        const d = decideAction(state(status, status !== 'Created', { closing: true }), action, NOW);
        expect(d.kind, `${status} closing + ${action}`).toBe('conflict');
      }
    },
  );

  it('names the drain and allows nothing while closing', () => {
    const d = decideAction(state('Paused', true, { closing: true }), 'pause', NOW);
    expect(d).toEqual({
      kind: 'conflict',
      description:
        'action "pause" is not allowed while the campaign is Paused and ending (a drain is under way); allowed: none',
      allowed: [],
    });
  });
});

describe('§4.1 conflicts name the status and the allowed actions', () => {
  it('rejects resume on a Completed campaign naming archive', () => {
    const d = decideAction(state('Completed', true), 'resume', NOW);
    expect(d).toEqual({
      kind: 'conflict',
      description: 'action "resume" is not allowed while the campaign is Completed; allowed: archive',
      allowed: ['archive'],
    });
  });

  it('rejects complete on a running campaign and says to pause first [C-6]', () => {
    const d = decideAction(state('InProgress', true), 'complete', NOW);
    expect(d).toMatchObject({ kind: 'conflict', allowed: ['pause'] });
    expect(d.kind === 'conflict' && d.description).toBe(
      'action "complete" is not allowed while the campaign is InProgress: pause it first, then complete it; ' +
        'allowed: pause',
    );
  });

  it('rejects delete after start, explaining why', () => {
    const d = decideAction(state('Paused', true), 'delete', NOW);
    expect(d.kind === 'conflict' && d.description).toBe(
      'action "delete" is not allowed while the campaign is Paused: it has started, and only a campaign that has ' +
        'not started can be deleted; allowed: resume, complete',
    );
  });

  it('rejects archive on a non-Completed campaign', () => {
    expect(decideAction(state('Created', false), 'archive', NOW)).toMatchObject({
      kind: 'conflict',
      description: 'action "archive" is not allowed while the campaign is Created; allowed: pause, delete',
    });
  });

  it('says "allowed: none" on a terminal status other than Completed', () => {
    const d = decideAction(state('Archived', true), 'archive', NOW);
    expect(d).toEqual({
      kind: 'conflict',
      description: 'action "archive" is not allowed while the campaign is Archived; allowed: none',
      allowed: [],
    });
  });
});

describe('§4.1 allowedActions', () => {
  it.each([
    [state('Created', false), ['pause', 'delete']],
    [state('InProgress', true), ['pause']],
    [state('Paused', false), ['resume', 'complete', 'delete']],
    [state('Paused', true), ['resume', 'complete']],
    [state('Paused', true, { closing: true }), []],
    [state('Completed', true), ['archive']],
    [state('Failed', true), []],
    [state('Canceled', true), []],
    [state('Deleted', false), []],
    [state('Archived', true), []],
  ] as const)('%j allows %j', (s, allowed) => {
    expect(allowedActions(s)).toEqual(allowed);
  });

  it('lists exactly the actions that apply (never a repeat)', () => {
    for (const status of CAMPAIGN_STATUSES) {
      for (const started of [false, true]) {
        const s = state(status, started);
        expect(allowedActions(s)).toEqual(CONTROL_ACTIONS.filter((a) => decideAction(s, a, NOW).kind === 'apply'));
      }
    }
  });
});

describe('§4.7 which fields may change', () => {
  it('lets every create field change before start (Created, and Paused before start)', () => {
    expect(checkFieldUpdate(state('Created', false), [...CAMPAIGN_FIELDS])).toBeNull();
    expect(checkFieldUpdate(state('Paused', false), [...CAMPAIGN_FIELDS])).toBeNull();
  });

  it('lets only the callbacks change on a running campaign', () => {
    const s = state('InProgress', true);
    expect(checkFieldUpdate(s, ['status_callback', 'call_status_callback', 'call_schedule_callback'])).toBeNull();
    expect(checkFieldUpdate(s, ['schedule'])).toEqual({
      field: 'schedule',
      description:
        'schedule cannot be updated: the campaign has started and is InProgress; only status_callback, ' +
        'call_status_callback, call_schedule_callback may change (and schedule while Paused)',
    });
  });

  it('lets schedule change too while Paused after start (rolling a campaign to another day)', () => {
    expect(checkFieldUpdate(state('Paused', true), ['schedule', 'status_callback'])).toBeNull();
  });

  it.each(
    CAMPAIGN_FIELDS.filter(
      (f) => !['status_callback', 'call_status_callback', 'call_schedule_callback', 'schedule'].includes(f),
    ),
  )('refuses %s after start, naming it', (field) => {
    expect(checkFieldUpdate(state('Paused', true), ['status_callback', field])).toMatchObject({ field });
    expect(checkFieldUpdate(state('InProgress', true), [field])?.description).toMatch(
      new RegExp(`^${field} cannot be updated: the campaign has started`),
    );
  });

  it('lets only the callbacks change during a drain, even before start', () => {
    const s = state('Paused', false, { closing: true });
    expect(checkFieldUpdate(s, ['call_status_callback'])).toBeNull();
    expect(checkFieldUpdate(s, ['schedule'])?.description).toBe(
      'schedule cannot be updated: the campaign is Paused and ending (a drain is under way); only status_callback, ' +
        'call_status_callback, call_schedule_callback may change',
    );
  });

  it.each(['Completed', 'Failed', 'Canceled', 'Deleted', 'Archived'] as const)(
    'refuses every field on a %s campaign',
    (status) => {
      expect(checkFieldUpdate(state(status, true), ['status_callback'])).toEqual({
        field: 'status_callback',
        description: `status_callback cannot be updated: the campaign is ${status} and never changes again`,
      });
    },
  );

  it('names the first refused field, in the order given', () => {
    expect(checkFieldUpdate(state('InProgress', true), ['call_status_callback', 'from', 'name'])?.field).toBe('from');
  });

  it('accepts an empty change list in any state', () => {
    for (const status of CAMPAIGN_STATUSES) expect(checkFieldUpdate(state(status, true), [])).toBeNull();
  });

  it('refuses a name that is not a campaign field', () => {
    expect(checkFieldUpdate(state('Created', false), ['stats'])).toEqual({
      field: 'stats',
      description: 'stats cannot be updated: it is not a campaign field',
    });
  });
});
