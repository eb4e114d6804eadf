/**
 * SPEC §5 caps: a static list holds at most 100,000 contacts, counting those already in it; rows past
 * the cap are failures `list_full`, and adding a contact to a full list fails that item. Over real
 * HTTP with a real 100,000-row import. (The dynamic cap, 500,000, is the same code path with the other
 * constant; bench/csv-import.ts imports 500,000 rows into a dynamic list.)
 */
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { listMemberships } from '../../db/schema';
import { LIST_CAPS } from '../../domain/contact-csv';
import type { Json, TestAccount } from '../support/api';
import type { TestDatabase } from '../support/db';
import type { HttpCall, ServedApp } from '../support/http-app';
import { importCsv } from '../support/csv-upload';
import { serveOnFreshDatabase } from '../support/served-app';

let database: TestDatabase;
let served: ServedApp;
let acct: TestAccount;
let api: HttpCall;

serveOnFreshDatabase((app) => ({ database, served, acct, api } = app));

const numberAt = (i: number) => `+9191${String(10_000_000 + i)}`;
const csvOf = (from: number, count: number) =>
  `number\n${Array.from({ length: count }, (_, i) => numberAt(from + i)).join('\n')}\n`;

describe('§5 a static list holds at most 100,000 contacts', () => {
  it('refuses the 100,001st contact from a CSV (list_full) and add-to-list, counting existing members', async () => {
    expect(LIST_CAPS.static).toBe(100_000);
    const name = 'Capped';
    const full = await importCsv(served.baseUrl, acct, { listName: name, csv: csvOf(0, 100_000) });
    expect(full.status).toMatchObject({
      status: 'completed',
      total_records: 100_000,
      success_count: 100_000,
      duplicate_count: 0,
      failure_count: 0,
    });
    const listSid = full.upload.list_sid;

    // One number already in the list (a duplicate, not a failure) and two new ones past the cap.
    const over = await importCsv(served.baseUrl, acct, {
      listName: name,
      csv: `number\n${numberAt(5)}\n${numberAt(100_000)}\n${numberAt(100_001)}\n`,
    });
    expect(over.status).toMatchObject({
      status: 'completed',
      total_records: 3,
      success_count: 0,
      duplicate_count: 1,
      failure_count: 2,
    });
    expect(over.status.failures).toEqual([
      { row: 2, number: numberAt(100_000), reason: 'list_full' },
      { row: 3, number: numberAt(100_001), reason: 'list_full' },
    ]);

    const contact = await api('POST', `/v2/accounts/${acct.sid}/contacts`, { number: numberAt(200_000) });
    const contactSid = contact.json.response[0].data.sid;
    const add = await api('POST', `/v2/accounts/${acct.sid}/lists/${listSid}/contacts`, {
      contact_references: [{ contact_sid: contactSid }],
    });
    expect(add.status, add.text).toBe(207);
    expect(add.json.metadata).toEqual({ total: 1, success: 0, failed: 1 });
    expect(add.json.response[0]).toMatchObject({
      code: 409,
      error_data: { description: `list "${listSid}" is full; it holds at most 100,000 contacts` },
    });
    expect((await api('GET', `/v2/accounts/${acct.sid}/lists/${listSid}`)).json.response[0].data.contact_count).toBe(
      100_000,
    );

    // Two places free up: of five new rows, the first two join and the other three are list_full.
    const members = await api('GET', `/v2/accounts/${acct.sid}/lists/${listSid}/contacts?limit=2`);
    for (const m of members.json.response as Json[]) {
      expect((await api('DELETE', `/v2/accounts/${acct.sid}/lists/${listSid}/contacts/${m.data.sid}`)).status).toBe(
        200,
      );
    }
    const refill = await importCsv(served.baseUrl, acct, { listName: name, csv: csvOf(300_000, 5) });
    expect(refill.status).toMatchObject({ total_records: 5, success_count: 2, duplicate_count: 0, failure_count: 3 });
    expect(refill.status.failures.map((f: Json) => [f.row, f.reason])).toEqual([
      [3, 'list_full'],
      [4, 'list_full'],
      [5, 'list_full'],
    ]);
    expect(await database.db.$count(listMemberships, eq(listMemberships.listSid, listSid))).toBe(100_000);
  });
});
