/**
 * SPEC §6.3 at create and update (issue 11, finding 2): a callback or flow URL whose host is a
 * loopback, private, link-local, unique-local, CGNAT, multicast or metadata address, in any
 * spelling, is refused with a 400 naming the field (`?validation=report` included), unless the
 * deployment setting allows it; nothing is created. The real app on a real PostgreSQL.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { campaigns } from '../../db/schema';
import { aCampaignRequest, call, provisionAccount, testDeps, type App, type TestAccount } from '../support/api';
import { freshDatabase, type TestDatabase } from '../support/db';
import { REFUSED_SPELLINGS } from '../support/refused-urls';

const URL_FIELDS = ['call_status_callback', 'call_schedule_callback', 'status_callback', 'url'] as const;

let database: TestDatabase;
let strict: App;
let acct: TestAccount;

beforeAll(async () => {
  database = await freshDatabase();
  strict = createApp({ ...testDeps(database.db), allowLoopbackWebhooks: false, allowPrivateWebhooks: false });
  acct = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
});
afterAll(async () => {
  await database?.drop();
});

const path = () => `/v2/accounts/${acct.sid}/campaigns`;
const created = async () =>
  (await database.db.select({ n: count() }).from(campaigns).where(eq(campaigns.accountSid, acct.sid)))[0]!.n;

describe('§6.3 outbound URL policy at create', () => {
  it.each(REFUSED_SPELLINGS)('refuses %s (%s) in every URL field, naming it', async (_what, url) => {
    const before = await created();
    for (const field of URL_FIELDS) {
      const body = aCampaignRequest({ [field]: url });
      for (const query of ['', '?validation=report']) {
        const res = await call(strict, acct, 'POST', `${path()}${query}`, body);
        expect(res.status, `${field}${query}: ${JSON.stringify(res.json)}`).toBe(400);
        const description: string = res.json.response[0].error_data.description;
        expect(description).toMatch(new RegExp(`^${field} is refused by the outbound URL policy: `));
        expect(description).not.toContain('s3cretpw');
      }
    }
    expect(await created()).toBe(before);
  });

  it('refuses one element of a bulk body and creates the others', async () => {
    const res = await call(strict, acct, 'POST', path(), {
      campaigns: [aCampaignRequest(), aCampaignRequest({ status_callback: 'http://169.254.169.254/' })],
    });
    expect(res.status).toBe(207);
    expect(res.json.response.map((i: { code: number }) => i.code)).toEqual([200, 400]);
  });

  it('accepts public addresses and names', async () => {
    for (const url of ['https://hooks.example.com/x', 'http://8.8.8.8/x', 'http://[2606:4700:4700::1111]/x']) {
      const res = await call(strict, acct, 'POST', path(), aCampaignRequest({ call_status_callback: url }));
      expect(res.status, JSON.stringify(res.json)).toBe(200);
    }
  });

  it('allows loopback, and private ranges, only where the deployment setting allows them', async () => {
    const loopback = createApp({ ...testDeps(database.db), allowLoopbackWebhooks: true, allowPrivateWebhooks: false });
    const both = createApp({ ...testDeps(database.db), allowLoopbackWebhooks: true, allowPrivateWebhooks: true });
    const send = (app: App, url: string) => call(app, acct, 'POST', path(), aCampaignRequest({ status_callback: url }));
    expect((await send(loopback, 'http://127.0.0.1:9/x')).status).toBe(200);
    expect((await send(loopback, 'http://localhost:9/x')).status).toBe(200);
    expect((await send(loopback, 'http://10.0.0.1/x')).status).toBe(400);
    expect((await send(both, 'http://10.0.0.1/x')).status).toBe(200);
    expect((await send(both, 'http://[fd12::1]/x')).status).toBe(200);
    // Metadata, link-local and multicast addresses are never allowed.
    for (const url of ['http://169.254.169.254/', 'http://[fe80::1]/', 'http://224.0.0.1/']) {
      expect((await send(both, url)).status, url).toBe(400);
    }
  });
});

describe('§6.3 outbound URL policy at update', () => {
  it('refuses a refused address in a PUT, before and after start, and changes nothing', async () => {
    const res = await call(strict, acct, 'POST', path(), aCampaignRequest());
    expect(res.status).toBe(200);
    const id = res.json.response[0].data.id;
    for (const [field, url] of [
      ['call_status_callback', 'http://0x7f.1/x'],
      ['status_callback', 'http://[::ffff:169.254.169.254]/'],
      ['url', 'http://10.1/flow'],
    ] as const) {
      const put = await call(strict, acct, 'PUT', `${path()}/${id}`, { [field]: url });
      expect(put.status, JSON.stringify(put.json)).toBe(400);
      expect(put.json.response[0].error_data.description).toContain(`${field} is refused by the outbound URL policy`);
    }
    const [row] = await database.db.select().from(campaigns).where(eq(campaigns.id, id));
    expect(row).toMatchObject({ callStatusCallback: null, statusCallback: null, url: aCampaignRequest().url });
    // After start only the callbacks may change; they are judged the same way.
    await database.db
      .update(campaigns)
      .set({ status: 'InProgress', dateStarted: new Date() })
      .where(eq(campaigns.id, id));
    const started = await call(strict, acct, 'PUT', `${path()}/${id}`, {
      call_schedule_callback: 'http://2130706433/',
    });
    expect(started.status, JSON.stringify(started.json)).toBe(400);
    expect(started.json.response[0].error_data.description).toContain('call_schedule_callback is refused');
  });
});
