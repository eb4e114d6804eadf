import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { createApp } from '../../api/app';
import { campaignNumbers, campaigns } from '../../db/schema';
import { freshDatabase, type TestDatabase } from '../support/db';
import {
  aCampaignRequest,
  call,
  provisionAccount,
  testDeps,
  type App,
  type Json,
  type TestAccount,
} from '../support/api';

let database: TestDatabase;
let app: App;
let acct: TestAccount;
const ids: Record<string, string> = {};

const path = () => `/v2/accounts/${acct.sid}/campaigns`;

beforeAll(async () => {
  database = await freshDatabase();
  app = createApp(testDeps(database.db));
  acct = await provisionAccount(database.db, { api_requests_per_minute: 10_000 });
  // Created in this order, one millisecond apart at least, so date_created sorts them.
  for (const name of ['Bravo promo', 'alpha reminder', 'Charlie PROMO', 'delta survey']) {
    const res = await call(app, acct, 'POST', path(), aCampaignRequest({ name }));
    ids[name] = res.json.response[0].data.id;
    await new Promise((r) => setTimeout(r, 5));
  }
  await database.db.update(campaigns).set({ status: 'InProgress' }).where(eq(campaigns.id, ids['alpha reminder']!));
  await database.db.update(campaigns).set({ status: 'Deleted' }).where(eq(campaigns.id, ids['delta survey']!));
});
afterAll(async () => {
  await database?.drop();
});

const names = (json: Json) => json.response.map((i: Json) => i.data.name);

describe('§4.9 one campaign', () => {
  it('returns the campaign with live stats derived from its numbers', async () => {
    const id = ids['Bravo promo']!;
    await database.db
      .update(campaignNumbers)
      .set({ status: 'failed', lastStatus: 'busy', attempts: 2 })
      .where(and(eq(campaignNumbers.campaignId, id), eq(campaignNumbers.position, 0)));
    await database.db
      .update(campaignNumbers)
      .set({ status: 'in-progress' })
      .where(and(eq(campaignNumbers.campaignId, id), eq(campaignNumbers.position, 1)));
    const res = await call(app, acct, 'GET', `${path()}/${id}`);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response[0].data).toMatchObject({
      id,
      name: 'Bravo promo',
      from: ['+919876543210', '+919876543211', '+911140002400'],
      stats: {
        created: 3,
        pending: 1,
        'in-progress': 1,
        in_progress: 1,
        failed: 1,
        busy: 1,
        no_answer: 0,
        completed: 0,
      },
    });
  });

  it('keeps a Deleted campaign readable by id', async () => {
    const res = await call(app, acct, 'GET', `${path()}/${ids['delta survey']}`);
    expect(res.status).toBe(200);
    expect(res.json.response[0].data.status).toBe('Deleted');
  });
});

describe('§2 campaign list', () => {
  it('lists by date_created ascending with metadata, omitting from and Deleted campaigns', async () => {
    const res = await call(app, acct, 'GET', path());
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.metadata).toEqual({ count: 3, offset: 0, limit: 20, total: 3 });
    expect(names(res.json)).toEqual(['Bravo promo', 'alpha reminder', 'Charlie PROMO']);
    for (const item of res.json.response) {
      expect(item).toMatchObject({ code: 200, status: 'success' });
      expect(item.data).not.toHaveProperty('from');
      expect(item.data.stats.created).toBe(3);
    }
  });

  it('filters by name substring, case-insensitively', async () => {
    const res = await call(app, acct, 'GET', `${path()}?name=promo`);
    expect(names(res.json)).toEqual(['Bravo promo', 'Charlie PROMO']);
    expect(res.json.metadata.total).toBe(2);
  });

  it('filters by a status list in any casing, and shows Deleted only when asked for', async () => {
    expect(names((await call(app, acct, 'GET', `${path()}?status=in-progress`)).json)).toEqual(['alpha reminder']);
    expect(names((await call(app, acct, 'GET', `${path()}?status=IN_PROGRESS,created`)).json)).toEqual([
      'Bravo promo',
      'alpha reminder',
      'Charlie PROMO',
    ]);
    expect(names((await call(app, acct, 'GET', `${path()}?status=deleted`)).json)).toEqual(['delta survey']);
  });

  it('sorts by date_created or name in either direction', async () => {
    expect(names((await call(app, acct, 'GET', `${path()}?sort_by=date_created:desc`)).json)).toEqual([
      'Charlie PROMO',
      'alpha reminder',
      'Bravo promo',
    ]);
    // Case-insensitive, as Exotel's database orders names, whatever this database's collation.
    const byName = names((await call(app, acct, 'GET', `${path()}?sort_by=name:asc`)).json);
    expect(byName).toEqual(['alpha reminder', 'Bravo promo', 'Charlie PROMO']);
    const byNameDesc = names((await call(app, acct, 'GET', `${path()}?sort_by=NAME:DESC`)).json);
    expect(byNameDesc).toEqual([...byName].reverse());
  });

  it('pages with offset/limit, or page/page_size, offset/limit winning when both are given', async () => {
    const a = await call(app, acct, 'GET', `${path()}?offset=1&limit=1`);
    expect(a.json.metadata).toEqual({ count: 1, offset: 1, limit: 1, total: 3 });
    expect(names(a.json)).toEqual(['alpha reminder']);
    const b = await call(app, acct, 'GET', `${path()}?page=2&page_size=2`);
    expect(b.json.metadata).toEqual({ count: 1, offset: 2, limit: 2, total: 3 });
    expect(names(b.json)).toEqual(['Charlie PROMO']);
    const c = await call(app, acct, 'GET', `${path()}?page=2&page_size=2&offset=0&limit=1`);
    expect(c.json.metadata).toMatchObject({ offset: 0, limit: 1 });
  });

  it('clamps a limit above 500 to 500', async () => {
    const res = await call(app, acct, 'GET', `${path()}?limit=1000`);
    expect(res.status).toBe(200);
    expect(res.json.metadata.limit).toBe(500);
  });

  it('answers an empty page with count 0', async () => {
    const res = await call(app, acct, 'GET', `${path()}?offset=50`);
    expect(res.json).toMatchObject({ http_code: 200, metadata: { count: 0, offset: 50, total: 3 }, response: [] });
  });

  it("does not show another account's campaigns", async () => {
    const other = await provisionAccount(database.db);
    await call(app, other, 'POST', `/v2/accounts/${other.sid}/campaigns`, aCampaignRequest({ name: 'other promo' }));
    const res = await call(app, acct, 'GET', `${path()}?name=other`);
    expect(res.json.metadata.total).toBe(0);
    const rows = await database.db
      .select()
      .from(campaigns)
      .where(inArray(campaigns.accountSid, [other.sid]));
    expect(rows).toHaveLength(1);
  });
});
