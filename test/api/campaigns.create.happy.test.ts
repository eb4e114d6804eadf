import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, asc } from 'drizzle-orm';
import { createApp } from '../../api/app';
import { campaignNumbers, campaigns } from '../../db/schema';
import { freshDatabase, type TestDatabase } from '../support/db';
import {
  aCampaignRequest,
  call,
  fakeEngine,
  provisionAccount,
  testDeps,
  type App,
  type Json,
  type FakeEngine,
  type TestAccount,
} from '../support/api';

let database: TestDatabase;
let engine: FakeEngine;
let app: App;
let acct: TestAccount;

beforeAll(async () => {
  database = await freshDatabase();
  engine = fakeEngine();
  app = createApp(testDeps(database.db, engine));
  acct = await provisionAccount(database.db);
});
afterAll(async () => {
  await database?.drop();
});

const path = () => `/v2/accounts/${acct.sid}/campaigns`;

describe('§3 creating a campaign', () => {
  it('creates a campaign from a flat body and answers the campaign object with status Created', async () => {
    const res = await call(app, acct, 'POST', path(), aCampaignRequest({ name: 'January Promo' }));
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ method: 'POST', http_code: 200 });
    expect(res.json.request_id).toMatch(/^[0-9a-f]{32}$/);
    const item = res.json.response[0];
    expect(item).toMatchObject({ code: 200, status: 'success' });
    const c = item.data;
    expect(c.id).toMatch(/^[0-9a-f]{32}$/);
    expect(c).toMatchObject({
      account_sid: acct.sid,
      name: 'January Promo',
      type: 'trans',
      status: 'Created',
      from: ['+919876543210', '+919876543211', '+911140002400'],
      flow_type: 'ivr',
      retries: {
        number_of_retries: 0,
        interval_mins: null,
        mechanism: 'Linear',
        on_status: ['busy', 'no-answer', 'failed'],
      },
      schedule: { send_at: null, end_at: null },
      uri: `/v2/accounts/${acct.sid}/campaigns/${c.id}`,
      stats: { created: 3, pending: 3, completed: 0, failed: 0, 'in-progress': 0, in_progress: 0 },
    });
    expect(c.date_created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/);

    const [row] = await database.db.select().from(campaigns).where(eq(campaigns.id, c.id));
    expect(row).toMatchObject({ status: 'Created', accountSid: acct.sid, name: 'January Promo' });
    const numbers = await database.db
      .select()
      .from(campaignNumbers)
      .where(eq(campaignNumbers.campaignId, c.id))
      .orderBy(asc(campaignNumbers.position));
    expect(numbers.map((n) => [n.position, n.number, n.status])).toEqual([
      [0, '+919876543210', 'pending'],
      [1, '+919876543211', 'pending'],
      [2, '+911140002400', 'pending'],
    ]);
    expect(engine.started).toContainEqual({ campaignId: c.id, accountSid: acct.sid, campaignName: 'January Promo' });
  });

  it('accepts from as a comma-separated string and de-duplicates after E.164 normalisation', async () => {
    const res = await call(
      app,
      acct,
      'POST',
      path(),
      aCampaignRequest({ from: '9876543210, +919876543210,09876543210,+91 98765 43212' }),
    );
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const c = res.json.response[0].data;
    expect(c.from).toEqual(['+919876543210', '+919876543212']);
    expect(c.stats).toMatchObject({ created: 2, pending: 2 });
    const numbers = await database.db.select().from(campaignNumbers).where(eq(campaignNumbers.campaignId, c.id));
    expect(numbers).toHaveLength(2);
  });

  it('dials every entry when call_duplicate_numbers is true', async () => {
    const res = await call(
      app,
      acct,
      'POST',
      path(),
      aCampaignRequest({ from: ['9876543210', '+919876543210'], call_duplicate_numbers: true }),
    );
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response[0].data.stats).toMatchObject({ created: 2, pending: 2 });
  });

  it('accepts the bulk body and answers one item per element with HTTP 200 when all succeed', async () => {
    const res = await call(app, acct, 'POST', path(), {
      campaigns: [aCampaignRequest({ name: 'bulk one' }), aCampaignRequest({ name: 'bulk two' })],
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.http_code).toBe(200);
    expect(res.json.response.map((i: Json) => [i.code, i.data.name])).toEqual([
      [200, 'bulk one'],
      [200, 'bulk two'],
    ]);
  });

  it('answers 207 for a bulk body where one element fails, creating the valid one only', async () => {
    const before = await database.db.select().from(campaigns);
    const res = await call(app, acct, 'POST', path(), {
      campaigns: [aCampaignRequest({ name: 'good one' }), aCampaignRequest({ name: 'x' })],
    });
    expect(res.status, JSON.stringify(res.json)).toBe(207);
    expect(res.json.http_code).toBe(207);
    expect(res.json.response[0]).toMatchObject({ code: 200, status: 'success' });
    expect(res.json.response[1]).toMatchObject({ code: 400, status: 'failure', error_data: { code: 1000 } });
    expect(res.json.response[1].error_data.description).toContain('name');
    const after = await database.db.select().from(campaigns);
    expect(after.length).toBe(before.length + 1);
  });

  it('answers 207 even when every element of a bulk body fails', async () => {
    const res = await call(app, acct, 'POST', path(), { campaigns: [aCampaignRequest({ from: '12ab' })] });
    expect(res.status, JSON.stringify(res.json)).toBe(207);
    expect(res.json.response[0]).toMatchObject({ code: 400, status: 'failure' });
  });

  it('accepts a JSON body sent as text/plain, form-encoded or without Content-Type', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await app.request(path(), {
        method: 'POST',
        headers: { Authorization: acct.auth, ...(contentType && { 'Content-Type': contentType }) },
        body: JSON.stringify(aCampaignRequest()),
      });
      expect(res.status, `${contentType}: ${await res.clone().text()}`).toBe(200);
    }
  });

  it('accepts a form-encoded body whose single field is the URL-encoded JSON', async () => {
    const res = await call(app, acct, 'POST', path(), encodeURIComponent(JSON.stringify(aCampaignRequest())), {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
  });

  it('stores schedule instants and renders them in the account time zone', async () => {
    const sendAt = new Date(Date.now() + 86_400_000);
    sendAt.setUTCHours(3, 30, 0, 0);
    const endAt = new Date(sendAt.getTime() + 8 * 3_600_000);
    const res = await call(
      app,
      acct,
      'POST',
      path(),
      aCampaignRequest({ schedule: { send_at: sendAt.toISOString(), end_at: endAt.toISOString() } }),
    );
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const day = sendAt.toISOString().slice(0, 10);
    expect(res.json.response[0].data.schedule).toEqual({
      send_at: `${day}T09:00:00+05:30`,
      end_at: `${day}T17:00:00+05:30`,
    });
  });

  it('echoes retries in canonical form and custom_field as given', async () => {
    const res = await call(
      app,
      acct,
      'POST',
      path(),
      aCampaignRequest({
        retries: {
          number_of_retries: 2,
          interval_mins: 15,
          mechanism: 'exponential',
          on_status: ['failure', 'no_answer'],
        },
        custom_field: { order: 42, tags: ['a'] },
        mode: 'custom',
        throttle: 10,
      }),
    );
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response[0].data).toMatchObject({
      retries: {
        number_of_retries: 2,
        interval_mins: 15,
        mechanism: 'Exponential',
        on_status: ['no-answer', 'failed'],
      },
      custom_field: { order: 42, tags: ['a'] },
      mode: 'custom',
      throttle: 10,
    });
  });

  it('names a campaign "<account_sid> <YYYY-MM-DD HH:mm:ss>" in account time when no name is given', async () => {
    const res = await call(app, acct, 'POST', path(), aCampaignRequest());
    expect(res.json.response[0].data.name).toMatch(
      new RegExp(`^${acct.sid} \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$`),
    );
  });

  it('reports every invalid number with ?validation=report and creates nothing', async () => {
    const before = (await database.db.select().from(campaigns)).length;
    const startsBefore = engine.started.length;
    const res = await call(
      app,
      acct,
      'POST',
      `${path()}?validation=report`,
      aCampaignRequest({ from: ['9876543210', '12ab', '+919876543210', '1234'] }),
    );
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response[0].data).toEqual({
      validation: 'report',
      created: false,
      total: 4,
      valid: 2,
      dialled: 1,
      invalid: [
        { position: 2, number: '12ab', reason: expect.any(String) },
        { position: 4, number: '1234', reason: 'too short' },
      ],
      no_window: [],
    });
    expect((await database.db.select().from(campaigns)).length).toBe(before);
    expect(engine.started.length).toBe(startsBefore);
  });

  it('creates 5,000 numbers in one request, in order', async () => {
    const from = Array.from({ length: 5000 }, (_, i) => `+9198${String(i).padStart(8, '0')}`);
    const res = await call(app, acct, 'POST', path(), aCampaignRequest({ from }));
    expect(res.status, JSON.stringify(res.json).slice(0, 500)).toBe(200);
    const id = res.json.response[0].data.id;
    const numbers = await database.db
      .select()
      .from(campaignNumbers)
      .where(eq(campaignNumbers.campaignId, id))
      .orderBy(asc(campaignNumbers.position));
    expect(numbers).toHaveLength(5000);
    expect(numbers[4999]).toMatchObject({ position: 4999, number: from[4999] });
  });
});
