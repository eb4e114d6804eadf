/**
 * SPEC §1 rate limit, the parts beyond one request at a time: exact across API replicas (two apps on
 * one database, requests fired at once), each element of a bulk body counted (all or none, and a
 * bulk body that does not fit is a 429 that counts nothing and creates nothing), and the window
 * kept in one database round trip per request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createApp } from '../../api/app';
import { apiRateCounters, apiRequests, campaigns } from '../../db/schema';
import { call, provisionAccount, testDeps, type App, type TestAccount } from '../support/api';
import { freshDatabase, type TestDatabase } from '../support/db';

let database: TestDatabase;
let replicas: App[];

beforeAll(async () => {
  database = await freshDatabase();
  replicas = [createApp(testDeps(database.db)), createApp(testDeps(database.db))];
});
afterAll(async () => {
  await database?.drop();
});

const listPath = (a: TestAccount) => `/v2/accounts/${a.sid}/lists?limit=1`;
const campaign = (i: number) => ({
  name: `bulk ${i}`,
  from: [`+9198100${String(10_000 + i)}`],
  caller_id: '08012345678',
  read_via_text: 'Hello',
});

/** What the window holds for the account: hit rows, their total weight, and the counter row. */
async function counted(a: TestAccount): Promise<{ rows: number; weight: number; counter: number | undefined }> {
  const bucket = `account:${a.sid}`;
  const rows = await database.db
    .select({ w: apiRequests.weight })
    .from(apiRequests)
    .where(eq(apiRequests.bucket, bucket));
  const [c] = await database.db.select().from(apiRateCounters).where(eq(apiRateCounters.bucket, bucket));
  return { rows: rows.length, weight: rows.reduce((s, x) => s + x.w, 0), counter: c?.n };
}

describe('§1 rate limit across replicas and bulk bodies', () => {
  it('admits exactly the limit when two replicas take requests at once', async () => {
    const limited = await provisionAccount(database.db, { api_requests_per_minute: 25 });
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => call(replicas[i % 2]!, limited, 'GET', listPath(limited))),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(25);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
    // Every admitted request saw a distinct place in the window.
    const remaining = results
      .filter((r) => r.status === 200)
      .map((r) => Number(r.headers.get('x-ratelimit-remaining')));
    expect(remaining.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(await counted(limited)).toEqual({ rows: 25, weight: 25, counter: 25 });
  });

  it('counts each element of a bulk create; refuses a bulk body that does not fit, uncounted', async () => {
    const limited = await provisionAccount(database.db, { api_requests_per_minute: 10 });
    const app = replicas[0]!;
    const path = `/v2/accounts/${limited.sid}/campaigns`;
    const four = await call(app, limited, 'POST', path, { campaigns: [0, 1, 2, 3].map(campaign) });
    expect(four.status).toBe(200);
    expect(four.headers.get('x-ratelimit-remaining')).toBe('6');
    expect(await counted(limited)).toMatchObject({ weight: 4, counter: 4 });

    const seven = await call(app, limited, 'POST', path, { campaigns: [4, 5, 6, 7, 8, 9, 10].map(campaign) });
    expect(seven.status).toBe(429);
    expect(seven.json.response[0].error_data.description).toMatch(/bulk body of 7 elements counts as 7 requests/);
    expect(seven.headers.get('x-ratelimit-remaining')).toBe('6');
    expect(Number(seven.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Nothing was created and nothing counted.
    expect(await database.db.$count(campaigns, eq(campaigns.accountSid, limited.sid))).toBe(4);
    expect(await counted(limited)).toMatchObject({ weight: 4, counter: 4 });

    // A flat body and a bulk body of one count once; six more fill the window exactly.
    expect((await call(app, limited, 'POST', path, campaign(20))).headers.get('x-ratelimit-remaining')).toBe('5');
    const five = await call(app, limited, 'POST', path, { campaigns: [21, 22, 23, 24, 25].map(campaign) });
    expect(five.status).toBe(200);
    expect(five.headers.get('x-ratelimit-remaining')).toBe('0');
    expect((await call(app, limited, 'GET', listPath(limited))).status).toBe(429);
    expect(await counted(limited)).toMatchObject({ weight: 10, counter: 10 });
  });
});
