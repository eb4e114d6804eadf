/**
 * SPEC §1 (ext) `Idempotency-Key` over real HTTP on a real PostgreSQL: a repeat with the same key
 * and body returns the first answer and creates nothing, a different body is 409 (4005), keys are
 * per account, 20 concurrent requests with one key create one campaign, a key expires after 24 h,
 * an answer of 500 or more is not kept, a streamed CSV upload is fingerprinted too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import { createApp } from '../../api/app';
import { campaigns, csvUploads, idempotencyKeys } from '../../db/schema';
import { newSid } from '../../domain/ids';
import {
  aCampaignRequest,
  fakeEngine,
  provisionAccount,
  testDeps,
  type FakeEngine,
  type TestAccount,
} from '../support/api';
import { freshDatabase, type TestDatabase } from '../support/db';
import { httpClient, serveApp, type HttpCall, type ServedApp } from '../support/http-app';
import { multipart } from '../support/csv-upload';

let database: TestDatabase;
let engine: FakeEngine;
let served: ServedApp;
let acct: TestAccount;
let api: HttpCall;

beforeAll(async () => {
  database = await freshDatabase();
  engine = fakeEngine();
  served = await serveApp(createApp(testDeps(database.db, engine)));
  acct = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
  api = httpClient(served.baseUrl, acct);
});
afterAll(async () => {
  await served?.stop();
  await database?.drop();
});

const campaignsPath = (a: TestAccount = acct) => `/v2/accounts/${a.sid}/campaigns`;
const withKey = (key: string) => ({ 'Idempotency-Key': key });

async function campaignCount(account: TestAccount, name: string): Promise<number> {
  const rows = await database.db
    .select({ id: campaigns.id })
    .from(campaigns)
    .where(and(eq(campaigns.accountSid, account.sid), eq(campaigns.name, name)));
  return rows.length;
}

describe('§1 Idempotency-Key on POST', () => {
  it('answers a repeat with the same key and body with the first answer and creates nothing', async () => {
    const key = newSid();
    const body = aCampaignRequest({ name: `Once ${key}` });
    const first = await api('POST', campaignsPath(), body, withKey(key));
    expect(first.status, first.text).toBe(200);
    const second = await api('POST', campaignsPath(), body, withKey(key));
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('content-type')).toMatch(/application\/json/);
    expect(await campaignCount(acct, `Once ${key}`)).toBe(1);
    expect(engine.started.filter((s) => s.campaignName === `Once ${key}`)).toHaveLength(1);
    // Without a key every POST creates.
    const third = await api('POST', campaignsPath(), body);
    expect(third.status).toBe(200);
    expect(await campaignCount(acct, `Once ${key}`)).toBe(2);
  });

  it('answers 409 (4005) to the same key with a different body, path or query, and creates nothing', async () => {
    const key = newSid();
    const name = `Reused ${key}`;
    expect((await api('POST', campaignsPath(), aCampaignRequest({ name }), withKey(key))).status).toBe(200);
    const other = await api('POST', campaignsPath(), aCampaignRequest({ name: `${name} b` }), withKey(key));
    expect(other.status, other.text).toBe(409);
    expect(other.json.response[0].error_data).toMatchObject({ code: 4005 });
    expect(other.json.response[0].error_data.description).toContain(key);
    const query = await api('POST', `${campaignsPath()}?validation=report`, aCampaignRequest({ name }), withKey(key));
    expect(query.status).toBe(409);
    const list = await api('POST', `/v2/accounts/${acct.sid}/lists`, { name }, withKey(key));
    expect(list.status).toBe(409);
    expect(await campaignCount(acct, `${name} b`)).toBe(0);
  });

  it('keeps keys per account: another account with the same key gets its own campaign', async () => {
    const other = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
    const key = newSid();
    const body = aCampaignRequest({ name: `Per account ${key}` });
    const mine = await api('POST', campaignsPath(), body, withKey(key));
    const theirs = await httpClient(served.baseUrl, other)('POST', campaignsPath(other), body, withKey(key));
    expect(theirs.status, theirs.text).toBe(200);
    expect(theirs.json.response[0].data.id).not.toBe(mine.json.response[0].data.id);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
  });

  it('creates one campaign from 20 concurrent requests with one key, all answered alike', async () => {
    const key = newSid();
    const body = aCampaignRequest({ name: `Concurrent ${key}` });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => api('POST', campaignsPath(), body, withKey(key))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.json.response[0].data.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(await campaignCount(acct, `Concurrent ${key}`)).toBe(1);
  });

  it('replays a 4xx first answer too, and runs again once the key has expired (24 h)', async () => {
    const key = newSid();
    const bad = aCampaignRequest({ name: `Bad ${key}`, from: ['+91123'] });
    const first = await api('POST', campaignsPath(), bad, withKey(key));
    expect(first.status).toBe(400);
    const again = await api('POST', campaignsPath(), bad, withKey(key));
    expect(again.status).toBe(400);
    expect(again.text).toBe(first.text);
    const [row] = await database.db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.accountSid, acct.sid), eq(idempotencyKeys.key, key)));
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBe(24 * 60 * 60 * 1000);

    const good = aCampaignRequest({ name: `Expired ${key}` });
    expect((await api('POST', campaignsPath(), good, withKey(key))).status).toBe(409);
    await database.db
      .update(idempotencyKeys)
      .set({ createdAt: sql`now() - interval '25 hours'`, expiresAt: sql`now() - interval '1 hour'` })
      .where(and(eq(idempotencyKeys.accountSid, acct.sid), eq(idempotencyKeys.key, key)));
    const after = await api('POST', campaignsPath(), good, withKey(key));
    expect(after.status, after.text).toBe(200);
    expect(after.headers.get('idempotent-replayed')).toBeNull();
    expect(await campaignCount(acct, `Expired ${key}`)).toBe(1);
  });

  it('keeps no answer of 500 or more: after a 503 the same key runs again', async () => {
    const down = await serveApp(createApp(testDeps(database.db, fakeEngine({ unavailable: true }))));
    try {
      const key = newSid();
      const body = aCampaignRequest({ name: `Down ${key}` });
      const refused = await httpClient(down.baseUrl, acct)('POST', campaignsPath(), body, withKey(key));
      expect(refused.status).toBe(503);
      const retried = await api('POST', campaignsPath(), body, withKey(key));
      expect(retried.status, retried.text).toBe(200);
      expect(await campaignCount(acct, `Down ${key}`)).toBe(1);
    } finally {
      await down.stop();
    }
  });

  it('fingerprints a multipart CSV upload as it streams: a repeat gets the same upload, another file 409', async () => {
    const key = newSid();
    const listName = `Upload ${key}`;
    const upload = (rows: string) => {
      const { body, contentType } = multipart([
        { name: 'list_name', value: listName },
        { name: 'file_name', filename: 'c.csv', content: `number\n${rows}\n` },
      ]);
      return fetch(`${served.baseUrl}/v2/accounts/${acct.sid}/contacts/csv-upload`, {
        method: 'POST',
        headers: { authorization: acct.auth, 'content-type': contentType, ...withKey(key) },
        body,
      });
    };
    const first = await upload('+919876500001');
    const firstText = await first.text();
    expect(first.status, firstText).toBe(200);
    const again = await upload('+919876500001');
    expect(await again.text()).toBe(firstText);
    expect((await upload('+919876500002')).status).toBe(409);
    const uploads = await database.db.select().from(csvUploads).where(eq(csvUploads.accountSid, acct.sid));
    expect(uploads.filter((u) => u.id === JSON.parse(firstText).response[0].data.upload_id)).toHaveLength(1);
    expect(uploads).toHaveLength(1);
  });

  it('refuses a malformed key with 400 naming the header, and ignores the header on other methods', async () => {
    const long = await api('POST', campaignsPath(), aCampaignRequest(), withKey('k'.repeat(256)));
    expect(long.status).toBe(400);
    expect(long.json.response[0].error_data.description).toMatch(/^Idempotency-Key must be 1\.\.255/);
    const spaced = await api('POST', campaignsPath(), aCampaignRequest(), withKey('has space'));
    expect(spaced.status).toBe(400);
    const get = await api('GET', campaignsPath(), undefined, withKey('has space'));
    expect(get.status).toBe(200);
  });
});
