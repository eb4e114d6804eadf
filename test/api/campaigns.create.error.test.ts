import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
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
  type TestAccount,
} from '../support/api';

let database: TestDatabase;
let app: App;
let acct: TestAccount;

beforeAll(async () => {
  database = await freshDatabase();
  app = createApp(testDeps(database.db));
  acct = await provisionAccount(database.db);
});
afterAll(async () => {
  await database?.drop();
});

const path = (a: TestAccount = acct) => `/v2/accounts/${a.sid}/campaigns`;

async function campaignCount(accountSid: string): Promise<number> {
  const [row] = await database.db.select({ n: count() }).from(campaigns).where(eq(campaigns.accountSid, accountSid));
  return row?.n ?? 0;
}

/** Asserts the failure envelope and returns its error_data. */
function expectFailure(res: { status: number; json: Json }, http: number, code: number) {
  expect(res.status, JSON.stringify(res.json)).toBe(http);
  expect(res.json.http_code).toBe(http);
  expect(res.json.request_id).toMatch(/^[0-9a-f]{32}$/);
  expect(res.json.response).toHaveLength(1);
  expect(res.json.response[0]).toMatchObject({ code: http, status: 'failure', error_data: { code } });
  return res.json.response[0].error_data as { code: number; message: string; description: string };
}

describe('§1 bad input never yields a 5xx', () => {
  it('answers 400 for malformed JSON', async () => {
    const res = await call(app, acct, 'POST', path(), '{"from": ["+919876543210"', {
      'Content-Type': 'application/json',
    });
    expect(expectFailure(res, 400, 1001).description).toMatch(/not valid JSON/);
  });

  it('answers 400 for an empty body', async () => {
    const res = await call(app, acct, 'POST', path(), '', { 'Content-Type': 'application/json' });
    expect(expectFailure(res, 400, 1001).description).toMatch(/empty/);
  });

  it('answers 415 for a body that is not JSON at all', async () => {
    const res = await call(app, acct, 'POST', path(), 'from=%2B919876543210&caller_id=0804', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expectFailure(res, 415, 1015);
  });

  it('answers 413 for a JSON body over 8 MB', async () => {
    const big = JSON.stringify(aCampaignRequest({ read_via_text: 'x'.repeat(8 * 1024 * 1024) }));
    const res = await call(app, acct, 'POST', path(), big, { 'Content-Type': 'application/json' });
    expectFailure(res, 413, 1013);
    const declared = await call(app, acct, 'POST', path(), big, {
      'Content-Type': 'application/json',
      'Content-Length': String(big.length),
    });
    expectFailure(declared, 413, 1013);
  });

  it('answers 400 when the body is a JSON array or a scalar', async () => {
    for (const body of ['[]', '"text"', '42']) {
      const res = await call(app, acct, 'POST', path(), body, { 'Content-Type': 'application/json' });
      expect(expectFailure(res, 400, 1000).description).toMatch(/^body must be a JSON object/);
    }
  });

  it('answers 400 for an empty campaigns array', async () => {
    const res = await call(app, acct, 'POST', path(), { campaigns: [] });
    expect(expectFailure(res, 400, 1000).description).toBe('campaigns must be a non-empty array of objects');
  });

  it('answers 404 in the envelope for an unknown route', async () => {
    const res = await call(app, null, 'GET', '/no/such/route');
    expect(expectFailure(res, 404, 3000).description).toBe('no route for GET /no/such/route');
  });
});

describe('§3 create validation', () => {
  it('fails on the first invalid number, naming it and its 1-based position, and creates nothing', async () => {
    const before = await campaignCount(acct.sid);
    const res = await call(app, acct, 'POST', path(), aCampaignRequest({ from: '9876543210,+919876543211,12ab,1234' }));
    const err = expectFailure(res, 400, 1002);
    expect(err.message).toBe('Invalid phone number');
    expect(err.description).toBe(
      'from[3]: "12ab" is not a valid phone number (only digits, spaces, a leading +, and - . ( ) / are allowed)',
    );
    expect(await campaignCount(acct.sid)).toBe(before);
  });

  it('rejects a list the account does not have, naming it, and creates nothing', async () => {
    const before = await campaignCount(acct.sid);
    const res = await call(app, acct, 'POST', path(), {
      caller_id: '0804',
      url: 'https://x.example/f',
      lists: ['abc'],
    });
    expect(expectFailure(res, 400, 1007).description).toBe('lists[1]: list "abc" does not exist in this account');
    expect(await campaignCount(acct.sid)).toBe(before);
  });

  it('rejects from and lists together', async () => {
    const res = await call(app, acct, 'POST', path(), aCampaignRequest({ lists: ['abc'] }));
    expect(expectFailure(res, 400, 1000).description).toBe('give either from or lists, not both');
  });

  it('requires caller_id', async () => {
    const res = await call(app, acct, 'POST', path(), aCampaignRequest({ caller_id: undefined }));
    expect(expectFailure(res, 400, 1000).description).toBe('caller_id is required');
  });

  it('rejects a caller_id the account has not registered', async () => {
    const restricted = await provisionAccount(database.db, { caller_ids: ['08047112233', '08047112244'] });
    const bad = await call(app, restricted, 'POST', path(restricted), aCampaignRequest({ caller_id: '0999' }));
    expect(expectFailure(bad, 400, 1003).description).toBe(
      'caller_id "0999" is not one of the account\'s registered caller ids',
    );
    const good = await call(app, restricted, 'POST', path(restricted), aCampaignRequest({ caller_id: '08047112244' }));
    expect(good.status, JSON.stringify(good.json)).toBe(200);
  });

  it('rejects a send_at in the past', async () => {
    const res = await call(
      app,
      acct,
      'POST',
      path(),
      aCampaignRequest({ schedule: { send_at: '2020-01-15T09:00:00+05:30' } }),
    );
    expect(expectFailure(res, 400, 1000).description).toBe('schedule.send_at 2020-01-15T09:00:00+05:30 is in the past');
  });

  it('keeps custom throttles within calls_per_minute − 1 across the account', async () => {
    const a = await provisionAccount(database.db, { calls_per_minute: 20 });
    const first = await call(app, a, 'POST', path(a), aCampaignRequest({ mode: 'custom', throttle: 15 }));
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const over = await call(app, a, 'POST', path(a), aCampaignRequest({ mode: 'custom', throttle: 5 }));
    expect(expectFailure(over, 400, 1004).description).toBe(
      'throttle 5 exceeds the headroom of 4 calls per minute (calls_per_minute 20 − 1 − 15 reserved by other custom ' +
        'campaigns)',
    );
    const fits = await call(app, a, 'POST', path(a), aCampaignRequest({ mode: 'custom', throttle: 4 }));
    expect(fits.status, JSON.stringify(fits.json)).toBe(200);
    expect(await campaignCount(a.sid)).toBe(2);
  });

  it('does not count terminal custom campaigns against the headroom', async () => {
    const a = await provisionAccount(database.db, { calls_per_minute: 10 });
    const first = await call(app, a, 'POST', path(a), aCampaignRequest({ mode: 'custom', throttle: 9 }));
    await database.db
      .update(campaigns)
      .set({ status: 'Completed' })
      .where(eq(campaigns.id, first.json.response[0].data.id));
    const second = await call(app, a, 'POST', path(a), aCampaignRequest({ mode: 'custom', throttle: 9 }));
    expect(second.status, JSON.stringify(second.json)).toBe(200);
  });

  it('describes each field error by name and value', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { retries: { number_of_retries: 4, interval_mins: 5 } },
        'retries.number_of_retries must be an integer from 0 to 3; got 4',
      ],
      [{ retries: { number_of_retries: 1 } }, 'retries.interval_mins is required when retries.number_of_retries is 1'],
      [{ mode: 'custom' }, 'throttle is required when mode is "custom"'],
      [{ url: 'ftp://files.example.com/x' }, 'url must be an absolute http(s) URL; got "ftp://files.example.com/x"'],
      [{ status_callback: '/relative' }, 'status_callback must be an absolute http(s) URL; got "/relative"'],
      [{ campaign_type: 'weekly' }, 'campaign_type must be "static" or "dynamic"; got "weekly"'],
    ];
    for (const [overrides, description] of cases) {
      const res = await call(app, acct, 'POST', path(), aCampaignRequest(overrides));
      expect(expectFailure(res, 400, 1000).description).toBe(description);
    }
  });
});

