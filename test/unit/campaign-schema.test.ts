import { describe, expect, it } from 'vitest';
import { parseCampaignBody } from '../../domain/campaign-input';
import { campaignCreateEnvelopeSchema, listCampaignsQuerySchema } from '../../domain/schemas/campaign';
import { callDetailsQuerySchema } from '../../domain/schemas/call-details';
import { firstIssue } from '../../domain/schemas/issues';

const base = { from: '+919876543210', caller_id: '08047112233', url: 'https://flows.example.com/926' };

function errorOf(body: unknown) {
  const r = parseCampaignBody(body);
  if (r.ok) throw new Error(`expected ${JSON.stringify(body)} to be rejected`);
  return r.error;
}

function bodyOf(body: unknown) {
  const r = parseCampaignBody(body);
  if (!r.ok) throw new Error(r.error.description);
  return r.body;
}

describe('§3 create body: each rule names the field and the value', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['requires caller_id', { caller_id: undefined }, 'caller_id', 'caller_id is required'],
    ['rejects an empty caller_id', { caller_id: '  ' }, 'caller_id', 'caller_id must not be empty; got ""'],
    [
      'rejects a caller_id over 32 characters',
      { caller_id: 'c'.repeat(33) },
      'caller_id',
      `caller_id must be at most 32 characters; got "${'c'.repeat(33)}"`,
    ],
    [
      'rejects a non-string caller_id',
      { caller_id: 8047112233 },
      'caller_id',
      'caller_id must be a string; got 8047112233',
    ],
    ['requires one of from or lists', { from: undefined }, 'from', 'one of from or lists is required'],
    ['rejects from and lists together', { lists: ['l1'] }, 'lists', 'give either from or lists, not both'],
    [
      'rejects from of the wrong type',
      { from: { a: 1 } },
      'from',
      'from must be a comma-separated string or an array of strings; got {"a":1}',
    ],
    ['rejects an empty from', { from: ' , ' }, 'from', 'from must list at least one number'],
    [
      'rejects more than 5,000 entries, counted before de-duplication',
      { from: Array(5001).fill('+919876543210') },
      'from',
      'from lists 5001 numbers; at most 5000 are allowed',
    ],
    [
      'rejects an unknown campaign_type',
      { campaign_type: 'weekly' },
      'campaign_type',
      'campaign_type must be "static" or "dynamic"; got "weekly"',
    ],
    [
      'rejects a dynamic campaign fed by from',
      { campaign_type: 'dynamic' },
      'campaign_type',
      'campaign_type "dynamic" takes exactly one dynamic list in lists, not from',
    ],
    [
      'requires a content source',
      { url: undefined },
      'url',
      'one of url (a flow) or read_via_text (a greeting) is required',
    ],
    [
      'rejects two content sources',
      { read_via_text: 'Hello' },
      'url',
      'give either url (a flow) or read_via_text (a greeting), not both',
    ],
    ['rejects a relative url', { url: '/flows/1' }, 'url', 'url must be an absolute http(s) URL; got "/flows/1"'],
    [
      'rejects a non-http url',
      { url: 'ftp://x.example/f' },
      'url',
      'url must be an absolute http(s) URL; got "ftp://x.example/f"',
    ],
    [
      'rejects an empty read_via_text',
      { url: undefined, read_via_text: '' },
      'read_via_text',
      'read_via_text must not be empty; got ""',
    ],
    [
      'rejects read_via_text over 2,000 characters',
      { url: undefined, read_via_text: 'x'.repeat(2001) },
      'read_via_text',
      expect.stringMatching(/^read_via_text must be at most 2000 characters; got "x+\.\.\.$/) as unknown as string,
    ],
    [
      'rejects flow_type ivr with a greeting',
      { url: undefined, read_via_text: 'Hi', flow_type: 'ivr' },
      'flow_type',
      'flow_type "ivr" needs url (a flow), not read_via_text',
    ],
    [
      'rejects flow_type greeting with a flow',
      { flow_type: 'greeting' },
      'flow_type',
      'flow_type "greeting" needs read_via_text, not url',
    ],
    [
      'rejects an unknown flow_type',
      { flow_type: 'menu' },
      'flow_type',
      'flow_type must be "ivr" or "greeting"; got "menu"',
    ],
    ['rejects a name under 3 characters', { name: 'ab' }, 'name', 'name must be at least 3 characters; got "ab"'],
    [
      'rejects a type other than trans',
      { type: 'promo' },
      'type',
      'type must be "trans" (only transactional campaigns are supported); got "promo"',
    ],
    [
      'rejects a non-boolean call_duplicate_numbers',
      { call_duplicate_numbers: 'yes' },
      'call_duplicate_numbers',
      'call_duplicate_numbers must be true or false; got "yes"',
    ],
    [
      'rejects more than 3 retries',
      { retries: { number_of_retries: 4, interval_mins: 5 } },
      'retries.number_of_retries',
      'retries.number_of_retries must be an integer from 0 to 3; got 4',
    ],
    [
      'requires interval_mins when retrying',
      { retries: { number_of_retries: 2 } },
      'retries.interval_mins',
      'retries.interval_mins is required when retries.number_of_retries is 2',
    ],
    [
      'rejects interval_mins of 0',
      { retries: { number_of_retries: 1, interval_mins: 0 } },
      'retries.interval_mins',
      'retries.interval_mins must be an integer from 1 to 1440; got 0',
    ],
    [
      'rejects interval_mins over a day',
      { retries: { number_of_retries: 1, interval_mins: 1441 } },
      'retries.interval_mins',
      'retries.interval_mins must be an integer from 1 to 1440; got 1441',
    ],
    [
      'rejects a fractional interval_mins',
      { retries: { number_of_retries: 1, interval_mins: 2.5 } },
      'retries.interval_mins',
      'retries.interval_mins must be an integer from 1 to 1440; got 2.5',
    ],
    [
      'rejects an unknown mechanism',
      { retries: { mechanism: 'Fibonacci' } },
      'retries.mechanism',
      'retries.mechanism must be "Linear" or "Exponential"; got "Fibonacci"',
    ],
    [
      'rejects an unknown on_status',
      { retries: { on_status: ['busy', 'completed'] } },
      'retries.on_status[2]',
      'retries.on_status[2] must be one of busy, no-answer, failed; got "completed"',
    ],
    [
      'rejects an empty on_status',
      { retries: { on_status: [] } },
      'retries.on_status',
      'retries.on_status must name at least one of busy, no-answer, failed; got []',
    ],
    [
      'rejects a send_at without offset',
      { schedule: { send_at: '2030-01-15T09:00:00' } },
      'schedule.send_at',
      'schedule.send_at must be an RFC 3339 time with an offset, e.g. 2024-01-15T09:00:00+05:30; got ' +
        '"2030-01-15T09:00:00"',
    ],
    [
      'rejects an impossible end_at date',
      { schedule: { end_at: '2030-02-30T09:00:00Z' } },
      'schedule.end_at',
      'schedule.end_at must be an RFC 3339 time with an offset, e.g. 2024-01-15T09:00:00+05:30; got ' +
        '"2030-02-30T09:00:00Z"',
    ],
    [
      'rejects a relative status_callback',
      { status_callback: 'hooks/status' },
      'status_callback',
      'status_callback must be an absolute http(s) URL; got "hooks/status"',
    ],
    [
      'rejects a non-http call_status_callback',
      { call_status_callback: 'mailto:a@b.c' },
      'call_status_callback',
      'call_status_callback must be an absolute http(s) URL; got "mailto:a@b.c"',
    ],
    [
      'rejects a non-http call_schedule_callback',
      { call_schedule_callback: 'javascript:alert(1)' },
      'call_schedule_callback',
      'call_schedule_callback must be an absolute http(s) URL; got "javascript:alert(1)"',
    ],
    ['rejects an unknown mode', { mode: 'turbo' }, 'mode', 'mode must be "auto" or "custom"; got "turbo"'],
    [
      'requires throttle with mode custom',
      { mode: 'custom' },
      'throttle',
      'throttle is required when mode is "custom"',
    ],
    [
      'rejects throttle with mode auto',
      { throttle: 10 },
      'throttle',
      'throttle 10 is only allowed with mode "custom"; mode is "auto"',
    ],
    [
      'rejects a throttle of 0',
      { mode: 'custom', throttle: 0 },
      'throttle',
      'throttle must be an integer from 1 to 1000000; got 0',
    ],
    [
      'rejects a custom_field string over 128 characters',
      { custom_field: 'x'.repeat(129) },
      'custom_field',
      expect.stringMatching(
        /^custom_field must be at most 128 characters \(as JSON text when not a string\); got "x+\.\.\.$/,
      ) as unknown as string,
    ],
    [
      'rejects a custom_field object whose JSON is over 128 characters',
      { custom_field: { note: 'y'.repeat(120) } },
      'custom_field',
      expect.stringMatching(/^custom_field must be at most 128 characters/) as unknown as string,
    ],
    [
      'rejects repeat_menu_attempts over 5',
      { repeat_menu_attempts: 6 },
      'repeat_menu_attempts',
      'repeat_menu_attempts must be an integer from 0 to 5; got 6',
    ],
    [
      'rejects repeat_menu_attempts without a flow',
      { url: undefined, read_via_text: 'Hi', repeat_menu_attempts: 1 },
      'repeat_menu_attempts',
      'repeat_menu_attempts 1 needs a flow (url); a greeting has no menu to repeat',
    ],
  ];

  it.each(cases)('%s', (_name, overrides, field, description) => {
    const error = errorOf({ ...base, ...overrides });
    expect(error).toEqual({ kind: 'invalid_parameter', field, description });
  });

  it.each([
    ['an empty lists', { lists: [] }, 'lists must name at least one list'],
    [
      'more than 5 static lists',
      { lists: ['a', 'b', 'c', 'd', 'e', 'f'] },
      'lists names 6 lists; a static campaign takes at most 5',
    ],
    [
      'a dynamic campaign with two lists',
      { campaign_type: 'dynamic', lists: ['a', 'b'] },
      'a dynamic campaign takes exactly one list; lists names 2',
    ],
  ])('rejects %s', (_name, overrides, description) => {
    expect(errorOf({ caller_id: 'c', url: 'https://x.example/f', ...overrides })).toEqual({
      kind: 'invalid_parameter',
      field: 'lists',
      description,
    });
  });

  it('accepts lists as an array or a comma string, de-duplicated in order', () => {
    expect(bodyOf({ caller_id: 'c', url: 'https://x.example/f', lists: ['l2', 'l1', 'l2'] }).lists).toEqual([
      'l2',
      'l1',
    ]);
    expect(bodyOf({ caller_id: 'c', url: 'https://x.example/f', lists: 'l1, l3' }).lists).toEqual(['l1', 'l3']);
  });

  it('rejects a body that is not an object', () => {
    expect(errorOf('hello').description).toBe('body must be a JSON object; got "hello"');
    expect(errorOf([1, 2]).description).toBe('body must be a JSON object; got [1,2]');
  });
});

