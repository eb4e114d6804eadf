import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import type { TestDatabase } from '../support/db';
import { aCampaignRequest, call, fakeEngine, testDeps, type App, type Json, type TestAccount } from '../support/api';
import {
  campaignSnapshot,
  setCampaignState,
  workflowLikeEngine,
  type WorkflowLikeEngine,
} from '../support/campaign-control';
import { controlOnFreshDatabase } from '../support/controlled-app';

let database: TestDatabase;
let engine: WorkflowLikeEngine;
let app: App;
let acct: TestAccount;
let other: TestAccount;

const script = controlOnFreshDatabase((t) => ({ database, engine, app, acct, other } = t), {
  account: { calls_per_minute: 30 },
});

const base = (a: TestAccount = acct) => `/v2/accounts/${a.sid}/campaigns`;
const one = (id: string, a: TestAccount = acct) => `${base(a)}/${id}`;

async function createCampaign(overrides: Record<string, unknown> = {}, a: TestAccount = acct): Promise<Json> {
  const res = await call(app, a, 'POST', base(a), aCampaignRequest(overrides));
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.response[0].data;
}

/** Asserts the flat failure envelope and returns its error_data. */
function expectFailure(res: { status: number; json: Json }, http: number, code: number) {
  expect(res.status, JSON.stringify(res.json)).toBe(http);
  expect(res.json.http_code).toBe(http);
  expect(res.json.request_id).toMatch(/^[0-9a-f]{32}$/);
  expect(res.json.response).toHaveLength(1);
  expect(res.json.response[0]).toMatchObject({ code: http, status: 'failure', error_data: { code } });
  return res.json.response[0].error_data as { code: number; message: string; description: string };
}

const controlsFor = (id: string) => engine.controls.filter((c) => c.campaignId === id);

/**
 * Sends `body` to a fresh campaign (put in `state` first) and checks that nothing changed: the row,
 * its numbers, and — unless `engineAsked` — that the workflow was not asked at all.
 */
async function rejected(
  body: unknown,
  opts: {
    state?: Parameters<typeof setCampaignState>[2];
    engineAsked?: boolean;
    create?: Record<string, unknown>;
  } = {},
) {
  const c = await createCampaign(opts.create);
  if (opts.state) await setCampaignState(database.db, c.id, opts.state);
  const before = await campaignSnapshot(database.db, c.id);
  const res = await call(app, acct, 'PUT', one(c.id), body);
  expect(await campaignSnapshot(database.db, c.id), 'nothing changes on a rejected request').toEqual(before);
  if (!opts.engineAsked) expect(controlsFor(c.id), 'the workflow is not asked').toEqual([]);
  return { res, id: c.id };
}

