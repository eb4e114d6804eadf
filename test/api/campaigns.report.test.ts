/**
 * SPEC §3 (ext) `?validation=report` over HTTP, SPEC §4.4 (ext): an account provisioned with
 * `recipient_local_time` gets its numbers without a calling window listed (reason `no_window`, with
 * their zones), nothing is created, and the setting stays as stored until an upsert changes it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createApp } from '../../api/app';
import { upsertAccount } from '../../db/queries/accounts';
import { accounts, campaigns } from '../../db/schema';
import { freshDatabase, type TestDatabase } from '../support/db';
import {
  aCampaignRequest,
  call,
  fakeEngine,
  provisionAccount,
  testDeps,
  type App,
  type FakeEngine,
} from '../support/api';

let database: TestDatabase;
let engine: FakeEngine;
let app: App;

beforeAll(async () => {
  database = await freshDatabase();
  engine = fakeEngine();
  app = createApp(testDeps(database.db, engine));
});
afterAll(async () => {
  await database?.drop();
});

const RUSSIA = '+79161234567';
const US = '+12125550123';
// 09:00-17:00: Russia's zones (UTC+2 .. UTC+12) share no instant of it; every US zone does.
const body = aCampaignRequest({ from: [RUSSIA, US, '9876543210', '12ab'] });

describe('§4.4 (ext) validation=report lists numbers with no window', () => {
  it('lists them for an account with recipient_local_time, and creates nothing', async () => {
    const acct = await provisionAccount(database.db, { calling_window: '09:00-17:00', recipient_local_time: true });
    const path = `/v2/accounts/${acct.sid}/campaigns?validation=report`;
    const res = await call(app, acct, 'POST', path, body);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response[0].data).toEqual({
      validation: 'report',
      created: false,
      total: 4,
      valid: 3,
      dialled: 3,
      invalid: [{ position: 4, number: '12ab', reason: expect.any(String) }],
      no_window: [
        {
          position: 1,
          number: RUSSIA,
          reason: 'no_window',
          zones: expect.arrayContaining(['Europe/Kaliningrad', 'Asia/Kamchatka']),
        },
      ],
    });
    expect(await database.db.select().from(campaigns).where(eq(campaigns.accountSid, acct.sid))).toEqual([]);
    expect(engine.started.filter((s) => s.accountSid === acct.sid)).toEqual([]);
  });

  it('keeps the setting through an upsert that omits it, and lists nothing once it is off', async () => {
    const acct = await provisionAccount(database.db, { calling_window: '09:00-17:00', recipient_local_time: true });
    const path = `/v2/accounts/${acct.sid}/campaigns?validation=report`;
    await upsertAccount(database.db, { sid: acct.sid, api_key: acct.key, api_token: acct.token, channels: 10 });
    const [row] = await database.db.select().from(accounts).where(eq(accounts.sid, acct.sid));
    expect(row).toMatchObject({ recipientLocalTime: true, channels: 10 });
    expect((await call(app, acct, 'POST', path, body)).json.response[0].data.no_window).toHaveLength(1);

    await upsertAccount(database.db, {
      sid: acct.sid,
      api_key: acct.key,
      api_token: acct.token,
      recipient_local_time: false,
    });
    const res = await call(app, acct, 'POST', path, body);
    expect(res.json.response[0].data.no_window, JSON.stringify(res.json)).toEqual([]);
  });

  it('lists nothing for an account that keeps the default (its own zone)', async () => {
    const acct = await provisionAccount(database.db, { calling_window: '09:00-17:00' });
    const [row] = await database.db.select().from(accounts).where(eq(accounts.sid, acct.sid));
    expect(row!.recipientLocalTime).toBe(false);
    const res = await call(app, acct, 'POST', `/v2/accounts/${acct.sid}/campaigns?validation=report`, body);
    expect(res.json.response[0].data.no_window).toEqual([]);
  });
});