describe('§3 create body: accepted forms', () => {
  it('splits a comma-separated from, trimming entries and skipping empty ones', () => {
    expect(bodyOf({ ...base, from: ' +919876543210, 09876543211 ,,' }).from).toEqual(['+919876543210', '09876543211']);
  });

  it('keeps an array from as given, numbers included', () => {
    expect(bodyOf({ ...base, from: ['+919876543210', 9876543211] }).from).toEqual(['+919876543210', '9876543211']);
  });

  it('accepts exactly 5,000 entries', () => {
    expect(bodyOf({ ...base, from: Array(5000).fill('+919876543210') }).from).toHaveLength(5000);
  });

  it('fills defaults: static, trans, auto, no duplicates, no menu repeats', () => {
    expect(bodyOf(base)).toMatchObject({
      campaign_type: 'static',
      type: 'trans',
      mode: 'auto',
      call_duplicate_numbers: false,
      repeat_menu_attempts: 0,
    });
  });

  it('accepts enum values in any case and numbers and booleans as strings', () => {
    const b = bodyOf({
      ...base,
      campaign_type: 'STATIC',
      type: 'Trans',
      mode: 'Custom',
      throttle: '12',
      call_duplicate_numbers: 'true',
      retries: { number_of_retries: '1', interval_mins: '5', mechanism: 'LINEAR' },
    });
    expect(b).toMatchObject({
      campaign_type: 'static',
      type: 'trans',
      mode: 'custom',
      throttle: 12,
      call_duplicate_numbers: true,
    });
    expect(b.retries).toMatchObject({ number_of_retries: 1, interval_mins: 5, mechanism: 'Linear' });
  });

  it('accepts failure and no_answer as spellings of failed and no-answer', () => {
    expect(
      bodyOf({ ...base, retries: { on_status: ['failure', 'no_answer', 'No-Answer', 'BUSY'] } }).retries?.on_status,
    ).toEqual(['failed', 'no-answer', 'no-answer', 'busy']);
  });

  it('treats top-level nulls as absent and ignores unknown fields', () => {
    const b = bodyOf({ ...base, lists: null, name: null, schedule: null, surprise: 'x' });
    expect(b.lists).toBeUndefined();
    expect(b).not.toHaveProperty('surprise');
  });

  it('accepts flow_type when it agrees with the content source', () => {
    expect(bodyOf({ ...base, flow_type: 'IVR' }).flow_type).toBe('ivr');
    expect(
      bodyOf({ ...base, url: undefined, read_via_text: 'Hello @@first_name', flow_type: 'greeting' }).flow_type,
    ).toBe('greeting');
  });

  it('accepts custom_field as a string or a small JSON value, as given', () => {
    expect(bodyOf({ ...base, custom_field: 'x'.repeat(128) }).custom_field).toHaveLength(128);
    expect(bodyOf({ ...base, custom_field: { order: 7 } }).custom_field).toEqual({ order: 7 });
  });
});

