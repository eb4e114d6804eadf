/**
 * SPEC §2/§7 (ext) the do-not-call list over real HTTP on a real PostgreSQL: add (flat and bulk,
 * numbers normalised to E.164), list, read, remove, the CSV upload (contact CSV rules, all or nothing),
 * account scoping and hostile input; and the check at create: a listed number is `suppressed`
 * (`stats.suppressed`, reason `dnc` in the numbers endpoint and report.csv), inline and from lists.
 */
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { dncNumbers } from '../../db/schema';
import { aCampaignRequest, provisionAccount, type Json, type TestAccount } from '../support/api';
import type { TestDatabase } from '../support/db';
import { httpClient, type HttpCall, type ServedApp } from '../support/http-app';
import { multipart } from '../support/csv-upload';
import { serveOnFreshDatabase } from '../support/served-app';

let database: TestDatabase;
let served: ServedApp;
let acct: TestAccount;
let api: HttpCall;

serveOnFreshDatabase((app) => ({ database, served, acct, api } = app), { account: { default_region: 'IN' } });

const dnc = (a: TestAccount = acct) => `/v2/accounts/${a.sid}/dnc`;
let counter = 0;
/** A distinct valid Indian mobile number per call. */
const aNumber = () => `+9198${String(20_000_000 + counter++ * 7)}`;

async function listed(account: TestAccount): Promise<string[]> {
  const rows = await database.db.select().from(dncNumbers).where(eq(dncNumbers.accountSid, account.sid));
  return rows.map((r) => r.number).sort();
}

function uploadCsv(content: string | Buffer, account: TestAccount = acct) {
  const { body, contentType } = multipart([
    { name: 'note', value: 'ignored' },
    { name: 'file_name', filename: 'dnc.csv', content },
  ]);
  return fetch(`${served.baseUrl}${dnc(account)}/csv-upload`, {
    method: 'POST',
    headers: { authorization: account.auth, 'content-type': contentType },
    body,
  }).then(async (res) => ({ status: res.status, json: (await res.json()) as Json }));
}

