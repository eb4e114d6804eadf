/**
 * SPEC §5 CSV import row by row: the generated hostile 20,000-row file (`test/support/csv-fixture.ts`), imported twice
 * into one list over real HTTP, must give exactly the committed fixture (csv-status, list, every membership).
 * `OUTCALL_WRITE_CSV_FIXTURE=1` rewrites it, only for a change meant to alter an import; the diff is the review.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { contacts, listMemberships, lists } from '../../db/schema';
import type { Json, TestAccount } from '../support/api';
import { generateFixtureCsv } from '../support/csv-fixture';
import { importCsv } from '../support/csv-upload';
import type { TestDatabase } from '../support/db';
import { httpClient, type ServedApp } from '../support/http-app';
import { serveOnFreshDatabase } from '../support/served-app';

const FIXTURE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../fixtures/csv-import-20k.expected.ndjson',
);

let database: TestDatabase;
let served: ServedApp;
let acct: TestAccount;

serveOnFreshDatabase((app) => ({ database, served, acct } = app), { account: { default_region: 'IN' } });

/** JSON with object keys sorted, so a line does not depend on how PostgreSQL ordered a jsonb's keys. */
function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
}

/** The csv-status fields that describe the outcome (ids and dates differ from run to run). */
function outcome(s: Json) {
  return {
    status: s.status,
    total_records: s.total_records,
    success_count: s.success_count,
    duplicate_count: s.duplicate_count,
    failure_count: s.failure_count,
    progress: s.progress,
    error: s.error,
    failures: s.failures,
  };
}

/** Some numbers of the file, written in E.164, that the account has as contacts before any upload. */
function preexistingNumbers(csv: string): string[] {
  const found = [...csv.matchAll(/^\+91(\d{10}),/gm)].map((m) => `+91${m[1]}`);
  return found.filter((_, i) => i % 400 === 0);
}

describe('§5 CSV import of a generated 20,000-row file', () => {
  it('imports exactly what the fixture records, row by row', async () => {
    const { text: csv } = generateFixtureCsv();
    const api = httpClient(served.baseUrl, acct);
    const existing = preexistingNumbers(csv);
    const created = await api('POST', `/v2/accounts/${acct.sid}/contacts`, {
      contacts: existing.map((number) => ({ number, first_name: 'Existing', email: 'existing@example.com' })),
    });
    expect(created.status, created.text).toBe(200);

    const first = await importCsv(served.baseUrl, acct, { listName: 'Fixture', type: 'dynamic', csv });
    // The same file again into the same list: every row that joined is now a duplicate.
    const again = await importCsv(served.baseUrl, acct, { listName: 'Fixture', type: 'dynamic', csv });
    const listSid: string = first.upload.list_sid;
    expect(again.upload.list_sid).toBe(listSid);

    const [list] = await database.db.select().from(lists).where(eq(lists.sid, listSid));
    const members = await database.db
      .select({
        number: contacts.number,
        firstName: contacts.firstName,
        lastName: contacts.lastName,
        companyName: contacts.companyName,
        email: contacts.email,
        tag: contacts.tag,
        vars: listMemberships.vars,
      })
      .from(listMemberships)
      .innerJoin(contacts, eq(contacts.sid, listMemberships.contactSid))
      .where(eq(listMemberships.listSid, listSid))
      .orderBy(asc(listMemberships.seq));
    const accountContacts = await database.db.$count(contacts, eq(contacts.accountSid, acct.sid));

    const actual = [
      stable({ kind: 'upload', n: 1, ...outcome(first.status) }),
      stable({ kind: 'upload', n: 2, ...outcome(again.status) }),
      stable({ kind: 'list', type: list!.type, columns: list!.columns, members: members.length, accountContacts }),
      ...members.map((m) => stable([m.number, m.firstName, m.lastName, m.companyName, m.email, m.tag, m.vars ?? null])),
    ];
    if (process.env.OUTCALL_WRITE_CSV_FIXTURE === '1') writeFileSync(FIXTURE, `${actual.join('\n')}\n`);
    expect(existsSync(FIXTURE), `${FIXTURE} is missing`).toBe(true);
    const expected = readFileSync(FIXTURE, 'utf8').trimEnd().split('\n');

    // Sanity: the file exercises what it claims to.
    const head = JSON.parse(expected[0]!);
    expect(head.success_count).toBeGreaterThan(15_000);
    expect(head.duplicate_count).toBeGreaterThan(1000);
    expect(head.failures.length).toBeGreaterThan(500);
    expect(JSON.parse(expected[1]!).success_count).toBe(0);

    const mismatches: Array<{ line: number; expected: string | undefined; actual: string | undefined }> = [];
    for (let i = 0; i < Math.max(actual.length, expected.length) && mismatches.length < 5; i++) {
      if (actual[i] !== expected[i]) mismatches.push({ line: i + 1, expected: expected[i], actual: actual[i] });
    }
    expect(mismatches).toEqual([]);
    expect(actual.length).toBe(expected.length);
  });
});
