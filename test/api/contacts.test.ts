/**
 * SPEC §2/§5 contacts over real HTTP on a real PostgreSQL: bulk create (≤5,000; items carry
 * `data.sid`; 207 on mixed results; a number the account has is reused as it is), list (`limit` at
 * most 20), get, update (one and bulk), delete (one and bulk), and `custom` / `custom_field` [C-21].
 */
import { describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { contacts, listMemberships } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { provisionAccount, type Json, type TestAccount } from '../support/api';
import type { TestDatabase } from '../support/db';
import { httpClient, type HttpCall, type ServedApp } from '../support/http-app';
import { serveOnFreshDatabase } from '../support/served-app';

let database: TestDatabase;
let served: ServedApp;
let acct: TestAccount;
let api: HttpCall;

serveOnFreshDatabase((app) => ({ database, served, acct, api } = app));

const base = () => `/v2/accounts/${acct.sid}`;
/** A distinct valid Indian mobile number per call. */
let counter = 0;
const aNumber = () => `+9196${String(10_000_000 + ((counter++ * 7919) % 89_999_999)).padStart(8, '0')}`;

async function countContacts(account: TestAccount): Promise<number> {
  return (await database.db.select().from(contacts).where(eq(contacts.accountSid, account.sid))).length;
}

describe('§5 creating contacts', () => {
  it('creates contacts in bulk: items carry data.sid, custom_field is kept as custom, a bad item fails', async () => {
    const [n1, n2, n3] = [aNumber(), aNumber(), aNumber()];
    const res = await api('POST', `${base()}/contacts`, {
      contacts: [
        {
          number: n1,
          first_name: 'captain',
          last_name: 'exotel',
          company_name: 'Exotel',
          email: 'captain@email.com',
          tag: 'Member',
          custom_field: { key: { key1: 'values1' } },
        },
        { number: '+91ABC' },
        { number: n2.replace('+91', '0'), custom: 'plain text', custom_field: 'ignored' },
        { first_name: 'no number' },
        { number: n3, first_name: 5 },
      ],
    });
    expect(res.status, res.text).toBe(207);
    expect(res.json.metadata).toEqual({ total: 5, success: 2, failed: 3 });
    const [a, bad, b, missing, wrongType] = res.json.response;
    expect(a).toMatchObject({
      code: 200,
      status: 'success',
      data: {
        number: n1,
        first_name: 'captain',
        last_name: 'exotel',
        company_name: 'Exotel',
        email: 'captain@email.com',
        tag: 'Member',
        custom: { key: { key1: 'values1' } },
      },
    });
    expect(a.data.sid).toMatch(/^[0-9a-f]{32}$/);
    expect(a.data.uri).toBe(`${base()}/contacts/${a.data.sid}`);
    expect(bad).toMatchObject({ code: 400, error_data: { code: 1002 } });
    expect(bad.error_data.description).toMatch(/^number: "\+91ABC" is not a valid phone number/);
    expect(b).toMatchObject({ code: 200, data: { number: n2, custom: 'plain text', first_name: null } });
    expect(missing).toMatchObject({ code: 400, error_data: { description: 'number is required' } });
    expect(wrongType).toMatchObject({ code: 400, error_data: { description: 'first_name must be a string; got 5' } });
    const [row] = await database.db.select().from(contacts).where(eq(contacts.sid, a.data.sid));
    expect(row!.custom).toEqual({ key: { key1: 'values1' } });
    expect(
      await database.db
        .select()
        .from(contacts)
        .where(and(eq(contacts.accountSid, acct.sid), eq(contacts.number, n3))),
    ).toEqual([]);
  });

  it('answers 200 when every element succeeds, and takes a flat body as one contact', async () => {
    const all = await api('POST', `${base()}/contacts`, { contacts: [{ number: aNumber() }, { number: aNumber() }] });
    expect(all.status, all.text).toBe(200);
    expect(all.json.metadata).toEqual({ total: 2, success: 2, failed: 0 });
    const flat = await api('POST', `${base()}/contacts`, { number: aNumber(), first_name: 'Flat' });
    expect(flat.status, flat.text).toBe(200);
    expect(flat.json.response).toHaveLength(1);
    expect(flat.json.response[0].data).toMatchObject({ first_name: 'Flat' });
    const flatBad = await api('POST', `${base()}/contacts`, { number: '12' });
    expect(flatBad.status).toBe(400);
  });

  it('reuses the contact with the same E.164 number and does not overwrite its fields', async () => {
    const n = aNumber();
    const first = await api('POST', `${base()}/contacts`, {
      contacts: [{ number: n, first_name: 'Original', tag: 'a' }],
    });
    const again = await api('POST', `${base()}/contacts`, {
      contacts: [{ number: n.replace('+91', ''), first_name: 'Changed', tag: 'b' }, { number: n }],
    });
    expect(again.status, again.text).toBe(200);
    const sid = first.json.response[0].data.sid;
    expect(again.json.response.map((i: Json) => [i.data.sid, i.data.first_name, i.data.tag])).toEqual([
      [sid, 'Original', 'a'],
      [sid, 'Original', 'a'],
    ]);
    expect(
      await database.db
        .select()
        .from(contacts)
        .where(and(eq(contacts.accountSid, acct.sid), eq(contacts.number, n))),
    ).toHaveLength(1);
  });

  it('takes 5,000 contacts in one call and refuses 5,001 as a whole (400, nothing created)', async () => {
    const other = await provisionAccount(database.db, { api_requests_per_minute: 1_000 });
    const call = httpClient(served.baseUrl, other);
    const numbers = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => ({ number: `+9193${String(10_000_000 + from + i)}` }));
    const tooMany = await call('POST', `/v2/accounts/${other.sid}/contacts`, { contacts: numbers(5001, 0) });
    expect(tooMany.status, tooMany.text.slice(0, 300)).toBe(400);
    expect(tooMany.json.response[0].error_data.description).toBe(
      'contacts has 5001 elements; at most 5000 are allowed per request',
    );
    expect(await countContacts(other)).toBe(0);
    const max = await call('POST', `/v2/accounts/${other.sid}/contacts`, { contacts: numbers(5000, 0) });
    expect(max.status, max.text.slice(0, 300)).toBe(200);
    expect(max.json.metadata).toEqual({ total: 5000, success: 5000, failed: 0 });
    expect(new Set(max.json.response.map((i: Json) => i.data.sid)).size).toBe(5000);
    expect(await countContacts(other)).toBe(5000);
  });
});

