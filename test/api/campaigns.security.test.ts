import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { count, eq } from 'drizzle-orm';
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../api/app';
import { UNAUTHENTICATED_LIMIT } from '../../api/middleware/rate-limit';
import { apiRequests } from '../../db/schema';
import { freshDatabase, type TestDatabase } from '../support/db';
import {
  aCampaignRequest,
  basicAuthHeader,
  call,
  provisionAccount,
  testDeps,
  type App,
  type TestAccount,
} from '../support/api';

const run = promisify(execFile);

let database: TestDatabase;
let app: App;
let acct: TestAccount;
let other: TestAccount;

beforeAll(async () => {
  database = await freshDatabase();
  app = createApp(testDeps(database.db));
  acct = await provisionAccount(database.db);
  other = await provisionAccount(database.db);
});
afterAll(async () => {
  await database?.drop();
});

const list = (a: TestAccount) => `/v2/accounts/${a.sid}/campaigns`;

describe('§1 auth', () => {
  it('answers 401 with a Basic challenge when credentials are missing', async () => {
    const res = await call(app, null, 'GET', list(acct));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(res.json.response[0]).toMatchObject({
      code: 401,
      status: 'failure',
      error_data: { code: 2001, message: 'Unauthorized' },
    });
  });

  it('answers 401 for a wrong token and for an unknown key alike', async () => {
    const wrongToken = await call(
      app,
      { ...acct, auth: basicAuthHeader(acct.key, 'not-the-token') },
      'GET',
      list(acct),
    );
    const unknownKey = await call(app, { ...acct, auth: basicAuthHeader('nobody', acct.token) }, 'GET', list(acct));
    for (const res of [wrongToken, unknownKey]) {
      expect(res.status).toBe(401);
      expect(res.json.response[0].error_data.description).toBe('the API key or API token is not valid');
    }
  });

  it("answers 403 for valid credentials on another account's path, and creates nothing there", async () => {
    const res = await call(app, acct, 'POST', list(other), aCampaignRequest());
    expect(res.status, JSON.stringify(res.json)).toBe(403);
    expect(res.json.response[0].error_data).toMatchObject({
      code: 2003,
      description: `these credentials belong to another account and cannot access account "${other.sid}"`,
    });
    const mine = await call(app, other, 'GET', list(other));
    expect(mine.json.metadata.total).toBe(0);
  });

  it("accepts curl's http://KEY:TOKEN@host/... form", async () => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    try {
      const { port } = server.address() as AddressInfo;
      const { stdout } = await run('curl', ['-s', `http://${acct.key}:${acct.token}@127.0.0.1:${port}${list(acct)}`]);
      expect(JSON.parse(stdout)).toMatchObject({ http_code: 200, method: 'GET' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('§1 rate limit', () => {
  it('counts each authenticated /v2 request in a sliding 60-second window; 429 past the limit', async () => {
    const limited = await provisionAccount(database.db, { api_requests_per_minute: 3 });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(app, limited, 'GET', list(limited));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      remaining.push(res.headers.get('x-ratelimit-remaining')!);
      const reset = Number(res.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThan(Date.now() / 1000);
      expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const res = await call(app, limited, 'GET', list(limited));
    expect(res.status).toBe(429);
    expect(res.json.response[0]).toMatchObject({ code: 429, status: 'failure', error_data: { code: 2029 } });
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('does not count requests rejected with 429', async () => {
    const limited = await provisionAccount(database.db, { api_requests_per_minute: 2 });
    for (let i = 0; i < 5; i++) await call(app, limited, 'GET', list(limited));
    const [row] = await database.db
      .select({ n: count() })
      .from(apiRequests)
      .where(eq(apiRequests.bucket, `account:${limited.sid}`));
    expect(row?.n).toBe(2);
  });

  it('forgets requests older than 60 seconds', async () => {
    const limited = await provisionAccount(database.db, { api_requests_per_minute: 2 });
    const old = new Date(Date.now() - 61_000);
    await database.db.insert(apiRequests).values([
      { bucket: `account:${limited.sid}`, at: old },
      { bucket: `account:${limited.sid}`, at: old },
    ]);
    const res = await call(app, limited, 'GET', list(limited));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('1');
  });

  it('counts a 403 against the authenticated account', async () => {
    const limited = await provisionAccount(database.db, { api_requests_per_minute: 1 });
    const forbidden = await call(app, limited, 'GET', list(other));
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await call(app, limited, 'GET', list(limited))).status).toBe(429);
  });

  it('limits unauthenticated requests per client IP, with quota headers on every 401', async () => {
    const fresh = createApp(testDeps(database.db));
    const first = await call(fresh, null, 'GET', list(acct));
    expect(first.status).toBe(401);
    expect(first.headers.get('x-ratelimit-limit')).toBe(String(UNAUTHENTICATED_LIMIT));
    expect(first.headers.get('x-ratelimit-remaining')).toBe(String(UNAUTHENTICATED_LIMIT - 1));
    for (let i = 1; i < UNAUTHENTICATED_LIMIT; i++) await call(fresh, null, 'GET', list(acct));
    const over = await call(fresh, null, 'GET', list(acct));
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    // Other addresses are not affected.
    const elsewhere = createApp(testDeps(database.db));
    expect((await call(elsewhere, acct, 'GET', list(acct))).status).toBe(200);
  });

  it('slows the right token exactly like a wrong one once an address is over its failed-login limit', async () => {
    const fresh = createApp(testDeps(database.db));
    const wrong = { ...acct, auth: basicAuthHeader(acct.key, 'guess') };
    for (let i = 0; i < UNAUTHENTICATED_LIMIT; i++)
      expect((await call(fresh, wrong, 'GET', list(acct))).status).toBe(401);
    const guessed = await call(fresh, wrong, 'GET', list(acct));
    const right = await call(fresh, acct, 'GET', list(acct));
    for (const res of [guessed, right]) {
      expect(res.status, JSON.stringify(res.json)).toBe(429);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(res.json.response[0].error_data.code).toBe(2029);
    }
    // The refusal tells a guesser nothing: both answers are the same.
    expect(right.json.response[0].error_data.description).toBe(guessed.json.response[0].error_data.description);
  });
});