describe('§1 a create whose workflow cannot be started leaves nothing behind', () => {
  it('answers 503 and rolls back the campaign and its numbers when Temporal is unreachable', async () => {
    const down = createApp(testDeps(database.db, fakeEngine({ unavailable: true })));
    const a = await provisionAccount(database.db);
    const numbersBefore = await database.db.select({ n: count() }).from(campaignNumbers);
    const res = await call(down, a, 'POST', path(a), aCampaignRequest());
    const err = expectFailure(res, 503, 5003);
    expect(err.description).toMatch(/Temporal/);
    expect(await campaignCount(a.sid)).toBe(0);
    const numbersAfter = await database.db.select({ n: count() }).from(campaignNumbers);
    expect(numbersAfter[0]?.n).toBe(numbersBefore[0]?.n);
  });
});

describe('§2 reading campaigns', () => {
  it('answers 404 for an unknown campaign id', async () => {
    const res = await call(app, acct, 'GET', `${path()}/0123456789abcdef0123456789abcdef`);
    expect(expectFailure(res, 404, 3001).description).toBe(
      `campaign "0123456789abcdef0123456789abcdef" does not exist in account "${acct.sid}"`,
    );
  });

  it('rejects an unknown status filter and sort_by naming the value', async () => {
    const status = await call(app, acct, 'GET', `${path()}?status=running`);
    expect(expectFailure(status, 400, 1000).description).toMatch(/^status "running" is not a campaign status/);
    const sort = await call(app, acct, 'GET', `${path()}?sort_by=id:asc`);
    expect(expectFailure(sort, 400, 1000).description).toMatch(/^sort_by must be one of date_created:asc/);
    const offset = await call(app, acct, 'GET', `${path()}?offset=-1`);
    expect(expectFailure(offset, 400, 1000).description).toBe('offset must be an integer of at least 0; got -1');
  });
});
