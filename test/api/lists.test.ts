/**
 * SPEC §2/§5 lists and memberships over real HTTP on a real PostgreSQL: create (flat and bulk, a
 * duplicate name as an item with code 409), list, get, rename (one and bulk), delete (409 while a
 * non-terminal campaign uses the list), add / list / remove members, and the `/contact-lists` alias.
 */
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { contacts, csvUploads, listMemberships, lists } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { provisionAccount, type Json, type TestAccount } from '../support/api';
import type { TestDatabase } from '../support/db';
import { httpClient, type HttpCall, type ServedApp } from '../support/http-app';
import { insertListCampaign, setCampaignStatus } from '../support/csv-upload';
import { serveOnFreshDatabase } from '../support/served-app';

let database: TestDatabase;
let served: ServedApp;
let acct: TestAccount;
let api: HttpCall;

serveOnFreshDatabase((app) => ({ database, served, acct, api } = app), { account: { timezone: 'Asia/Kolkata' } });

const base = () => `/v2/accounts/${acct.sid}`;
const unique = (what: string) => `${what} ${newSid().slice(0, 8)}`;

async function createList(name: string, tag?: string): Promise<Json> {
  const res = await api('POST', `${base()}/lists`, { name, ...(tag !== undefined && { tag }) });
  expect(res.status, res.text).toBe(200);
  return res.json.response[0].data;
}

async function createContacts(numbers: string[]): Promise<string[]> {
  const res = await api('POST', `${base()}/contacts`, {
    contacts: numbers.map((number, i) => ({ number, first_name: `C${i}` })),
  });
  expect(res.status, res.text).toBe(200);
  return res.json.response.map((i: Json) => i.data.sid);
}

async function addMembers(listSid: string, contactSids: string[]) {
  return api('POST', `${base()}/lists/${listSid}/contacts`, {
    contact_references: contactSids.map((contact_sid) => ({ contact_sid })),
  });
}

describe('§5 creating lists', () => {
  it('creates one list from a flat body: data.sid, no type or columns until an upload, zero contacts', async () => {
    const name = unique('Renewals');
    const res = await api('POST', `${base()}/lists`, { name, tag: 'demo' });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ method: 'POST', http_code: 200 });
    const data = res.json.response[0].data;
    expect(data).toMatchObject({
      name,
      tag: 'demo',
      type: null,
      columns: [],
      contact_count: 0,
      uri: `${base()}/lists/${data.sid}`,
    });
    expect(data.sid).toMatch(/^[0-9a-f]{32}$/);
    expect(data.date_created).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/);
  });

  it('creates several lists from {"lists": [...]}; a duplicate name is an item with code 409 in a 207', async () => {
    const taken = unique('Taken');
    await createList(taken);
    const fresh = unique('Fresh');
    const res = await api('POST', `${base()}/lists`, {
      lists: [{ name: fresh }, { name: taken }, { name: fresh }, { tag: 'no name' }],
    });
    expect(res.status, res.text).toBe(207);
    const [ok, dup, dupInBody, bad] = res.json.response;
    expect(ok).toMatchObject({ code: 200, status: 'success', data: { name: fresh } });
    expect(ok.data.sid).toMatch(/^[0-9a-f]{32}$/);
    expect(dup).toMatchObject({
      code: 409,
      status: 'failure',
      error_data: { code: 4003, description: `name: the account already has a list named "${taken}"` },
    });
    expect(dupInBody).toMatchObject({ code: 409 });
    expect(bad).toMatchObject({ code: 400, error_data: { description: 'name is required' } });
    const all = await api('POST', `${base()}/lists`, { lists: [{ name: unique('One') }, { name: unique('Two') }] });
    expect(all.status, all.text).toBe(200);
    expect(all.json.response.map((i: Json) => i.code)).toEqual([200, 200]);
  });

  it('answers a flat duplicate with HTTP 409', async () => {
    const name = unique('Flat dup');
    await createList(name);
    const res = await api('POST', `${base()}/lists`, { name });
    expect(res.status).toBe(409);
    expect(res.json.http_code).toBe(409);
  });

  it('parses JSON whatever the Content-Type; 400 for broken JSON, 415 for a body that is not JSON', async () => {
    const plain = await api('POST', `${base()}/lists`, JSON.stringify({ name: unique('Plain') }), {
      'content-type': 'text/plain',
    });
    expect(plain.status, plain.text).toBe(200);
    const form = await api('POST', `${base()}/lists`, encodeURIComponent(JSON.stringify({ name: unique('Form') })), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status, form.text).toBe(200);
    expect((await api('POST', `${base()}/lists`, '{"name": ', { 'content-type': 'application/json' })).status).toBe(
      400,
    );
    expect((await api('POST', `${base()}/lists`, 'name=x', { 'content-type': 'text/plain' })).status).toBe(415);
  });
});

