/**
 * SPEC §3/§5 the deferred snapshot on a real database: a create over large lists answers with `stats.snapshot` pending
 * and writes no numbers; `markCampaignStarted` copies them in committed chunks with progress, taking exactly what the
 * one-statement snapshot takes; a campaign deleted before start never had numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import { createApp } from '../../api/app';
import { createCampaignStoreActivities } from '../../activities/campaign-store';
import { PREVIEW_MAX_NUMBERS, snapshotListNumbers, takeListSnapshot } from '../../db/queries/snapshots';
import { campaignStats } from '../../db/queries/stats';
import { campaignNumbers, campaigns } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { call, provisionAccount, testDeps, type App, type TestAccount } from '../support/api';
import { freshDatabase, type TestDatabase } from '../support/db';

let database: TestDatabase;
let app: App;
let acct: TestAccount;

beforeAll(async () => {
  database = await freshDatabase();
  app = createApp(testDeps(database.db));
  acct = await provisionAccount(database.db, { api_requests_per_minute: 10_000 });
});
afterAll(async () => {
  await database?.drop();
});

/** A static list of `n` members with numbers from `first`, written straight into the read model. */
async function bigList(first: number, n: number): Promise<string> {
  const sid = newSid();
  const db = database.db.$client;
  await db`insert into lists (sid, account_sid, name, type) values (${sid}, ${acct.sid}, ${`big ${sid}`}, 'static')`;
  await db`
    insert into contacts (sid, account_sid, number, first_name, date_created, date_updated)
    select md5(${acct.sid} || g), ${acct.sid}, '+9198' || (10000000 + g), 'Name ' || g, now(), now()
      from generate_series(${first}::int, ${first + n - 1}::int) g
    on conflict (account_sid, number) do nothing`;
  await db`
    insert into list_memberships (list_sid, contact_sid)
    select ${sid}, c.sid from generate_series(${first}::int, ${first + n - 1}::int) g
      join contacts c on c.account_sid = ${acct.sid} and c.number = '+9198' || (10000000 + g)
     order by g`;
  return sid;
}

async function create(lists: string[]) {
  const res = await call(app, acct, 'POST', `/v2/accounts/${acct.sid}/campaigns`, {
    lists,
    caller_id: '08012345678',
    read_via_text: 'Hello',
  });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return res.json.response[0].data;
}

const numbersOf = (id: string) =>
  database.db
    .select({ position: campaignNumbers.position, number: campaignNumbers.number, name: campaignNumbers.name })
    .from(campaignNumbers)
    .where(eq(campaignNumbers.campaignId, id))
    .orderBy(asc(campaignNumbers.position));

describe('§5 the snapshot of a big list waits for the start and says how far it is', () => {
  const store = () =>
    createCampaignStoreActivities({ db: database.db, publicUrl: 'http://127.0.0.1:3000', signingSecret: 's3cret' });

  it('answers a create with the lists’ count, copies at start in chunks, and reports progress', async () => {
    const a = await bigList(0, PREVIEW_MAX_NUMBERS);
    const b = await bigList(PREVIEW_MAX_NUMBERS - 2000, 4000);
    const total = PREVIEW_MAX_NUMBERS + 2000;
    const data = await create([a, b]);
    expect(data.stats).toMatchObject({
      created: total,
      pending: total,
      snapshot: { status: 'pending', copied: 0, total },
    });
    expect(await database.db.$count(campaignNumbers, eq(campaignNumbers.campaignId, data.id))).toBe(0);
    const got = await call(app, acct, 'GET', `/v2/accounts/${acct.sid}/campaigns/${data.id}`);
    expect(got.json.response[0].data.stats).toEqual(data.stats);

    // The copy in chunks of 1,000, watched from outside: every read keeps the invariant and the count.
    const seen: Array<{ status: string; copied: number }> = [];
    let copying = true;
    const watcher = (async () => {
      while (copying) {
        const s = await campaignStats(database.db, data.id);
        expect(s.created).toBe(s.pending + s.in_progress + s.retry + s.completed + s.failed + s.canceled);
        expect(s.created).toBe(total);
        seen.push({ status: s.snapshot!.status, copied: s.snapshot!.copied });
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    expect(await takeListSnapshot(database.db, data.id, 1000)).toBe(total);
    copying = false;
    await watcher;
    const during = seen.filter((s) => s.status === 'copying');
    expect(during.length).toBeGreaterThan(1);
    expect(during.some((s) => s.copied > 0 && s.copied < total)).toBe(true);
    expect(during.every((s, i) => i === 0 || s.copied >= during[i - 1]!.copied)).toBe(true);

    // The start marks it taken; the numbers are those the one-statement snapshot takes.
    const started = await store().markCampaignStarted({ campaignId: data.id, nowMs: Date.now() });
    expect(started.started).toBe(true);
    const chunked = await numbersOf(data.id);
    expect(await campaignStats(database.db, data.id)).toMatchObject({
      created: total,
      pending: total,
      snapshot: { status: 'taken', copied: total, total },
    });
    const [row] = await database.db.select().from(campaigns).where(eq(campaigns.id, data.id));
    expect(row).toMatchObject({ status: 'InProgress', listNumbers: total, snapshotCopied: null });
    await database.db.transaction((tx) => snapshotListNumbers(tx, data.id));
    expect(await numbersOf(data.id)).toEqual(chunked);
    expect(chunked.map((n) => n.position)).toEqual([...Array(total).keys()]);
    expect(chunked[0]).toEqual({ position: 0, number: '+919810000000', name: 'Name 0' });
    expect(chunked.at(-1)).toEqual({
      position: total - 1,
      number: `+9198${10000000 + total - 1}`,
      name: `Name ${total - 1}`,
    });
  });

  it('takes the snapshot inside markCampaignStarted when nothing took it before', async () => {
    const data = await create([await bigList(100_000, PREVIEW_MAX_NUMBERS + 1)]);
    const started = await store().markCampaignStarted({ campaignId: data.id, nowMs: Date.now() });
    expect(started.started).toBe(true);
    expect(await campaignStats(database.db, data.id)).toMatchObject({
      created: PREVIEW_MAX_NUMBERS + 1,
      snapshot: { status: 'taken' },
    });
  });

  it('shows no numbers for a big list campaign deleted before it started', async () => {
    const data = await create([await bigList(200_000, PREVIEW_MAX_NUMBERS + 1)]);
    await store().applyControl({ campaignId: data.id, toStatus: 'Deleted', patch: {}, nowMs: Date.now() });
    const s = await campaignStats(database.db, data.id);
    expect(s).toMatchObject({ created: 0, pending: 0, canceled: 0, snapshot: { status: 'skipped', copied: 0 } });
    const [n] = await database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from campaign_numbers where campaign_id = ${data.id}`,
    );
    expect(n!.n).toBe(0);
  });

  it('previews a small list at create, as before', async () => {
    const data = await create([await bigList(300_000, 50)]);
    expect(data.stats).toMatchObject({
      created: 50,
      pending: 50,
      snapshot: { status: 'taken', copied: 50, total: 50 },
    });
    expect((await numbersOf(data.id)).length).toBe(50);
  });
});