describe('§7 the do-not-call list', () => {
  it('adds one number from a flat body, normalised to E.164; adding it again changes nothing', async () => {
    const res = await api('POST', dnc(), { number: '098765 43210' });
    expect(res.status, res.text).toBe(200);
    const data = res.json.response[0].data;
    expect(data).toMatchObject({ number: '+919876543210', source: 'api' });
    expect(data.uri).toBe(`${dnc()}/%2B919876543210`);
    expect(data.date_created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
    const again = await api('POST', dnc(), { number: '+91 98765 43210' });
    expect(again.status).toBe(200);
    expect(again.json.response[0].data).toEqual(data);
    expect(await listed(acct)).toContain('+919876543210');
  });

  it('adds in bulk, each element on its own: an invalid number fails alone (207) naming it', async () => {
    const good = [aNumber(), aNumber()];
    const res = await api('POST', dnc(), { numbers: [{ number: good[0] }, { number: '12' }, { number: good[1] }] });
    expect(res.status, res.text).toBe(207);
    expect(res.json.metadata).toEqual({ total: 3, success: 2, failed: 1 });
    expect(res.json.response[1]).toMatchObject({ code: 400, error_data: { code: 1002 } });
    expect(res.json.response[1].error_data.description).toMatch(/^number: "12" is not a valid phone number/);
    expect(await listed(acct)).toEqual(expect.arrayContaining(good));
    const tooMany = await api('POST', dnc(), { numbers: Array.from({ length: 5001 }, () => ({ number: aNumber() })) });
    expect(tooMany.status).toBe(400);
  });

  it('lists, reads (any spelling of the number) and removes entries; 404 once removed', async () => {
    const other = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
    const call = httpClient(served.baseUrl, other);
    const numbers = [aNumber(), aNumber(), aNumber()];
    await call('POST', dnc(other), { numbers: numbers.map((number) => ({ number })) });
    const page = await call('GET', `${dnc(other)}?limit=2`);
    expect(page.status, page.text).toBe(200);
    expect(page.json.metadata).toEqual({ count: 2, offset: 0, limit: 2, total: 3 });
    expect((await call('GET', `${dnc(other)}?offset=2`)).json.response.map((i: Json) => i.data.number)).toHaveLength(1);
    const local = `0${numbers[0]!.slice(3)}`;
    const one = await call('GET', `${dnc(other)}/${local}`);
    expect(one.status, one.text).toBe(200);
    expect(one.json.response[0].data.number).toBe(numbers[0]);
    expect((await call('GET', `${dnc(other)}/${encodeURIComponent(numbers[0]!)}`)).status).toBe(200);
    const removed = await call('DELETE', `${dnc(other)}/${encodeURIComponent(numbers[0]!)}`);
    expect(removed.status).toBe(200);
    expect(removed.json.response[0].data.number).toBe(numbers[0]);
    expect((await call('GET', `${dnc(other)}/${local}`)).status).toBe(404);
    const again = await call('DELETE', `${dnc(other)}/${local}`);
    expect(again.status).toBe(404);
    expect(again.json.response[0].error_data.description).toContain(numbers[0]);
    expect(await listed(other)).toEqual(numbers.slice(1).sort());
  });

  it('is scoped to the account: another account sees none of it and cannot reach this one', async () => {
    const other = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
    const call = httpClient(served.baseUrl, other);
    expect((await call('GET', dnc(other))).json.metadata.total).toBe(0);
    expect((await call('GET', `${dnc(other)}/+919876543210`)).status).toBe(404);
    expect((await call('GET', dnc(acct))).status).toBe(403);
    expect((await call('POST', dnc(acct), { number: aNumber() })).status).toBe(403);
    expect((await httpClient(served.baseUrl, null)('GET', dnc())).status).toBe(401);
  });

  it('answers hostile input with a 4xx naming the field, and stores nothing', async () => {
    const before = await listed(acct);
    const cases: Array<[unknown, number, RegExp]> = [
      [{ number: '+9198\u00002000000' }, 400, /^number contains a NUL byte/],
      [{ number: { $ne: 1 } }, 400, /^number must be a string/],
      [{ number: 'x'.repeat(65) }, 400, /^number must be at most 64/],
      [{ numbers: [] }, 400, /^numbers must be a non-empty array/],
      ['number=+919876543210', 415, /must be JSON/],
      ['{"number": ', 400, /not valid JSON/],
    ];
    for (const [body, status, description] of cases) {
      const res = await api('POST', dnc(), body, typeof body === 'string' ? { 'content-type': 'text/plain' } : {});
      expect(res.status, `${JSON.stringify(body)}: ${res.text}`).toBe(status);
      expect(res.json.response[0].error_data.description).toMatch(description);
    }
    expect((await api('GET', `${dnc()}/not-a-number`)).status).toBe(400);
    expect((await api('DELETE', `${dnc()}/%00`)).status).toBe(400);
    expect((await api('GET', `${dnc()}?limit=abc`)).status).toBe(400);
    expect(await listed(acct)).toEqual(before);
  });
});

describe('§7 the do-not-call CSV upload', () => {
  it('adds a CSV by the contact rules: counts, failures by row, duplicates, other columns ignored', async () => {
    const other = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
    const known = aNumber();
    await httpClient(served.baseUrl, other)('POST', dnc(other), { number: known });
    const a = aNumber();
    const b = aNumber();
    const csv =
      `\uFEFFname,number\r\nAsha,${a}\r\n,\r\nRavi,12345\r\n` + `Dup,${a}\r\nOld,${known}\r\nBo,"0${b.slice(3)}"\r\n`;
    const res = await uploadCsv(csv, other);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response[0].data).toEqual({
      total_records: 5,
      success_count: 2,
      duplicate_count: 2,
      failure_count: 1,
      failures: [{ row: 3, number: '12345', reason: 'invalid_number' }],
    });
    expect(await listed(other)).toEqual([known, a, b].sort());
  });

  it('fails a row with a NUL byte in a cell (invalid_characters) and adds the others (SPEC §1)', async () => {
    const other = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
    const [a, bad, b] = [aNumber(), aNumber(), aNumber()];
    const res = await uploadCsv(`number,name\n${a},Asha\n${bad},Bad\u0000Name\n${b},Ravi\n`, other);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response[0].data).toEqual({
      total_records: 3,
      success_count: 2,
      duplicate_count: 0,
      failure_count: 1,
      failures: [{ row: 2, number: bad, reason: 'invalid_characters' }],
    });
    expect(await listed(other)).toEqual([a, b].sort());
    // A NUL in the header row (a UTF-16 file, typically) still refuses the whole upload.
    const header = await uploadCsv(`num\u0000ber\n${aNumber()}\n`, other);
    expect(header.status).toBe(400);
    expect(header.json.response[0].error_data.description).toMatch(/header row contains NUL bytes/);
    expect(await listed(other)).toEqual([a, b].sort());
  });

  it('adds nothing when the file is refused: no number column, not UTF-8, not multipart', async () => {
    const other = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000 });
    const noColumn = await uploadCsv(`phone\n${aNumber()}\n`, other);
    expect(noColumn.status).toBe(400);
    expect(noColumn.json.response[0].error_data.description).toMatch(/no number column/);
    const rows = Array.from({ length: 2500 }, () => aNumber()).join('\n');
    const latin1 = await uploadCsv(Buffer.concat([Buffer.from(`number\n${rows}\n`), Buffer.from([0xe9, 0x0a])]), other);
    expect(latin1.status).toBe(400);
    expect(latin1.json.response[0].error_data.description).toMatch(/not UTF-8/);
    const plain = await fetch(`${served.baseUrl}${dnc(other)}/csv-upload`, {
      method: 'POST',
      headers: { authorization: other.auth, 'content-type': 'text/csv' },
      body: `number\n${aNumber()}\n`,
    });
    expect(plain.status).toBe(415);
    expect(await listed(other)).toEqual([]);
  });
});

