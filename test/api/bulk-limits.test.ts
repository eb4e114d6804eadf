/**
 * SPEC §1 bulk bodies (issue 11, finding 5): a create body holds at most 100 campaigns, and a
 * request whose client has gone stops its remaining work. Real HTTP on a real PostgreSQL, with the
 * fake workflow engine at the edge (slowed, so the request is still running when the client leaves).
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { campaigns } from '../../db/schema';
import { aCampaignRequest, fakeEngine, provisionAccount, testDeps, type TestAccount } from '../support/api';
import { freshDatabase, type TestDatabase } from '../support/db';
import { httpClient, serveApp, type ServedApp } from '../support/http-app';

const START_MS = 100;

let database: TestDatabase;
let served: ServedApp;
let acct: TestAccount;

beforeAll(async () => {
  database = await freshDatabase();
  const engine = fakeEngine();
  const start = engine.startCampaign.bind(engine);
  // Each workflow start takes a while, as a loaded Temporal may.
  engine.startCampaign = async (input) => {
    await new Promise((r) => setTimeout(r, START_MS));
    await start(input);
  };
  served = await serveApp(createApp(testDeps(database.db, engine)));
  acct = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
});
afterAll(async () => {
  await served?.stop();
  await database?.drop();
});

const campaignsOf = async (sid: string) =>
  (await database.db.select({ n: count() }).from(campaigns).where(eq(campaigns.accountSid, sid)))[0]!.n;

const bulk = (n: number, tag: string) => ({
  campaigns: Array.from({ length: n }, (_, i) => aCampaignRequest({ name: `${tag} ${i}` })),
});

describe('§1 bulk create bodies', () => {
  it('refuses a body of 101 campaigns as a whole, creating nothing', async () => {
    const account = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
    const res = await httpClient(served.baseUrl, account)(
      'POST',
      `/v2/accounts/${account.sid}/campaigns`,
      bulk(101, 'cap'),
    );
    expect(res.status, res.text).toBe(400);
    expect(res.json.response[0].error_data.description).toBe(
      'campaigns has 101 elements; at most 100 are allowed per request',
    );
    expect(await campaignsOf(account.sid)).toBe(0);
  });

  it('creates 100 campaigns, answering each in body order', async () => {
    const res = await httpClient(served.baseUrl, acct)(
      'POST',
      `/v2/accounts/${acct.sid}/campaigns`,
      bulk(100, 'order'),
    );
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const names = res.json.response.map((item: { data: { name: string } }) => item.data.name);
    expect(names).toEqual(Array.from({ length: 100 }, (_, i) => `order ${i}`));
    const listed = await httpClient(served.baseUrl, acct)(
      'GET',
      `/v2/accounts/${acct.sid}/campaigns?name=order&limit=100`,
    );
    expect(listed.json.response.map((item: { data: { name: string } }) => item.data.name)).toEqual(names);
  });

  it('stops creating once the client has gone', async () => {
    const account = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
    const abort = new AbortController();
    const sent = fetch(`${served.baseUrl}/v2/accounts/${account.sid}/campaigns`, {
      method: 'POST',
      headers: { authorization: account.auth, 'content-type': 'application/json' },
      body: JSON.stringify(bulk(100, 'gone')),
      signal: abort.signal,
    }).catch((err: unknown) => err);
    // 100 starts of 100 ms each take over a second even 8 at a time; leave after 300 ms.
    await new Promise((r) => setTimeout(r, 300));
    abort.abort();
    expect(await sent).toBeInstanceOf(Error);
    const atAbort = await campaignsOf(account.sid);
    await new Promise((r) => setTimeout(r, 100 * START_MS));
    const later = await campaignsOf(account.sid);
    // The elements running when the client left finish; none starts afterwards.
    expect(later, `${atAbort} created when the client left`).toBeLessThan(atAbort + 10);
    expect(later).toBeLessThan(50);
  });
});
