/**
 * SPEC §3 create with `lists`, on the real app and database (the workflow engine is the fake one):
 * the lists' rules (unknown, processing upload, dynamic type and template tokens, 1..5 static, 1
 * dynamic), nothing half-written on refusal, and the preview of the snapshot that makes `stats`
 * reflect the lists at creation: distinct numbers in list order, or every entry with duplicates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createApp } from '../../api/app';
import { upsertContacts } from '../../db/queries/contacts';
import { applyCampaignPatch } from '../../db/queries/campaign-update';
import { campaignStats } from '../../db/queries/stats';
import { campaigns, csvUploads, listMemberships, lists } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { freshDatabase, type TestDatabase } from '../support/db';
import { call, provisionAccount, testDeps, type App, type Json, type TestAccount } from '../support/api';

let database: TestDatabase;
let app: App;
let acct: TestAccount;
let other: TestAccount;

beforeAll(async () => {
  database = await freshDatabase();
  app = createApp(testDeps(database.db));
  acct = await provisionAccount(database.db, { api_requests_per_minute: 10_000 });
  other = await provisionAccount(database.db);
});
afterAll(async () => {
  await database?.drop();
});

type Member = { number: string; first?: string; last?: string; vars?: Record<string, string> };

/** A list of `account` holding `members` in order (contacts reused by number, as SPEC §5 says). */
async function makeList(
  account: TestAccount,
  members: Member[],
  opts: { type?: 'static' | 'dynamic' | null; columns?: string[] } = {},
): Promise<string> {
  const sid = newSid();
  const now = new Date();
  await database.db.insert(lists).values({
    sid,
    accountSid: account.sid,
    name: `list ${sid.slice(0, 8)}`,
    type: opts.type ?? null,
    columns: opts.columns ?? [],
  });
  const rows = await upsertContacts(
    database.db,
    account.sid,
    members.map((m) => ({
      number: m.number,
      firstName: m.first ?? null,
      lastName: m.last ?? null,
      companyName: null,
      email: null,
      tag: null,
      custom: null,
    })),
    now,
  );
  for (const [i, m] of members.entries()) {
    await database.db.insert(listMemberships).values({ listSid: sid, contactSid: rows[i]!.sid, vars: m.vars ?? null });
  }
  return sid;
}

const create = (body: Record<string, unknown>, account = acct) =>
  call(app, account, 'POST', `/v2/accounts/${account.sid}/campaigns`, {
    caller_id: '08047112233',
    url: 'https://flows.example/1',
    ...body,
  });
const campaignCount = async () =>
  (
    await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(campaigns)
      .where(eq(campaigns.accountSid, acct.sid))
  )[0]!.n;
const error = (res: { json: Json }) => res.json.response[0].error_data;