describe('§1/§4.7 bad PUT input → 400, nothing changed', () => {
  it('answers 400 for malformed JSON', async () => {
    const { res } = await rejected('{"action": "pause"', {});
    expect(expectFailure(res, 400, 1001).description).toMatch(/not valid JSON/);
  });

  it('answers 400 UNKNOWN_ACTION naming the value', async () => {
    const { res } = await rejected({ action: 'stop' });
    expect(expectFailure(res, 400, 1006).description).toBe(
      'action "stop" is not one of pause, resume, complete, archive',
    );
  });

  it('answers 400 UNKNOWN_ACTION for a PUT delete, pointing to DELETE', async () => {
    const { res } = await rejected({ action: 'Delete' });
    expect(expectFailure(res, 400, 1006).description).toMatch(
      /^action "Delete" is not one of .*; to delete a campaign send DELETE/,
    );
  });

  it('answers 400 for an unknown action even inside a bulk body of one element (207, item 400)', async () => {
    const { res } = await rejected({ campaigns: [{ action: 'stop' }] });
    expect(res.status, JSON.stringify(res.json)).toBe(207);
    expect(res.json.response).toEqual([
      { code: 400, status: 'failure', error_data: expect.objectContaining({ code: 1006 }) },
    ]);
  });

  it('answers 400 for a bulk body of two elements', async () => {
    const { res } = await rejected({ campaigns: [{ action: 'pause' }, { action: 'resume' }] });
    expect(expectFailure(res, 400, 1000).description).toBe(
      'campaigns must be an array of exactly one element on an update of one resource; got 2 elements',
    );
  });

  it('answers 400 for an empty bulk body', async () => {
    const { res } = await rejected({ campaigns: [] });
    expect(expectFailure(res, 400, 1000).description).toMatch(/got 0 elements/);
  });

  it('answers 400 for a body that is not an object', async () => {
    const { res } = await rejected([{ action: 'pause' }]);
    expect(expectFailure(res, 400, 1000).description).toMatch(/^body must be a JSON object/);
  });

  it.each([
    [{ name: 'ab' }, 1000, 'name must be at least 3 characters; got "ab"'],
    [
      { status_callback: 'ftp://hooks.example.com' },
      1000,
      'status_callback must be an absolute http(s) URL; got "ftp://hooks.example.com"',
    ],
    [{ retries: { number_of_retries: 5 } }, 1000, 'retries.number_of_retries must be an integer from 0 to 3; got 5'],
    [
      { retries: { number_of_retries: 2 } },
      1000,
      'retries.interval_mins is required when retries.number_of_retries is 2',
    ],
    [{ mode: 'turbo' }, 1000, 'mode must be "auto" or "custom"; got "turbo"'],
    [{ from: ['+919876543210', '12345'] }, 1002, 'from[2]: "12345" is not a valid phone number'],
    [
      { schedule: { send_at: '2020-01-01T10:00:00+05:30' } },
      1000,
      'schedule.send_at 2020-01-01T10:00:00+05:30 is in the past',
    ],
    [{ schedule: { end_at: 'tomorrow' } }, 1000, 'schedule.end_at must be an RFC 3339 time with an offset'],
    [
      { read_via_text: 'Hello', url: 'https://flows.example.com/x' },
      1000,
      'give either url (a flow) or read_via_text (a greeting), not both',
    ],
    [{ custom_field: 'x'.repeat(129) }, 1000, 'custom_field must be at most 128 characters'],
  ])('answers 400 for %j naming the field and value', async (body, code, description) => {
    const { res } = await rejected(body);
    expect(expectFailure(res, 400, code).description).toContain(description);
  });

  it('answers 400 for a bad callback after start too, naming field and value', async () => {
    const { res } = await rejected(
      { call_status_callback: 'not a url' },
      { state: { status: 'InProgress', started: true } },
    );
    expect(expectFailure(res, 400, 1000).description).toBe(
      'call_status_callback must be an absolute http(s) URL; got "not a url"',
    );
  });

  it('answers 400 for a new end_at in the past while Paused', async () => {
    const { res } = await rejected(
      { schedule: { end_at: '2020-01-01T10:00:00Z' } },
      { state: { status: 'Paused', started: true } },
    );
    expect(expectFailure(res, 400, 1000).description).toBe('schedule.end_at 2020-01-01T10:00:00Z is not in the future');
  });

  it('answers 400 THROTTLE_OVER_CAPACITY when a custom throttle exceeds the account headroom', async () => {
    await createCampaign({ mode: 'custom', throttle: 20 });
    const { res } = await rejected({ mode: 'custom', throttle: 10 });
    expect(expectFailure(res, 400, 1004).description).toMatch(
      /^throttle 10 exceeds the headroom of 9 calls per minute/,
    );
  });

  it('answers 400 UNKNOWN_LIST for lists that do not exist', async () => {
    const { res } = await rejected({ lists: ['0123456789abcdef0123456789abcdef'] });
    expect(expectFailure(res, 400, 1007).description).toMatch(
      /lists\[1\]: list "0123456789abcdef0123456789abcdef" does not exist/,
    );
  });
});