describe('§2 reading contacts', () => {
  it('pages by at most 20 as Exotel does, filters by name and by list, and shows lists on request', async () => {
    const other = await provisionAccount(database.db, { api_requests_per_minute: 1_000 });
    const call = httpClient(served.baseUrl, other);
    const path = `/v2/accounts/${other.sid}/contacts`;
    const created = await call('POST', path, {
      contacts: Array.from({ length: 25 }, (_, i) => ({
        number: `+9192${String(10_000_000 + i)}`,
        first_name: i === 3 ? 'Zoya' : `P${i}`,
        last_name: 'Khan',
      })),
    });
    expect(created.status, created.text).toBe(200);
    const page = await call('GET', path);
    expect(page.status, page.text).toBe(200);
    expect(page.json.metadata).toEqual({ count: 20, offset: 0, limit: 20, total: 25 });
    expect((await call('GET', `${path}?limit=100&offset=20`)).json.metadata).toEqual({
      count: 5,
      offset: 20,
      limit: 20,
      total: 25,
    });
    expect((await call('GET', `${path}?limit=5`)).json.metadata.count).toBe(5);
    const byName = await call('GET', `${path}?name=zoya`);
    expect(byName.json.response.map((i: Json) => i.data.first_name)).toEqual(['Zoya']);
    expect((await call('GET', `${path}?name=${encodeURIComponent('zoya khan')}`)).json.metadata.total).toBe(1);

    const list = await call('POST', `/v2/accounts/${other.sid}/lists`, { name: 'filter' });
    const listSid = list.json.response[0].data.sid;
    const picked = created.json.response.slice(0, 2).map((i: Json) => i.data.sid);
    await call('POST', `/v2/accounts/${other.sid}/lists/${listSid}/contacts`, {
      contact_references: picked.map((contact_sid: string) => ({ contact_sid })),
    });
    const inList = await call('GET', `${path}?list_sids=${listSid},${newSid()}&filter=show_list`);
    expect(inList.json.metadata.total).toBe(2);
    // Contacts created in one request share date_created: the order between them is the sid's.
    expect(inList.json.response.map((i: Json) => [i.data.sid, i.data.lists]).sort()).toEqual(
      picked.map((sid: string) => [sid, [listSid]]).sort(),
    );
    expect((await call('GET', path)).json.response[0].data.lists).toBeUndefined();
    expect((await call('GET', `${path}?limit=0`)).status).toBe(400);
  });

  it('sorts by name (first, then last) case-insensitively in either direction', async () => {
    const other = await provisionAccount(database.db, { api_requests_per_minute: 1_000 });
    const call = httpClient(served.baseUrl, other);
    const path = `/v2/accounts/${other.sid}/contacts`;
    const people = [
      ['bela', 'Rao'],
      ['Arjun', 'zaidi'],
      ['arjun', 'Mehta'],
      ['Chitra', 'Iyer'],
    ];
    const created = await call('POST', path, {
      contacts: people.map(([first_name, last_name], i) => ({
        number: `+9193${String(10_000_000 + i)}`,
        first_name,
        last_name,
      })),
    });
    expect(created.status, created.text).toBe(200);
    const names = async (sort: string) =>
      (await call('GET', `${path}?sort_by=${sort}`)).json.response.map(
        (i: Json) => `${i.data.first_name} ${i.data.last_name}`,
      );
    // Under the C collation a plain ORDER BY would put "Arjun" and "Chitra" before "arjun" and "bela".
    expect(await names('name:asc')).toEqual(['arjun Mehta', 'Arjun zaidi', 'bela Rao', 'Chitra Iyer']);
    expect(await names('name:desc')).toEqual(['Chitra Iyer', 'bela Rao', 'Arjun zaidi', 'arjun Mehta']);
  });

  it('gets one contact; 404 for an unknown one or one of another account', async () => {
    const created = await api('POST', `${base()}/contacts`, { number: aNumber(), email: 'one@example.com' });
    const sid = created.json.response[0].data.sid;
    const res = await api('GET', `${base()}/contacts/${sid}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json.response[0].data).toMatchObject({ sid, email: 'one@example.com' });
    const missing = await api('GET', `${base()}/contacts/${newSid()}`);
    expect(missing.status).toBe(404);
    expect(missing.json.response[0].error_data.code).toBe(3003);
    const other = await provisionAccount(database.db);
    expect((await httpClient(served.baseUrl, other)('GET', `/v2/accounts/${other.sid}/contacts/${sid}`)).status).toBe(
      404,
    );
  });
});

describe('§2 updating contacts', () => {
  it('updates one contact: fields, null clears, a new number is normalised, a taken number is 409', async () => {
    const [a, b] = [aNumber(), aNumber()];
    const created = await api('POST', `${base()}/contacts`, {
      contacts: [{ number: a, first_name: 'Asha', tag: 'x' }, { number: b }],
    });
    const sid = created.json.response[0].data.sid;
    const res = await api('PUT', `${base()}/contacts/${sid}`, {
      first_name: 'Asha R',
      tag: null,
      custom_field: { tier: 2 },
      number: a.replace('+91', '0'),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.response[0].data).toMatchObject({
      sid,
      number: a,
      first_name: 'Asha R',
      tag: null,
      custom: { tier: 2 },
    });
    const wrapped = await api('PUT', `${base()}/contacts/${sid}`, { contacts: [{ last_name: 'Rao' }] });
    expect(wrapped.json.response[0].data).toMatchObject({ first_name: 'Asha R', last_name: 'Rao' });
    const taken = await api('PUT', `${base()}/contacts/${sid}`, { number: b });
    expect(taken.status).toBe(409);
    expect(taken.json.response[0].error_data.description).toBe(
      `number: another contact of the account already has number ${b}`,
    );
    expect((await api('PUT', `${base()}/contacts/${sid}`, { number: 'abc' })).status).toBe(400);
    expect((await api('PUT', `${base()}/contacts/${newSid()}`, { first_name: 'x' })).status).toBe(404);
  });

  it('updates in bulk by sid, each element on its own (207 when one fails)', async () => {
    const created = await api('POST', `${base()}/contacts`, {
      contacts: [{ number: aNumber() }, { number: aNumber() }],
    });
    const [s1, s2] = created.json.response.map((i: Json) => i.data.sid);
    const res = await api('PUT', `${base()}/contacts`, {
      contacts: [
        { sid: s1, first_name: 'One' },
        { sid: newSid(), first_name: 'Ghost' },
        { first_name: 'No sid' },
        { sid: s2, email: 'two@example.com' },
      ],
    });
    expect(res.status, res.text).toBe(207);
    expect(res.json.metadata).toEqual({ total: 4, success: 2, failed: 2 });
    expect(res.json.response.map((i: Json) => i.code)).toEqual([200, 404, 400, 200]);
    expect(res.json.response[3].data).toMatchObject({ sid: s2, email: 'two@example.com' });
  });
});

describe('§2 deleting contacts', () => {
  it('deletes one contact and its memberships', async () => {
    const created = await api('POST', `${base()}/contacts`, { number: aNumber() });
    const sid = created.json.response[0].data.sid;
    const list = await api('POST', `${base()}/lists`, { name: `del ${newSid().slice(0, 6)}` });
    const listSid = list.json.response[0].data.sid;
    await api('POST', `${base()}/lists/${listSid}/contacts`, { contact_references: [{ contact_sid: sid }] });
    const res = await api('DELETE', `${base()}/contacts/${sid}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json.response[0].data.sid).toBe(sid);
    expect((await api('GET', `${base()}/contacts/${sid}`)).status).toBe(404);
    expect(await database.db.select().from(listMemberships).where(eq(listMemberships.contactSid, sid))).toEqual([]);
    expect((await api('GET', `${base()}/lists/${listSid}`)).json.response[0].data.contact_count).toBe(0);
    expect((await api('DELETE', `${base()}/contacts/${sid}`)).status).toBe(404);
  });

  it('deletes in bulk from {"contacts": [{"sid"}]}, each element on its own (207 when one fails)', async () => {
    const created = await api('POST', `${base()}/contacts`, {
      contacts: [{ number: aNumber() }, { number: aNumber() }],
    });
    const [s1, s2] = created.json.response.map((i: Json) => i.data.sid);
    const ghost = newSid();
    const res = await api('DELETE', `${base()}/contacts`, {
      contacts: [{ sid: s1 }, { sid: ghost }, { sid: s2 }, { sid: s1 }],
    });
    expect(res.status, res.text).toBe(207);
    expect(res.json.response.map((i: Json) => i.code)).toEqual([200, 404, 200, 404]);
    expect(res.json.metadata).toEqual({ total: 4, success: 2, failed: 2 });
    expect(await database.db.select().from(contacts).where(eq(contacts.sid, s1))).toEqual([]);
    const all = await api('DELETE', `${base()}/contacts`, {
      contacts: [{ sid: (await api('POST', `${base()}/contacts`, { number: aNumber() })).json.response[0].data.sid }],
    });
    expect(all.status, all.text).toBe(200);
  });
});
