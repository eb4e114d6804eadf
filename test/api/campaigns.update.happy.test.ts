import { describe, expect, it } from 'vitest';
import type { TestDatabase } from '../support/db';
import { aCampaignRequest, call, type App, type Json, type TestAccount } from '../support/api';
import { campaignSnapshot, setCampaignState, type WorkflowLikeEngine } from '../support/campaign-control';
import { controlOnFreshDatabase } from '../support/controlled-app';

let database: TestDatabase;
let engine: WorkflowLikeEngine;
let app: App;
let acct: TestAccount;

const script = controlOnFreshDatabase((t) => ({ database, engine, app, acct } = t));

const base = () => `/v2/accounts/${acct.sid}/campaigns`;
const one = (id: string) => `${base()}/${id}`;

async function createCampaign(overrides: Record<string, unknown> = {}): Promise<Json> {
  const res = await call(app, acct, 'POST', base(), aCampaignRequest(overrides));
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.response[0].data;
}

function expectOk(res: { status: number; json: Json }, method = 'PUT'): Json {
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  expect(res.json).toMatchObject({ method, http_code: 200 });
  expect(res.json.response).toHaveLength(1);
  expect(res.json.response[0]).toMatchObject({ code: 200, status: 'success' });
  return res.json.response[0].data;
}

const controlsFor = (id: string) => engine.controls.filter((c) => c.campaignId === id);

describe('§4.7 updates before start', () => {
  it('renames a campaign: the workflow is asked for exactly that change and the response shows it', async () => {
    const c = await createCampaign({ name: 'Spring reminders' });
    const res = await call(app, acct, 'PUT', one(c.id), { name: '  Summer reminders ' });
    const data = expectOk(res);
    expect(controlsFor(c.id)).toEqual([
      { campaignId: c.id, action: null, changedFields: ['name'], patch: { name: 'Summer reminders' } },
    ]);
    expect(data).toMatchObject({ id: c.id, name: 'Summer reminders', status: 'Created', from: c.from });
    expect(data).not.toHaveProperty('closing');
    const { row } = await campaignSnapshot(database.db, c.id);
    expect(row).toMatchObject({ name: 'Summer reminders', status: 'Created' });
  });

  it('replaces the numbers with from, re-normalised and de-duplicated, and recomputes stats', async () => {
    const c = await createCampaign();
    const res = await call(app, acct, 'PUT', one(c.id), { from: '9876543215, +919876543215, 09876543216' });
    const data = expectOk(res);
    expect(controlsFor(c.id)[0]).toMatchObject({
      changedFields: ['from'],
      patch: { from: ['+919876543215', '+919876543216'] },
    });
    expect(data.from).toEqual(['+919876543215', '+919876543216']);
    expect(data.stats).toMatchObject({ created: 2, pending: 2 });
    const { numbers } = await campaignSnapshot(database.db, c.id);
    expect(numbers.map((n) => [n.position, n.number, n.status])).toEqual([
      [0, '+919876543215', 'pending'],
      [1, '+919876543216', 'pending'],
    ]);
  });

  it('changes several fields by the create rules: retries merged, schedule moved, a greeting for a flow', async () => {
    const c = await createCampaign({ retries: { number_of_retries: 2, interval_mins: 10 } });
    const sendAt = new Date(Date.now() + 2 * 86_400_000);
    sendAt.setUTCMilliseconds(0);
    const res = await call(app, acct, 'PUT', one(c.id), {
      retries: { mechanism: 'EXPONENTIAL' },
      schedule: { send_at: sendAt.toISOString() },
      read_via_text: 'Your parcel arrives today',
    });
    const data = expectOk(res);
    expect(controlsFor(c.id)[0]).toEqual({
      campaignId: c.id,
      action: null,
      changedFields: ['flow_type', 'url', 'read_via_text', 'retries', 'schedule'],
      patch: {
        flowType: 'greeting',
        url: null,
        readViaText: 'Your parcel arrives today',
        retries: {
          number_of_retries: 2,
          interval_mins: 10,
          mechanism: 'Exponential',
          on_status: ['busy', 'no-answer', 'failed'],
        },
        sendAtMs: sendAt.getTime(),
      },
    });
    expect(data).toMatchObject({
      flow_type: 'greeting',
      url: null,
      read_via_text: 'Your parcel arrives today',
      retries: { mechanism: 'Exponential' },
    });
    expect(Date.parse(data.schedule.send_at)).toBe(sendAt.getTime());
    expect(data.schedule.send_at).toMatch(/\+05:30$/);
  });

  it('clears end_at, custom_field and the callbacks with null', async () => {
    const c = await createCampaign({
      schedule: { end_at: new Date(Date.now() + 86_400_000).toISOString() },
      custom_field: { order: 42 },
      status_callback: 'https://hooks.example.com/s',
      call_status_callback: 'https://hooks.example.com/c',
    });
    const res = await call(app, acct, 'PUT', one(c.id), {
      schedule: { end_at: null },
      custom_field: null,
      status_callback: null,
      call_status_callback: null,
      name: null,
    });
    const data = expectOk(res);
    expect(controlsFor(c.id)[0]).toMatchObject({
      changedFields: ['schedule', 'call_status_callback', 'status_callback', 'custom_field'],
      patch: { endAtMs: null, callStatusCallback: null, statusCallback: null, customField: null },
    });
    expect(data).toMatchObject({
      schedule: { end_at: null },
      custom_field: null,
      status_callback: null,
      call_status_callback: null,
      name: c.name,
    });
    const { row } = await campaignSnapshot(database.db, c.id);
    expect(row).toMatchObject({ endAt: null, customField: null, statusCallback: null, callStatusCallback: null });
  });

  it('answers a PUT that changes nothing without asking the workflow', async () => {
    const c = await createCampaign({ custom_field: { b: 2, a: 1 } });
    const before = await campaignSnapshot(database.db, c.id);
    const res = await call(app, acct, 'PUT', one(c.id), {
      name: c.name,
      from: c.from.join(','),
      custom_field: { a: 1, b: 2 },
      status: 'Completed',
      stats: {},
    });
    const data = expectOk(res);
    expect(controlsFor(c.id)).toEqual([]);
    expect(data).toMatchObject({ id: c.id, status: 'Created', date_updated: c.date_updated });
    expect(await campaignSnapshot(database.db, c.id)).toEqual(before);
  });

  it('accepts any Content-Type, as create does', async () => {
    const c = await createCampaign();
    const res = await call(app, acct, 'PUT', one(c.id), JSON.stringify({ name: 'Plain text body' }), {
      'Content-Type': 'text/plain',
    });
    expect(expectOk(res).name).toBe('Plain text body');
  });
});