describe('§3 static campaigns from lists', () => {
  it('counts each distinct number once, in list order, and echoes lists without from', async () => {
    const a = await makeList(acct, [
      { number: '+919811000001', first: 'Ana', last: 'Rao' },
      { number: '+919811000002', first: 'Bo' },
    ]);
    const b = await makeList(acct, [{ number: '+919811000002' }, { number: '+919811000003', last: 'Cy' }]);
    const res = await create({ lists: [a, b] });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const data = res.json.response[0].data;
    expect(data).toMatchObject({
      lists: [a, b],
      campaign_type: 'static',
      status: 'Created',
      stats: { created: 3, pending: 3, completed: 0 },
    });
    expect(data).not.toHaveProperty('from');
    const got = await call(app, acct, 'GET', `/v2/accounts/${acct.sid}/campaigns/${data.id}`);
    expect(got.json.response[0].data.stats).toMatchObject({ created: 3, pending: 3 });
    const numbers = await call(app, acct, 'GET', `/v2/accounts/${acct.sid}/campaigns/${data.id}/numbers`);
    expect(numbers.json.response.map((i: Json) => [i.data.position, i.data.number, i.data.name])).toEqual([
      [0, '+919811000001', 'Ana Rao'],
      [1, '+919811000002', 'Bo'],
      [2, '+919811000003', 'Cy'],
    ]);
  });

  it('counts every entry with call_duplicate_numbers', async () => {
    const a = await makeList(acct, [{ number: '+919811000011' }, { number: '+919811000012' }]);
    const b = await makeList(acct, [{ number: '+919811000012' }]);
    const res = await create({ lists: [a, b], call_duplicate_numbers: true });
    expect(res.json.response[0].data.stats).toMatchObject({ created: 3, pending: 3 });
  });

  it('takes five lists and refuses a sixth', async () => {
    const sids = await Promise.all(
      Array.from({ length: 6 }, (_, i) => makeList(acct, [{ number: `+91981100002${i}` }])),
    );
    const before = await campaignCount();
    const six = await create({ lists: sids });
    expect(six.status).toBe(400);
    expect(error(six)).toMatchObject({
      code: 1000,
      description: 'lists names 6 lists; a static campaign takes at most 5',
    });
    expect(await campaignCount()).toBe(before);
    expect((await create({ lists: sids.slice(0, 5) })).json.response[0].data.stats.created).toBe(5);
  });

  it('refuses a list that does not exist or belongs to another account, naming it, and creates nothing', async () => {
    const mine = await makeList(acct, [{ number: '+919811000031' }]);
    const theirs = await makeList(other, [{ number: '+919811000032' }]);
    const before = await campaignCount();
    const res = await create({ lists: [mine, theirs] });
    expect(res.status).toBe(400);
    expect(error(res)).toMatchObject({
      code: 1007,
      description: `lists[2]: list "${theirs}" does not exist in this account`,
    });
    expect(await campaignCount()).toBe(before);
  });

  it('answers 409 while an upload into a list is still processing', async () => {
    const busy = await makeList(acct, [{ number: '+919811000041' }], { type: 'static' });
    await database.db
      .insert(csvUploads)
      .values({ id: newSid(), accountSid: acct.sid, listSid: busy, type: 'static', status: 'processing' });
    const res = await create({ lists: [busy] });
    expect(res.status).toBe(409);
    expect(error(res)).toMatchObject({
      code: 4004,
      description: expect.stringContaining(`list "${busy}" has a CSV upload still processing`),
    });
  });
});

describe('§4.7 a PUT before start', () => {
  it('previews the new lists, so stats follow the change', async () => {
    const a = await makeList(acct, [{ number: '+919811000081' }, { number: '+919811000082' }]);
    const b = await makeList(acct, [
      { number: '+919811000082' },
      { number: '+919811000083' },
      { number: '+919811000084' },
    ]);
    const id = (await create({ lists: [a] })).json.response[0].data.id as string;
    await database.db.transaction((tx) => applyCampaignPatch(tx, id, { lists: [a, b] }, new Date()));
    expect(await campaignStats(database.db, id)).toMatchObject({ created: 4, pending: 4 });
    await database.db.transaction((tx) => applyCampaignPatch(tx, id, { callDuplicateNumbers: true }, new Date()));
    expect(await campaignStats(database.db, id)).toMatchObject({ created: 5, pending: 5 });
  });
});

describe('§3 dynamic campaigns', () => {
  const text = 'Hello @@first_name, pay @@Amount';

  it('takes one dynamic list whose columns name every token', async () => {
    const list = await makeList(acct, [{ number: '+919811000051', first: 'Asha', vars: { Amount: '₹500' } }], {
      type: 'dynamic',
      columns: ['Amount'],
    });
    const res = await create({ lists: [list], campaign_type: 'dynamic', read_via_text: text, url: undefined });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response[0].data).toMatchObject({
      campaign_type: 'dynamic',
      flow_type: 'greeting',
      read_via_text: text,
      stats: { created: 1 },
    });
  });

  it('names the token that no column of the list provides', async () => {
    const list = await makeList(acct, [{ number: '+919811000061' }], { type: 'dynamic', columns: ['amount'] });
    const res = await create({ lists: [list], campaign_type: 'dynamic', read_via_text: text, url: undefined });
    expect(res.status).toBe(400);
    expect(error(res).description).toBe(`read_via_text: @@Amount names no column of list "${list}" (columns: amount)`);
  });

  it('needs a list of type dynamic, and exactly one', async () => {
    const plain = await makeList(acct, [{ number: '+919811000071' }], { type: 'static' });
    const res = await create({ lists: [plain], campaign_type: 'dynamic', read_via_text: 'Hi', url: undefined });
    expect(res.status).toBe(400);
    expect(error(res).description).toMatch(
      /^lists\[1\]: list ".*" is static; a dynamic campaign needs a list uploaded with type=dynamic$/,
    );
    const two = await create({
      lists: [plain, newSid()],
      campaign_type: 'dynamic',
      read_via_text: 'Hi',
      url: undefined,
    });
    expect(error(two).description).toBe('a dynamic campaign takes exactly one list; lists names 2');
  });
});