describe('§2 reading lists', () => {
  it('pages, filters by name (substring, any case) and sorts, with metadata', async () => {
    const marker = newSid().slice(0, 6);
    for (const n of ['b', 'a', 'c']) await createList(`Sorted ${marker} ${n}`);
    const res = await api('GET', `${base()}/lists?name=SORTED%20${marker}&sort_by=name:desc&limit=2`);
    expect(res.status, res.text).toBe(200);
    expect(res.json.metadata).toEqual({ count: 2, offset: 0, limit: 2, total: 3 });
    expect(res.json.response.map((i: Json) => i.data.name)).toEqual([`Sorted ${marker} c`, `Sorted ${marker} b`]);
    const next = await api('GET', `${base()}/lists?name=${marker}&sort_by=name:desc&limit=2&offset=2`);
    expect(next.json.response.map((i: Json) => i.data.name)).toEqual([`Sorted ${marker} a`]);
    const byDate = await api('GET', `${base()}/lists?name=${marker}`);
    expect(byDate.json.response.map((i: Json) => i.data.name)).toEqual([
      `Sorted ${marker} b`,
      `Sorted ${marker} a`,
      `Sorted ${marker} c`,
    ]);
    expect((await api('GET', `${base()}/lists?limit=100000`)).json.metadata.limit).toBe(500);
    const mixed = newSid().slice(0, 6);
    for (const n of ['bravo', 'Charlie', 'alpha', 'Delta']) await createList(`${n} ${mixed}`);
    const byName = await api('GET', `${base()}/lists?name=${mixed}&sort_by=name:asc`);
    // Case-insensitive whatever the database collation (under C, capitals would come first).
    expect(byName.json.response.map((i: Json) => i.data.name)).toEqual(
      ['alpha', 'bravo', 'Charlie', 'Delta'].map((n) => `${n} ${mixed}`),
    );
    const desc = await api('GET', `${base()}/lists?name=${mixed}&sort_by=name:desc`);
    expect(desc.json.response.map((i: Json) => i.data.name)).toEqual(
      ['Delta', 'Charlie', 'bravo', 'alpha'].map((n) => `${n} ${mixed}`),
    );
    const bad = await api('GET', `${base()}/lists?sort_by=size`);
    expect(bad.status).toBe(400);
    expect(bad.json.response[0].error_data.description).toMatch(/^sort_by must be one of/);
  });

  it('gets one list with its contact_count; 404 for an unknown list or one of another account', async () => {
    const list = await createList(unique('Counted'));
    await addMembers(list.sid, await createContacts(['+919700000001', '+919700000002']));
    const res = await api('GET', `${base()}/lists/${list.sid}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json.response[0].data).toMatchObject({ sid: list.sid, contact_count: 2 });
    const missing = await api('GET', `${base()}/lists/${newSid()}`);
    expect(missing.status).toBe(404);
    expect(missing.json.response[0].error_data.code).toBe(3002);
    const other = await provisionAccount(database.db);
    const theirs = await httpClient(served.baseUrl, other)('POST', `/v2/accounts/${other.sid}/lists`, {
      name: 'theirs',
    });
    expect((await api('GET', `${base()}/lists/${theirs.json.response[0].data.sid}`)).status).toBe(404);
  });
});

describe('§2 renaming lists', () => {
  it('renames one list (flat body or a bulk body of one element); a taken name is 409', async () => {
    const list = await createList(unique('Old name'));
    const name = unique('New name');
    const res = await api('PUT', `${base()}/lists/${list.sid}`, { name, tag: 'vip' });
    expect(res.status, res.text).toBe(200);
    expect(res.json.response[0].data).toMatchObject({ sid: list.sid, name, tag: 'vip' });
    const again = await api('PUT', `${base()}/lists/${list.sid}`, { lists: [{ name: `${name} 2` }] });
    expect(again.status, again.text).toBe(200);
    const other = await createList(unique('Other'));
    const taken = await api('PUT', `${base()}/lists/${other.sid}`, { name: `${name} 2` });
    expect(taken.status).toBe(409);
    expect(taken.json.response[0].error_data.code).toBe(4003);
    expect((await api('PUT', `${base()}/lists/${other.sid}`, { lists: [{ name: 'a' }, { name: 'b' }] })).status).toBe(
      400,
    );
    expect((await api('PUT', `${base()}/lists/${other.sid}`, {})).json.response[0].error_data.description).toBe(
      'name is required',
    );
    expect((await api('PUT', `${base()}/lists/${newSid()}`, { name: unique('x') })).status).toBe(404);
  });

  it('renames in bulk, each element on its own (207 when one fails); refuses more than 5,000 elements', async () => {
    const a = await createList(unique('Bulk A'));
    const b = await createList(unique('Bulk B'));
    const res = await api('PUT', `${base()}/lists`, {
      lists: [
        { sid: a.sid, name: unique('Bulk A2') },
        { sid: newSid(), name: unique('ghost') },
        { sid: b.sid, name: unique('Bulk B2') },
      ],
    });
    expect(res.status, res.text).toBe(207);
    expect(res.json.response.map((i: Json) => i.code)).toEqual([200, 404, 200]);
    const tooMany = await api('PUT', `${base()}/lists`, {
      lists: Array.from({ length: 5001 }, (_, i) => ({ sid: a.sid, name: `n${i}` })),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.response[0].error_data.description).toBe(
      'lists has 5001 elements; at most 5000 are allowed per request',
    );
  });
});

describe('§5 deleting lists', () => {
  it('deletes a list with its memberships; the contacts stay', async () => {
    const list = await createList(unique('Doomed'));
    const [sid] = await createContacts(['+919711100001']);
    await addMembers(list.sid, [sid!]);
    const res = await api('DELETE', `${base()}/lists/${list.sid}`);
    expect(res.status, res.text).toBe(200);
    expect(res.json.response[0].data).toMatchObject({ sid: list.sid, contact_count: 1 });
    expect((await api('GET', `${base()}/lists/${list.sid}`)).status).toBe(404);
    expect(await database.db.select().from(listMemberships).where(eq(listMemberships.listSid, list.sid))).toEqual([]);
    expect(await database.db.select().from(contacts).where(eq(contacts.sid, sid!))).toHaveLength(1);
    expect((await api('DELETE', `${base()}/lists/${list.sid}`)).status).toBe(404);
  });

  it('refuses to delete a list a non-terminal campaign uses (409), and allows it once the campaign ended', async () => {
    const list = await createList(unique('In use'));
    const campaignId = await insertListCampaign(database.db, {
      accountSid: acct.sid,
      listSids: [list.sid],
      status: 'InProgress',
    });
    const res = await api('DELETE', `${base()}/lists/${list.sid}`);
    expect(res.status, res.text).toBe(409);
    expect(res.json.response[0].error_data).toMatchObject({ code: 4001 });
    expect(res.json.response[0].error_data.description).toContain(`${campaignId} (InProgress)`);
    expect(await database.db.select().from(lists).where(eq(lists.sid, list.sid))).toHaveLength(1);
    await setCampaignStatus(database.db, campaignId, 'Completed');
    expect((await api('DELETE', `${base()}/lists/${list.sid}`)).status).toBe(200);
  });

  it('refuses to delete a list while one of its CSV uploads is processing (409)', async () => {
    const list = await createList(unique('Uploading'));
    const uploadId = newSid();
    await database.db
      .insert(csvUploads)
      .values({ id: uploadId, accountSid: acct.sid, listSid: list.sid, type: 'static', status: 'processing' });
    const res = await api('DELETE', `${base()}/lists/${list.sid}`);
    expect(res.status, res.text).toBe(409);
    expect(res.json.response[0].error_data).toMatchObject({ code: 4004 });
    expect(res.json.response[0].error_data.description).toContain(uploadId);
    await database.db.update(csvUploads).set({ status: 'completed' }).where(eq(csvUploads.id, uploadId));
    expect((await api('DELETE', `${base()}/lists/${list.sid}`)).status).toBe(200);
  });
});

describe('§5 list members', () => {
  it('adds existing contacts by contact_references: items carry list_id and contact_sid; metadata counts', async () => {
    const list = await createList(unique('Members'));
    const sids = await createContacts(['+919722200001', '+919722200002']);
    const unknown = newSid();
    const res = await addMembers(list.sid, [sids[0]!, unknown, sids[1]!]);
    expect(res.status, res.text).toBe(207);
    expect(res.json.metadata).toEqual({ total: 3, success: 2, failed: 1 });
    const [a, missing, b] = res.json.response;
    // Each item carries the contact's `sid` as well as `contact_sid` and `list_id`.
    expect(a).toMatchObject({ code: 200, status: 'success' });
    expect(a.data).toEqual({ sid: sids[0], list_id: list.sid, contact_sid: sids[0] });
    expect(missing).toMatchObject({
      code: 404,
      error_data: {
        code: 3003,
        description: `contact_sid: contact "${unknown}" does not exist in account "${acct.sid}"`,
      },
    });
    expect(b).toMatchObject({ data: { sid: sids[1], list_id: list.sid, contact_sid: sids[1] } });

    // Adding a member again changes nothing and succeeds; a malformed reference fails on its own.
    const again = await api('POST', `${base()}/lists/${list.sid}/contacts`, {
      contact_references: [{ contact_sid: sids[0] }, { contact_sid: 7 }],
    });
    expect(again.status, again.text).toBe(207);
    expect(again.json.response.map((i: Json) => i.code)).toEqual([200, 400]);
    expect(again.json.response[1].error_data.description).toBe('contact_sid must be a string; got 7');
    expect(await database.db.select().from(listMemberships).where(eq(listMemberships.listSid, list.sid))).toHaveLength(
      2,
    );
    const all = await addMembers(list.sid, sids);
    expect(all.status).toBe(200);
    expect(all.json.metadata).toEqual({ total: 2, success: 2, failed: 0 });
  });

  it('refuses more than 5,000 contact_references, and an unknown list with 404', async () => {
    const list = await createList(unique('Big add'));
    const res = await addMembers(
      list.sid,
      Array.from({ length: 5001 }, () => newSid()),
    );
    expect(res.status).toBe(400);
    expect(res.json.response[0].error_data.description).toBe(
      'contact_references has 5001 elements; at most 5000 are allowed per request',
    );
    expect((await addMembers(newSid(), [newSid()])).status).toBe(404);
  });

  it('lists members in the order they joined, paged, and removes one membership (the contact stays)', async () => {
    const list = await createList(unique('Ordered'));
    const sids = await createContacts(['+919733300003', '+919733300001', '+919733300002']);
    await addMembers(list.sid, [sids[2]!, sids[0]!]);
    await addMembers(list.sid, [sids[1]!]);
    const page = await api('GET', `${base()}/lists/${list.sid}/contacts?limit=2`);
    expect(page.status, page.text).toBe(200);
    expect(page.json.metadata).toEqual({ count: 2, offset: 0, limit: 2, total: 3 });
    expect(page.json.response.map((i: Json) => i.data.sid)).toEqual([sids[2], sids[0]]);
    const rest = await api('GET', `${base()}/lists/${list.sid}/contacts?offset=2`);
    expect(rest.json.response.map((i: Json) => i.data.number)).toEqual(['+919733300001']);

    const removed = await api('DELETE', `${base()}/lists/${list.sid}/contacts/${sids[0]}`);
    expect(removed.status, removed.text).toBe(200);
    expect(removed.json.response[0].data).toEqual({ list_id: list.sid, contact_sid: sids[0] });
    expect((await api('GET', `${base()}/lists/${list.sid}`)).json.response[0].data.contact_count).toBe(2);
    expect((await api('GET', `${base()}/contacts/${sids[0]}`)).status).toBe(200);
    expect((await api('DELETE', `${base()}/lists/${list.sid}/contacts/${sids[0]}`)).status).toBe(404);
    expect((await api('GET', `${base()}/lists/${newSid()}/contacts`)).status).toBe(404);
  });
});

describe('[C-17] /contact-lists is an alias of /lists', () => {
  it('creates, reads, lists members of and deletes a list through /contact-lists', async () => {
    const name = unique('Alias');
    const created = await api('POST', `${base()}/contact-lists`, { lists: [{ name }] });
    expect(created.status, created.text).toBe(200);
    const sid = created.json.response[0].data.sid;
    expect((await api('GET', `${base()}/contact-lists/${sid}`)).json.response[0].data.name).toBe(name);
    expect((await api('GET', `${base()}/contact-lists?name=${encodeURIComponent(name)}`)).json.metadata.total).toBe(1);
    expect((await api('GET', `${base()}/contact-lists/${sid}/contacts`)).status).toBe(200);
    expect((await api('DELETE', `${base()}/contact-lists/${sid}`)).status).toBe(200);
    expect((await api('GET', `${base()}/lists/${sid}`)).status).toBe(404);
  });
});
