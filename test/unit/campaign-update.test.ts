import { describe, expect, it } from 'vitest';
import { prepareCampaign, type AccountSettings, type CampaignDraft } from '../../domain/campaign-input';
import type { CampaignStatus } from '../../domain/campaign-status';
import { checkScheduleUpdate, parseAction, parseSingleBody } from '../../domain/campaign-put-body';
import {
  parseCampaignUpdate,
  sameJson,
  listsToCheck,
  throttleToCheck,
  type StoredCampaign,
} from '../../domain/campaign-update';

const NOW = new Date('2025-03-10T10:00:00Z');
const ACCOUNT: AccountSettings = {
  sid: 'acme',
  timezone: 'Asia/Kolkata',
  defaultRegion: 'IN',
  callerIds: null,
  callsPerMinute: 60,
};
const TOMORROW = '2025-03-11T09:00:00+05:30';
const TOMORROW_EVENING = '2025-03-11T18:00:00+05:30';

function draft(overrides: Record<string, unknown> = {}): CampaignDraft {
  const r = prepareCampaign(
    {
      name: 'Spring reminders',
      from: ['+919876543210', '09876543211'],
      caller_id: '08047112233',
      url: 'https://flows.example.com/start_voice/926',
      ...overrides,
    },
    ACCOUNT,
    NOW,
  );
  if (!r.ok) throw new Error(r.error.description);
  return r.draft;
}

function stored(
  status: CampaignStatus,
  opts: { started?: boolean; closing?: boolean; fields?: Record<string, unknown> } = {},
): StoredCampaign {
  const fields = draft(opts.fields);
  return {
    fields,
    state: {
      status,
      started: opts.started ?? false,
      sendAtMs: fields.sendAt?.getTime() ?? null,
      closing: opts.closing ?? false,
    },
  };
}

function update(item: Record<string, unknown>, s: StoredCampaign = stored('Created'), now = NOW) {
  const r = parseCampaignUpdate(item, s, ACCOUNT, now);
  if (!r.ok) throw new Error(`expected success, got ${r.error.kind}: ${r.error.description}`);
  return r.update;
}