describe('§1 request bodies [C-1]', () => {
  it('treats a flat object as one item', () => {
    expect(campaignCreateEnvelopeSchema.parse(base)).toEqual({ bulk: false, items: [base] });
  });

  it('treats {"campaigns": [...]} as one item per element', () => {
    expect(campaignCreateEnvelopeSchema.parse({ campaigns: [base, { ...base, name: 'two' }] })).toEqual({
      bulk: true,
      items: [base, { ...base, name: 'two' }],
    });
  });

  it('rejects an empty or non-array campaigns', () => {
    for (const campaigns of [[], 'x', {}]) {
      const r = campaignCreateEnvelopeSchema.safeParse({ campaigns }, { reportInput: true });
      expect(r.success).toBe(false);
      if (!r.success) expect(firstIssue(r.error).description).toBe('campaigns must be a non-empty array of objects');
    }
  });
});

describe('§2 list query', () => {
  const parse = (q: Record<string, string>) => listCampaignsQuerySchema.parse(q);

  it('defaults to offset 0, limit 20, date_created:asc, no filters', () => {
    expect(parse({})).toEqual({ offset: 0, limit: 20, name: null, statuses: null, sortBy: 'date_created:asc' });
  });

  it('clamps a limit above 500 to 500', () => {
    expect(parse({ limit: '1000' }).limit).toBe(500);
  });

  it('turns page and page_size into offset and limit, and lets offset/limit win', () => {
    expect(parse({ page: '3', page_size: '10' })).toMatchObject({ offset: 20, limit: 10 });
    expect(parse({ page: '3', page_size: '10', offset: '5', limit: '2' })).toMatchObject({ offset: 5, limit: 2 });
    expect(parse({ page: '2' })).toMatchObject({ offset: 20, limit: 20 });
  });

  it('reads a status list in any casing and ignores - and _', () => {
    expect(parse({ status: 'in-progress, Created,PAUSED,in_progress' }).statuses).toEqual([
      'InProgress',
      'Created',
      'Paused',
    ]);
  });

  it('rejects an unknown status naming it', () => {
    const r = listCampaignsQuerySchema.safeParse({ status: 'Created,running' });
    expect(r.success).toBe(false);
    if (!r.success)
      expect(firstIssue(r.error).description).toBe(
        'status "running" is not a campaign status; use any of Created, InProgress, Paused, Completed, Failed, ' +
          'Canceled, Deleted, Archived',
      );
  });

  it('rejects limit 0 and a negative offset', () => {
    for (const q of [{ limit: '0' }, { offset: '-3' }, { limit: 'ten' }])
      expect(listCampaignsQuerySchema.safeParse(q).success).toBe(false);
  });
});

describe('§2 call-details query', () => {
  it('reads attempt statuses in any spelling, in-progress included', () => {
    expect(callDetailsQuerySchema.parse({ status: 'No_Answer,failure,IN-PROGRESS' })).toEqual({
      offset: 0,
      limit: 20,
      statuses: ['no-answer', 'failed', 'in-progress'],
      sortBy: 'date_created:asc',
    });
  });

  it('clamps limit to 500 and accepts date_created:desc', () => {
    expect(callDetailsQuerySchema.parse({ limit: '600', sort_by: 'date_created:desc' })).toMatchObject({
      limit: 500,
      sortBy: 'date_created:desc',
    });
  });
});