describe('§4.7 the whole object PUT back, as Exotel samples do', () => {
  it('round-trips GET → PUT with an action before start: only the action reaches the workflow', async () => {
    const c = await createCampaign({ retries: { number_of_retries: 1, interval_mins: 5 }, custom_field: 'ref-7' });
    const got = expectOk(await call(app, acct, 'GET', one(c.id)), 'GET');
    const res = await call(app, acct, 'PUT', one(c.id), { ...got, action: 'pause' });
    const data = expectOk(res);
    expect(controlsFor(c.id)).toEqual([{ campaignId: c.id, action: 'pause', changedFields: [], patch: {} }]);
    expect(data.status).toBe('Paused');
  });

  it('round-trips GET → PUT after start, changing only status_callback', async () => {
    const c = await createCampaign();
    await setCampaignState(database.db, c.id, { status: 'InProgress', started: true });
    const got = expectOk(await call(app, acct, 'GET', one(c.id)), 'GET');
    const res = await call(app, acct, 'PUT', one(c.id), {
      campaigns: [{ ...got, status_callback: 'https://hooks.example.com/new' }],
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response[0]).toMatchObject({
      code: 200,
      status: 'success',
      data: { status_callback: 'https://hooks.example.com/new', status: 'InProgress' },
    });
    expect(controlsFor(c.id)).toEqual([
      {
        campaignId: c.id,
        action: null,
        changedFields: ['status_callback'],
        patch: { statusCallback: 'https://hooks.example.com/new' },
      },
    ]);
  });
});

describe('§4.1 actions', () => {
  it('pauses a Created campaign (action in any casing)', async () => {
    const c = await createCampaign();
    const data = expectOk(await call(app, acct, 'PUT', one(c.id), { action: 'PAUSE' }));
    expect(controlsFor(c.id)).toEqual([{ campaignId: c.id, action: 'pause', changedFields: [], patch: {} }]);
    expect(data.status).toBe('Paused');
    expect((await campaignSnapshot(database.db, c.id)).row?.status).toBe('Paused');
  });

  it('accepts the bulk body of one element and answers one item with HTTP 200', async () => {
    const c = await createCampaign();
    const res = await call(app, acct, 'PUT', one(c.id), { campaigns: [{ action: 'pause' }] });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.http_code).toBe(200);
    expect(res.json.response).toEqual([
      expect.objectContaining({ code: 200, status: 'success', data: expect.objectContaining({ status: 'Paused' }) }),
    ]);
  });

  it('answers a repeated pause with 200 and no change', async () => {
    const c = await createCampaign();
    await setCampaignState(database.db, c.id, { status: 'Paused' });
    const data = expectOk(await call(app, acct, 'PUT', one(c.id), { action: 'pause' }));
    expect(data.status).toBe('Paused');
  });

  it('resumes a paused campaign that has started', async () => {
    const c = await createCampaign();
    await setCampaignState(database.db, c.id, { status: 'Paused', started: true });
    const data = expectOk(await call(app, acct, 'PUT', one(c.id), { action: 'resume' }));
    expect(data.status).toBe('InProgress');
  });

  it('rolls a paused, started campaign to another day and resumes it in one PUT', async () => {
    const c = await createCampaign();
    await setCampaignState(database.db, c.id, {
      status: 'Paused',
      started: true,
      endAt: new Date(Date.now() + 3_600_000),
    });
    const sendAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 86_400_000);
    const endAt = new Date(sendAt.getTime() + 8 * 3_600_000);
    const res = await call(app, acct, 'PUT', one(c.id), {
      action: 'resume',
      schedule: { send_at: sendAt.toISOString(), end_at: endAt.toISOString() },
    });
    const data = expectOk(res);
    expect(controlsFor(c.id)).toEqual([
      {
        campaignId: c.id,
        action: 'resume',
        changedFields: ['schedule'],
        patch: { sendAtMs: sendAt.getTime(), endAtMs: endAt.getTime() },
      },
    ]);
    expect(data.status).toBe('InProgress');
    expect(Date.parse(data.schedule.end_at)).toBe(endAt.getTime());
  });

  it('completes a paused campaign: 200 with the campaign as it is and closing: true', async () => {
    const c = await createCampaign();
    await setCampaignState(database.db, c.id, { status: 'Paused', started: true });
    const data = expectOk(await call(app, acct, 'PUT', one(c.id), { action: 'complete' }));
    expect(controlsFor(c.id)).toEqual([{ campaignId: c.id, action: 'complete', changedFields: [], patch: {} }]);
    expect(data).toMatchObject({ status: 'Paused', closing: true });
    expect((await campaignSnapshot(database.db, c.id)).row?.closing).toBe('Completed');
  });

  it('archives a Completed campaign through archiveCampaign, not the workflow', async () => {
    const c = await createCampaign();
    await setCampaignState(database.db, c.id, { status: 'Completed', started: true });
    const got = expectOk(await call(app, acct, 'GET', one(c.id)), 'GET');
    const data = expectOk(await call(app, acct, 'PUT', one(c.id), { ...got, action: 'Archive' }));
    expect(engine.archives).toContain(c.id);
    expect(controlsFor(c.id)).toEqual([]);
    expect(data.status).toBe('Archived');
  });

  it('adds closing: true whenever the workflow reports a drain under way', async () => {
    const c = await createCampaign();
    await setCampaignState(database.db, c.id, { status: 'Paused', started: true });
    script.next = { kind: 'applied', status: 'Paused', closing: true };
    const data = expectOk(await call(app, acct, 'PUT', one(c.id), { action: 'complete' }));
    expect(data.closing).toBe(true);
  });
});