describe('§1 unknown campaign → 404', () => {
  it('answers 404 for an unknown id', async () => {
    const res = await call(app, acct, 'PUT', one('0123456789abcdef0123456789abcdef'), { action: 'pause' });
    expect(expectFailure(res, 404, 3001).description).toBe(
      `campaign "0123456789abcdef0123456789abcdef" does not exist in account "${acct.sid}"`,
    );
  });

  it("answers 404 for another account's campaign and leaves it alone", async () => {
    const theirs = await createCampaign({}, other);
    const before = await campaignSnapshot(database.db, theirs.id);
    const res = await call(app, acct, 'PUT', one(theirs.id), { action: 'pause', name: 'Hijacked' });
    expectFailure(res, 404, 3001);
    expect(await campaignSnapshot(database.db, theirs.id)).toEqual(before);
    expect(controlsFor(theirs.id)).toEqual([]);
  });

  it('answers 404 before looking at the body', async () => {
    const res = await call(app, acct, 'PUT', one('ffffffffffffffffffffffffffffffff'), '{not json', {
      'Content-Type': 'application/json',
    });
    expectFailure(res, 404, 3001);
  });
});

describe('§4.1/§4.7 state conflicts → 409, nothing changed', () => {
  it("relays the workflow's conflict naming the status and the allowed actions", async () => {
    script.next = {
      kind: 'conflict',
      status: 'Completed',
      description: 'action "pause" is not allowed while the campaign is Completed; allowed: archive',
      allowed: ['archive'],
    };
    const { res, id } = await rejected({ action: 'pause' }, { engineAsked: true });
    expect(expectFailure(res, 409, 4001).description).toBe(
      'action "pause" is not allowed while the campaign is Completed; allowed: archive',
    );
    expect(controlsFor(id)).toEqual([{ campaignId: id, action: 'pause', changedFields: [], patch: {} }]);
  });

  it('refuses complete on a running campaign (the workflow decides, SPEC [C-6])', async () => {
    const { res, id } = await rejected(
      { action: 'complete' },
      { state: { status: 'InProgress', started: true }, engineAsked: true },
    );
    expect(expectFailure(res, 409, 4001).description).toBe(
      'action "complete" is not allowed while the campaign is InProgress: pause it first, then complete it; ' +
        'allowed: pause',
    );
    expect(controlsFor(id)).toEqual([{ campaignId: id, action: 'complete', changedFields: [], patch: {} }]);
  });

  it('relays a field conflict from the workflow as FIELD_NOT_UPDATABLE', async () => {
    // The read model says Created; the workflow has just started it (a PUT racing send_at).
    const c = await createCampaign();
    script.next = {
      kind: 'conflict',
      status: 'InProgress',
      field: 'name',
      description: 'name cannot be updated: the campaign has started and is InProgress',
      allowed: ['pause'],
    };
    const before = await campaignSnapshot(database.db, c.id);
    const res = await call(app, acct, 'PUT', one(c.id), { name: 'Too late for this' });
    expect(expectFailure(res, 409, 4002).description).toBe(script.next.description);
    expect(controlsFor(c.id)).toEqual([
      { campaignId: c.id, action: null, changedFields: ['name'], patch: { name: 'Too late for this' } },
    ]);
    expect(await campaignSnapshot(database.db, c.id)).toEqual(before);
  });

  it('refuses a field that may not change after start, naming it, without asking the workflow', async () => {
    const { res } = await rejected(
      { name: 'Renamed while running', status_callback: 'https://hooks.example.com/ok' },
      { state: { status: 'InProgress', started: true } },
    );
    expect(expectFailure(res, 409, 4002).description).toMatch(
      /^name cannot be updated: the campaign has started and is InProgress/,
    );
  });

  it('refuses from after start even when paused', async () => {
    const { res } = await rejected(
      { from: ['+919876543299'], action: 'resume' },
      { state: { status: 'Paused', started: true } },
    );
    expect(expectFailure(res, 409, 4002).description).toMatch(
      /^from cannot be updated: the campaign has started; while it is Paused only/,
    );
  });

  it('leaves schedule on a running campaign to the workflow, which refuses it', async () => {
    const later = new Date(Date.now() + 86_400_000).toISOString();
    const { res, id } = await rejected(
      { schedule: { end_at: later } },
      { state: { status: 'InProgress', started: true }, engineAsked: true },
    );
    expect(expectFailure(res, 409, 4002).description).toMatch(
      /^schedule cannot be updated: the campaign has started and is InProgress/,
    );
    expect(controlsFor(id)).toHaveLength(1);
  });

  it('refuses an archive of a campaign that is not Completed', async () => {
    const { res } = await rejected({ action: 'archive' });
    expect(expectFailure(res, 409, 4001).description).toBe(
      'action "archive" is not allowed while the campaign is Created; allowed: pause, delete',
    );
  });

  it('refuses any action but archive on a Completed campaign, naming archive', async () => {
    const { res } = await rejected({ action: 'resume' }, { state: { status: 'Completed', started: true } });
    expect(expectFailure(res, 409, 4001).description).toBe(
      'action "resume" is not allowed while the campaign is Completed; allowed: archive',
    );
  });

  it('refuses every action on another terminal status', async () => {
    const { res } = await rejected({ action: 'archive' }, { state: { status: 'Canceled', started: true } });
    expect(expectFailure(res, 409, 4001).description).toBe(
      'action "archive" is not allowed while the campaign is Canceled; allowed: none',
    );
  });

  it('refuses a field change on a terminal campaign, even with archive', async () => {
    const { res, id } = await rejected(
      { action: 'archive', status_callback: 'https://hooks.example.com/late' },
      { state: { status: 'Completed', started: true } },
    );
    expect(expectFailure(res, 409, 4002).description).toBe(
      'status_callback cannot be updated: the campaign is Completed and never changes again',
    );
    expect(engine.archives).not.toContain(id);
  });

  it('refuses an archive that loses the race to another archive', async () => {
    const c = await createCampaign();
    await setCampaignState(database.db, c.id, { status: 'Completed', started: true });
    const archiveLoses = createApp(testDeps(database.db, fakeEngine({ archive: false })));
    const res = await call(archiveLoses, acct, 'PUT', one(c.id), { action: 'archive' });
    expect(expectFailure(res, 409, 4001).description).toMatch(/^action "archive"/);
    expect((await campaignSnapshot(database.db, c.id)).row?.status).toBe('Completed');
  });

  it('refuses any action during a drain without asking the workflow', async () => {
    const { res } = await rejected(
      { action: 'pause' },
      { state: { status: 'Paused', started: true, closing: 'Completed' } },
    );
    expect(expectFailure(res, 409, 4001).description).toBe(
      'action "pause" is not allowed while the campaign is Paused and ending (a drain is under way); allowed: none',
    );
  });

  it("answers 409 when the workflow has ended, with the terminal status's allowed actions", async () => {
    const c = await createCampaign();
    await setCampaignState(database.db, c.id, { status: 'InProgress', started: true });
    // The workflow ended (Completed) between the read and the control request.
    const endsFirst = workflowLikeEngine(database.db, {
      script: async () => {
        await setCampaignState(database.db, c.id, { status: 'Completed' });
        return { kind: 'closed' };
      },
    });
    const res = await call(createApp(testDeps(database.db, endsFirst)), acct, 'PUT', one(c.id), { action: 'pause' });
    expect(expectFailure(res, 409, 4001).description).toBe(
      'action "pause" is not allowed while the campaign is Completed; allowed: archive',
    );
  });

  it('answers 409 in a bulk item with HTTP 207', async () => {
    const { res } = await rejected({ campaigns: [{ action: 'archive' }] });
    expect(res.status, JSON.stringify(res.json)).toBe(207);
    expect(res.json.http_code).toBe(207);
    expect(res.json.response).toEqual([
      { code: 409, status: 'failure', error_data: expect.objectContaining({ code: 4001 }) },
    ]);
  });
});

describe('§1 workflow engine unreachable → 503', () => {
  it('answers 503 and changes nothing', async () => {
    const down = createApp(testDeps(database.db, workflowLikeEngine(database.db, { unavailable: true })));
    const c = await createCampaign();
    const before = await campaignSnapshot(database.db, c.id);
    const res = await call(down, acct, 'PUT', one(c.id), { action: 'pause', name: 'Renamed campaign' });
    expect(expectFailure(res, 503, 5003).description).toBe(
      'the workflow engine (Temporal) cannot be reached; nothing was changed, retry later',
    );
    expect(await campaignSnapshot(database.db, c.id)).toEqual(before);
  });
});
