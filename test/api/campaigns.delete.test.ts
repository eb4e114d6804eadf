import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import type { TestDatabase } from '../support/db';
import { aCampaignRequest, call, testDeps, type App, type Json, type TestAccount } from '../support/api';
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

const script = controlOnFreshDatabase((t) => ({ database, engine, app, acct, other } = t));

const base = (a: TestAccount = acct) => `/v2/accounts/${a.sid}/campaigns`;
const one = (id: string, a: TestAccount = acct) => `${base(a)}/${id}`;

async function createCampaign(a: TestAccount = acct): Promise<Json> {
  const res = await call(app, a, 'POST', base(a), aCampaignRequest());
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.response[0].data;
}

function expectFailure(res: { status: number; json: Json }, http: number, code: number) {
  expect(res.status, JSON.stringify(res.json)).toBe(http);
  expect(res.json).toMatchObject({ method: 'DELETE', http_code: http });
  expect(res.json.response).toHaveLength(1);
  expect(res.json.response[0]).toMatchObject({ code: http, status: 'failure', error_data: { code } });
  return res.json.response[0].error_data as { description: string };
}

const controlsFor = (id: string) => engine.controls.filter((c) => c.campaignId === id);
const DELETE_REQUEST = (id: string) => ({ campaignId: id, action: 'delete', changedFields: [], patch: {} });

describe('§4.8 delete a campaign that has not started', () => {
  it('deletes a Created campaign: the workflow decides and the response shows Deleted', async () => {
    const c = await createCampaign();
    const res = await call(app, acct, 'DELETE', one(c.id));
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({
      method: 'DELETE',
      http_code: 200,
      response: [{ code: 200, status: 'success', data: { id: c.id, status: 'Deleted' } }],
    });
    expect(controlsFor(c.id)).toEqual([DELETE_REQUEST(c.id)]);
    expect((await campaignSnapshot(database.db, c.id)).row?.status).toBe('Deleted');
  });

  it('deletes a campaign paused before it started', async () => {
    const c = await createCampaign();
    await setCampaignState(database.db, c.id, { status: 'Paused', started: false });
    const res = await call(app, acct, 'DELETE', one(c.id));
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response[0].data.status).toBe('Deleted');
  });

  it('keeps a deleted campaign readable by GET and out of lists unless asked for', async () => {
    const c = await createCampaign();
    await call(app, acct, 'DELETE', one(c.id));
    const got = await call(app, acct, 'GET', one(c.id));
    expect(got.json.response[0].data.status).toBe('Deleted');
    const listed = await call(app, acct, 'GET', `${base()}?limit=500`);
    expect(listed.json.response.map((i: Json) => i.data.id)).not.toContain(c.id);
    const asked = await call(app, acct, 'GET', `${base()}?status=deleted&limit=500`);
    expect(asked.json.response.map((i: Json) => i.data.id)).toContain(c.id);
  });

  it('accepts the bulk body of one element and answers in bulk shape', async () => {
    const c = await createCampaign();
    const res = await call(app, acct, 'DELETE', one(c.id), { campaigns: [{ id: c.id }] });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response).toEqual([
      expect.objectContaining({ code: 200, status: 'success', data: expect.objectContaining({ status: 'Deleted' }) }),
    ]);
  });

  it('ignores any other body', async () => {
    const c = await createCampaign();
    const res = await call(app, acct, 'DELETE', one(c.id), 'confirm=yes', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const flat = await call(app, acct, 'DELETE', one((await createCampaign()).id), { reason: 'duplicate' });
    expect(flat.status, JSON.stringify(flat.json)).toBe(200);
  });
});