describe('§3 numbers on the do-not-call list are suppressed at create', () => {
  it('suppresses inline numbers: stats, the numbers endpoint and report.csv show reason dnc', async () => {
    const blocked = aNumber();
    await api('POST', dnc(), { number: blocked });
    const free = [aNumber(), aNumber()];
    const res = await api(
      'POST',
      `/v2/accounts/${acct.sid}/campaigns`,
      aCampaignRequest({ from: [free[0], blocked, free[1]] }),
    );
    expect(res.status, res.text).toBe(200);
    const campaign = res.json.response[0].data;
    expect(campaign.stats).toMatchObject({ created: 3, pending: 2, suppressed: 1 });
    const read = await api('GET', `/v2/accounts/${acct.sid}/campaigns/${campaign.id}`);
    expect(read.json.response[0].data.stats).toMatchObject({ created: 3, pending: 2, suppressed: 1 });
    const numbers = await api('GET', `/v2/accounts/${acct.sid}/campaigns/${campaign.id}/numbers`);
    expect(numbers.json.response.map((i: Json) => [i.data.number, i.data.status, i.data.reason])).toEqual([
      [free[0], 'pending', null],
      [blocked, 'suppressed', 'dnc'],
      [free[1], 'pending', null],
    ]);
    const report = await fetch(`${served.baseUrl}/v2/accounts/${acct.sid}/campaigns/${campaign.id}/report.csv`, {
      headers: { authorization: acct.auth },
    });
    const line = (await report.text()).split('\n').find((l) => l.includes(blocked));
    expect(line).toMatch(/,suppressed,dnc,/);
  });

  it('suppresses list numbers in the preview taken at create', async () => {
    const blocked = aNumber();
    await api('POST', dnc(), { number: blocked });
    const contacts = await api('POST', `/v2/accounts/${acct.sid}/contacts`, {
      contacts: [{ number: blocked }, { number: aNumber() }],
    });
    const list = await api('POST', `/v2/accounts/${acct.sid}/lists`, { name: `DNC ${blocked}` });
    const listSid = list.json.response[0].data.sid;
    await api('POST', `/v2/accounts/${acct.sid}/lists/${listSid}/contacts`, {
      contact_references: contacts.json.response.map((i: Json) => ({ contact_sid: i.data.sid })),
    });
    const sendAt = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const created = await api('POST', `/v2/accounts/${acct.sid}/campaigns`, {
      lists: [listSid],
      caller_id: '08047112233',
      url: 'https://flows.example.com/start_voice/926',
      schedule: { send_at: sendAt },
    });
    expect(created.status, created.text).toBe(200);
    const id = created.json.response[0].data.id;
    expect(created.json.response[0].data.stats).toMatchObject({ created: 2, pending: 1, suppressed: 1 });
    const numbers = await api('GET', `/v2/accounts/${acct.sid}/campaigns/${id}/numbers?status=suppressed`);
    expect(numbers.json.response.map((i: Json) => [i.data.number, i.data.reason])).toEqual([[blocked, 'dnc']]);
  });
});