function failure(item: Record<string, unknown>, s: StoredCampaign = stored('Created'), now = NOW) {
  const r = parseCampaignUpdate(item, s, ACCOUNT, now);
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.update)}`);
  return r.error;
}

/** The campaign object as GET shows it (SPEC §4.9), for whole-object PUTs. */
function asGetShowsIt(s: StoredCampaign): Record<string, unknown> {
  const f = s.fields;
  return {
    id: '0123456789abcdef0123456789abcdef',
    account_sid: 'acme',
    name: f.name,
    type: 'trans',
    caller_id: f.callerId,
    campaign_type: f.campaignType,
    from: f.numbers,
    lists: null,
    flow_type: f.flowType,
    url: f.url,
    read_via_text: f.readViaText,
    repeat_menu_attempts: f.repeatMenuAttempts,
    retries: f.retries,
    schedule: { send_at: f.sendAt ? '2025-03-11T09:00:00+05:30' : null, end_at: null },
    call_status_callback: f.callStatusCallback,
    call_schedule_callback: f.callScheduleCallback,
    status_callback: f.statusCallback,
    mode: f.mode,
    throttle: f.throttle,
    custom_field: f.customField,
    call_duplicate_numbers: f.callDuplicateNumbers,
    status: s.state.status,
    date_created: '2025-03-10T15:30:00+05:30',
    date_updated: '2025-03-10T15:30:00+05:30',
    date_started: null,
    date_ended: null,
    uri: '/v2/accounts/acme/campaigns/0123456789abcdef0123456789abcdef',
    stats: { created: 2, pending: 2 },
    closing: true,
  };
}

describe('§1 a PUT/DELETE body on one resource [C-1]', () => {
  it('takes a flat object as one flat item', () => {
    expect(parseSingleBody({ action: 'pause' })).toEqual({ ok: true, bulk: false, item: { action: 'pause' } });
  });

  it('takes the bulk form with exactly one element', () => {
    expect(parseSingleBody({ campaigns: [{ action: 'pause' }] })).toEqual({
      ok: true,
      bulk: true,
      item: { action: 'pause' },
    });
  });

  it('refuses a bulk body of two elements, saying how many it got', () => {
    const r = parseSingleBody({ campaigns: [{}, {}] });
    expect(r).toMatchObject({ ok: false, error: { kind: 'invalid_parameter', field: 'campaigns' } });
    expect(!r.ok && r.error.description).toBe(
      'campaigns must be an array of exactly one element on an update of one resource; got 2 elements',
    );
  });

  it.each([[{ campaigns: [] }], [{ campaigns: 'x' }], [{ campaigns: [5] }], [[{ action: 'pause' }]], ['pause']])(
    'refuses %j',
    (body) => {
      expect(parseSingleBody(body).ok).toBe(false);
    },
  );
});

describe('§4.1 action', () => {
  it.each([
    ['pause', 'pause'],
    ['PAUSE', 'pause'],
    [' Resume ', 'resume'],
    ['Complete', 'complete'],
    ['archive', 'archive'],
    [undefined, null],
    [null, null],
    ['', null],
  ])('reads %j as %j', (value, action) => {
    expect(parseAction(value)).toEqual({ ok: true, action });
  });

  it('refuses an unknown action naming the value', () => {
    expect(parseAction('stop')).toEqual({
      ok: false,
      error: {
        kind: 'unknown_action',
        field: 'action',
        description: 'action "stop" is not one of pause, resume, complete, archive',
      },
    });
  });

  it('points a PUT delete to the DELETE verb', () => {
    const r = parseAction('delete');
    expect(!r.ok && r.error.description).toMatch(/to delete a campaign send DELETE/);
  });

  it('refuses a non-string action naming the value', () => {
    const r = parseAction(3);
    expect(!r.ok && r.error.description).toBe('action 3 is not one of pause, resume, complete, archive');
  });

  it('reports the action with the changes', () => {
    expect(update({ action: 'pause', name: 'Renamed campaign' })).toMatchObject({
      action: 'pause',
      changedFields: ['name'],
    });
  });
});

describe('§4.7 before start: every create field, with the create rules', () => {
  it('reports a renamed campaign as a change to name only', () => {
    expect(update({ name: 'Renamed campaign' })).toEqual({
      action: null,
      changedFields: ['name'],
      patch: { name: 'Renamed campaign' },
    });
  });

  it('replaces the numbers with from, normalised to E.164 and de-duplicated', () => {
    expect(update({ from: '9876543212, +919876543212, 09876543213' })).toEqual({
      action: null,
      changedFields: ['from'],
      patch: { from: ['+919876543212', '+919876543213'] },
    });
  });

  it('does not count the same numbers written another way as a change', () => {
    expect(update({ from: ['9876543210', '+91 98765 43211'] }).changedFields).toEqual([]);
  });

  it('fails on the first invalid number, naming it and its position', () => {
    expect(failure({ from: ['+919876543210', '12'] })).toMatchObject({ kind: 'invalid_number', field: 'from[2]' });
  });

  it('re-applies de-duplication when call_duplicate_numbers turns false', () => {
    const s = stored('Created', { fields: { from: ['+919876543210', '09876543210'], call_duplicate_numbers: true } });
    expect(update({ call_duplicate_numbers: false }, s)).toEqual({
      action: null,
      changedFields: ['from', 'call_duplicate_numbers'],
      patch: { from: ['+919876543210'], callDuplicateNumbers: false },
    });
  });

  it('merges a partial retries object into the stored one, canonical', () => {
    const s = stored('Created', { fields: { retries: { number_of_retries: 2, interval_mins: 10 } } });
    expect(update({ retries: { mechanism: 'exponential' } }, s)).toEqual({
      action: null,
      changedFields: ['retries'],
      patch: {
        retries: {
          number_of_retries: 2,
          interval_mins: 10,
          mechanism: 'Exponential',
          on_status: ['busy', 'no-answer', 'failed'],
        },
      },
    });
  });

  it('does not count retries written in other spellings as a change', () => {
    const s = stored('Created', { fields: { retries: { number_of_retries: 1, interval_mins: 5 } } });
    expect(
      update(
        { retries: { number_of_retries: '1', mechanism: 'LINEAR', on_status: ['no_answer', 'failure', 'busy'] } },
        s,
      ).changedFields,
    ).toEqual([]);
  });

  it('refuses retries that break a create rule, naming the field', () => {
    expect(failure({ retries: { number_of_retries: 2 } })).toMatchObject({
      kind: 'invalid_parameter',
      field: 'retries.interval_mins',
      description: 'retries.interval_mins is required when retries.number_of_retries is 2',
    });
  });

  it('refuses a bad value naming the field and the value', () => {
    expect(failure({ name: 'ab' })).toEqual({
      kind: 'invalid_parameter',
      field: 'name',
      description: 'name must be at least 3 characters; got "ab"',
    });
    expect(failure({ status_callback: 'ftp://x' })).toMatchObject({
      field: 'status_callback',
      description: 'status_callback must be an absolute http(s) URL; got "ftp://x"',
    });
  });

  it('switches a flow campaign to a greeting when read_via_text is given', () => {
    expect(update({ read_via_text: 'Your parcel arrives today' })).toEqual({
      action: null,
      changedFields: ['flow_type', 'url', 'read_via_text'],
      patch: { flowType: 'greeting', url: null, readViaText: 'Your parcel arrives today' },
    });
  });

  it('switches to mode custom with a throttle, and back to auto dropping it', () => {
    const custom = update({ mode: 'custom', throttle: 10 });
    expect(custom).toMatchObject({ changedFields: ['mode', 'throttle'], patch: { mode: 'custom', throttle: 10 } });
    const s = stored('Created', { fields: { mode: 'custom', throttle: 10 } });
    expect(update({ mode: 'auto' }, s)).toMatchObject({
      changedFields: ['mode', 'throttle'],
      patch: { mode: 'auto', throttle: null },
    });
  });

  it('refuses mode custom without a throttle', () => {
    expect(failure({ mode: 'custom' })).toMatchObject({ field: 'throttle' });
  });

  it('replaces from with lists, reporting both and patching the lists', () => {
    expect(update({ lists: 'list_a, list_b,list_a' })).toEqual({
      action: null,
      changedFields: ['from', 'lists'],
      patch: { lists: ['list_a', 'list_b'] },
    });
  });

  it('replaces lists with from', () => {
    const s = stored('Created', { fields: { from: undefined, lists: ['list_a'] } });
    expect(update({ from: ['+919876543210'] }, s)).toEqual({
      action: null,
      changedFields: ['from', 'lists'],
      patch: { from: ['+919876543210'] },
    });
  });

  it('refuses lists and from together, as create does', () => {
    expect(failure({ lists: ['list_a'], from: ['+919876543210'] })).toMatchObject({
      field: 'lists',
      description: 'give either from or lists, not both',
    });
  });

  it('refuses a caller id the account has not registered', () => {
    const r = parseCampaignUpdate(
      { caller_id: '0800' },
      stored('Created'),
      { ...ACCOUNT, callerIds: ['08047112233'] },
      NOW,
    );
    expect(!r.ok && r.error.kind).toBe('caller_id_not_allowed');
  });

  it('ignores read-only and unknown fields', () => {
    expect(
      update({
        id: 'x',
        account_sid: 'y',
        status: 'Completed',
        stats: {},
        date_created: 'z',
        uri: '/u',
        closing: true,
        colour: 'red',
      }).changedFields,
    ).toEqual([]);
  });

  it('accepts the whole object as GET shows it, changing nothing', () => {
    const s = stored('Created', { fields: { schedule: { send_at: TOMORROW }, custom_field: { b: 1, a: [1, 2] } } });
    expect(update(asGetShowsIt(s), s)).toEqual({ action: null, changedFields: [], patch: {} });
  });
});

describe('§4.7 null clears end_at, custom_field and callbacks; elsewhere it means "not given"', () => {
  const s = stored('Created', {
    fields: {
      schedule: { send_at: TOMORROW, end_at: TOMORROW_EVENING },
      custom_field: 'ref-42',
      call_status_callback: 'https://hooks.example.com/calls',
      call_schedule_callback: 'https://hooks.example.com/numbers',
      status_callback: 'https://hooks.example.com/campaigns',
    },
  });

  it('clears each clearable field', () => {
    expect(
      update(
        {
          custom_field: null,
          call_status_callback: null,
          call_schedule_callback: null,
          status_callback: null,
          schedule: { end_at: null },
        },
        s,
      ),
    ).toEqual({
      action: null,
      changedFields: ['schedule', 'call_status_callback', 'call_schedule_callback', 'status_callback', 'custom_field'],
      patch: {
        endAtMs: null,
        callStatusCallback: null,
        callScheduleCallback: null,
        statusCallback: null,
        customField: null,
      },
    });
  });

  it('keeps a field given as null when it cannot be cleared', () => {
    expect(
      update({ name: null, url: null, retries: null, schedule: { send_at: null }, throttle: null, lists: null }, s)
        .changedFields,
    ).toEqual([]);
  });

  it('counts clearing an already empty field as no change', () => {
    expect(update({ custom_field: null, schedule: { end_at: null } }).changedFields).toEqual([]);
  });
});

describe('§3/§4.7 schedule on update', () => {
  it('moves send_at and reports it in epoch milliseconds', () => {
    expect(update({ schedule: { send_at: TOMORROW } })).toEqual({
      action: null,
      changedFields: ['schedule'],
      patch: { sendAtMs: Date.parse(TOMORROW) },
    });
  });

  it('does not count the same instant in another offset as a change', () => {
    const s = stored('Created', { fields: { schedule: { send_at: TOMORROW } } });
    expect(update({ schedule: { send_at: '2025-03-11T03:30:00Z' } }, s).changedFields).toEqual([]);
  });

  it('refuses a new send_at in the past as create does', () => {
    expect(failure({ schedule: { send_at: '2025-03-10T09:00:00Z' } })).toEqual({
      kind: 'invalid_parameter',
      field: 'schedule.send_at',
      description: 'schedule.send_at 2025-03-10T09:00:00Z is in the past',
    });
  });

  it('keeps an unchanged send_at that has passed while the campaign was paused before start', () => {
    const s = stored('Paused', { fields: { schedule: { send_at: TOMORROW } } });
    const later = new Date(Date.parse(TOMORROW) + 3_600_000);
    expect(update({ name: 'Renamed campaign', schedule: { send_at: TOMORROW } }, s, later).changedFields).toEqual([
      'name',
    ]);
  });

  it('refuses an end_at before the send_at', () => {
    expect(failure({ schedule: { send_at: TOMORROW_EVENING, end_at: TOMORROW } })).toMatchObject({
      field: 'schedule.end_at',
    });
  });

  it('refuses a new send_at after the stored end_at', () => {
    const s = stored('Created', { fields: { schedule: { end_at: TOMORROW } } });
    expect(failure({ schedule: { send_at: TOMORROW_EVENING } }, s).description).toMatch(
      /^schedule.end_at .* must be after schedule.send_at 2025-03-11T18:00:00\+05:30$/,
    );
  });

  it('refuses a timestamp without an offset, naming field and value', () => {
    expect(failure({ schedule: { end_at: '2025-03-11 18:00' } })).toEqual({
      kind: 'invalid_parameter',
      field: 'schedule.end_at',
      description:
        'schedule.end_at must be an RFC 3339 time with an offset, e.g. 2024-01-15T09:00:00+05:30; ' +
        'got "2025-03-11 18:00"',
    });
  });

  it('refuses a schedule that is not an object', () => {
    expect(checkScheduleUpdate({ sendAt: null, endAt: null }, 'tomorrow', NOW)).toMatchObject({
      ok: false,
      error: { field: 'schedule' },
    });
  });
});

describe('§4.7 after start: only callbacks, and schedule while Paused, are validated', () => {
  const running = () => stored('InProgress', { started: true });

  it('changes the callbacks', () => {
    expect(
      update(
        { status_callback: 'https://hooks.example.com/s', call_status_callback: 'https://hooks.example.com/c' },
        running(),
      ),
    ).toEqual({
      action: null,
      changedFields: ['call_status_callback', 'status_callback'],
      patch: { callStatusCallback: 'https://hooks.example.com/c', statusCallback: 'https://hooks.example.com/s' },
    });
  });

  it('refuses a bad callback naming field and value', () => {
    expect(failure({ call_schedule_callback: 'not a url' }, running())).toEqual({
      kind: 'invalid_parameter',
      field: 'call_schedule_callback',
      description: 'call_schedule_callback must be an absolute http(s) URL; got "not a url"',
    });
  });

  it('reports another changed field without validating it or putting it in the patch', () => {
    expect(update({ name: 'ab' }, running())).toEqual({ action: null, changedFields: ['name'], patch: {} });
    expect(update({ from: ['+919876543299'], retries: { number_of_retries: 9 } }, running())).toEqual({
      action: null,
      changedFields: ['from', 'retries'],
      patch: {},
    });
  });

  it('accepts the whole object as GET shows it with a new status_callback', () => {
    const s = stored('InProgress', {
      started: true,
      fields: { schedule: { send_at: TOMORROW }, retries: { number_of_retries: 1, interval_mins: 3 } },
    });
    const body = { ...asGetShowsIt(s), status_callback: 'https://hooks.example.com/s', action: 'pause' };
    expect(update(body, s, new Date(Date.parse(TOMORROW) + 60_000))).toEqual({
      action: 'pause',
      changedFields: ['status_callback'],
      patch: { statusCallback: 'https://hooks.example.com/s' },
    });
  });

  it('rolls a paused campaign to another day', () => {
    const s = stored('Paused', { started: true, fields: { schedule: { end_at: TOMORROW } } });
    expect(update({ schedule: { send_at: TOMORROW, end_at: TOMORROW_EVENING }, action: 'resume' }, s)).toEqual({
      action: 'resume',
      changedFields: ['schedule'],
      patch: { sendAtMs: Date.parse(TOMORROW), endAtMs: Date.parse(TOMORROW_EVENING) },
    });
  });

  it('refuses a new end_at that is not in the future', () => {
    const s = stored('Paused', { started: true });
    expect(failure({ schedule: { end_at: '2025-03-10T09:59:00Z' } }, s)).toEqual({
      kind: 'invalid_parameter',
      field: 'schedule.end_at',
      description: 'schedule.end_at 2025-03-10T09:59:00Z is not in the future',
    });
  });

  it('uses the same rules on a terminal or draining campaign', () => {
    expect(update({ name: 'Renamed campaign' }, stored('Completed', { started: true })).changedFields).toEqual([
      'name',
    ]);
    expect(update({ name: 'Renamed campaign' }, stored('Paused', { closing: true })).patch).toEqual({});
  });
});

describe('§3 throttle headroom is checked on update when mode or throttle changes', () => {
  it('asks for a check when the campaign becomes custom', () => {
    const s = stored('Created');
    expect(throttleToCheck(update({ mode: 'custom', throttle: 12 }, s), s)).toBe(12);
  });

  it('asks for no check when nothing about the throttle changes, or it becomes auto', () => {
    const s = stored('Created', { fields: { mode: 'custom', throttle: 10 } });
    expect(throttleToCheck(update({ name: 'Renamed campaign' }, s), s)).toBeNull();
    expect(throttleToCheck(update({ mode: 'auto' }, s), s)).toBeNull();
    expect(throttleToCheck(update({ throttle: 20 }, s), s)).toBe(20);
  });
});

describe('§3 list rules on update need the lists checked', () => {
  it('asks for a check of new lists', () => {
    const s = stored('Created');
    expect(listsToCheck(update({ lists: ['list_a'] }, s), s)).toEqual({
      lists: ['list_a'],
      campaignType: 'static',
      readViaText: null,
    });
  });

  it('asks for a check when a list campaign changes its greeting', () => {
    const s = stored('Created', { fields: { from: undefined, lists: ['list_a'] } });
    expect(listsToCheck(update({ read_via_text: 'Hello @@first_name' }, s), s)).toEqual({
      lists: ['list_a'],
      campaignType: 'static',
      readViaText: 'Hello @@first_name',
    });
  });

  it('asks for none when the lists are untouched or replaced by from', () => {
    const s = stored('Created', { fields: { from: undefined, lists: ['list_a'] } });
    expect(listsToCheck(update({ name: 'Renamed campaign' }, s), s)).toBeNull();
    expect(listsToCheck(update({ from: ['+919876543210'], read_via_text: 'Hi' }, s), s)).toBeNull();
  });
});

describe('sameJson', () => {
  it('ignores object key order but not array order', () => {
    expect(sameJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson('1', 1)).toBe(false);
    expect(sameJson(null, {})).toBe(false);
  });
});