describe('§4.8 refusals', () => {
  async function refused(
    state: Parameters<typeof setCampaignState>[2] | null,
    opts: { body?: unknown; engineAsked?: boolean } = {},
  ) {
    const c = await createCampaign();
    if (state) await setCampaignState(database.db, c.id, state);
    const before = await campaignSnapshot(database.db, c.id);
    const res = await call(app, acct, 'DELETE', one(c.id), opts.body);
    expect(await campaignSnapshot(database.db, c.id), 'nothing changes').toEqual(before);
    if (!opts.engineAsked) expect(controlsFor(c.id)).toEqual([]);
    return { res, id: c.id };
  }

  it('refuses a running campaign with 409, naming the status and the allowed actions', async () => {
    const { res } = await refused({ status: 'InProgress', started: true });
    expect(expectFailure(res, 409, 4001).description).toBe(
      'action "delete" is not allowed while the campaign is InProgress: it has started, and only a campaign that ' +
        'has not started can be deleted; allowed: pause',
    );
  });

  it('refuses a campaign paused after it started', async () => {
    const { res } = await refused({ status: 'Paused', started: true });
    expect(expectFailure(res, 409, 4001).description).toMatch(
      /^action "delete" is not allowed while the campaign is Paused: it has started.*; allowed: resume, complete$/,
    );
  });

  it.each(['Completed', 'Failed', 'Canceled', 'Deleted', 'Archived'] as const)(
    'refuses a %s campaign',
    async (status) => {
      const { res } = await refused({ status, started: status !== 'Deleted' });
      expect(expectFailure(res, 409, 4001).description).toMatch(
        new RegExp(`^action "delete" is not allowed while the campaign is ${status}`),
      );
    },
  );

  it('relays a conflict from the workflow (a DELETE racing send_at)', async () => {
    script.next = {
      kind: 'conflict',
      status: 'InProgress',
      description:
        'action "delete" is not allowed while the campaign is InProgress: it has started, and only a campaign that ' +
        'has not started can be deleted; allowed: pause',
      allowed: ['pause'],
    };
    const { res, id } = await refused(null, { engineAsked: true });
    expect(expectFailure(res, 409, 4001).description).toBe(script.next.description);
    expect(controlsFor(id)).toEqual([DELETE_REQUEST(id)]);
  });

  it('answers 409 when the workflow has already ended', async () => {
    script.next = { kind: 'closed' };
    const { res } = await refused(null, { engineAsked: true });
    // The read model still says Created: the description comes from the state machine on it.
    expect(res.status, JSON.stringify(res.json)).toBe(409);
    expect(res.json.response[0].error_data.code).toBe(4001);
  });

  it('answers a failed bulk DELETE with 207 and the 409 in the item', async () => {
    const { res } = await refused({ status: 'InProgress', started: true }, { body: { campaigns: [{}] } });
    expect(res.status, JSON.stringify(res.json)).toBe(207);
    expect(res.json.response).toEqual([
      { code: 409, status: 'failure', error_data: expect.objectContaining({ code: 4001 }) },
    ]);
  });

  it('answers 400 for a bulk body of two elements', async () => {
    const { res } = await refused(null, { body: { campaigns: [{}, {}] } });
    expect(expectFailure(res, 400, 1000).description).toMatch(/got 2 elements/);
  });

  it('answers 404 for an unknown id', async () => {
    const res = await call(app, acct, 'DELETE', one('0123456789abcdef0123456789abcdef'));
    expectFailure(res, 404, 3001);
  });

  it("answers 404 for another account's campaign and leaves it alone", async () => {
    const theirs = await createCampaign(other);
    const res = await call(app, acct, 'DELETE', one(theirs.id));
    expectFailure(res, 404, 3001);
    expect((await campaignSnapshot(database.db, theirs.id)).row?.status).toBe('Created');
    expect(controlsFor(theirs.id)).toEqual([]);
  });

  it('answers 503 when the workflow engine cannot be reached, and deletes nothing', async () => {
    const down = createApp(testDeps(database.db, workflowLikeEngine(database.db, { unavailable: true })));
    const c = await createCampaign();
    const res = await call(down, acct, 'DELETE', one(c.id));
    expectFailure(res, 503, 5003);
    expect((await campaignSnapshot(database.db, c.id)).row?.status).toBe('Created');
  });
});
