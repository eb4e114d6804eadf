/**
 * SPEC §5: a CSV import whose API process is SIGKILLed three times, each while one of its COPY statements runs, and
 * restarted, loses nothing and writes nothing twice: exact counts, one contact and membership per number, the file's
 * first-occurrence order and columns (file and method: docs/tests.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import { contacts, csvUploads, listMemberships } from '../../db/schema';
import { basicAuthHeader, type Json, type TestAccount } from '../support/api';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { postCsv, waitForUpload } from '../support/csv-upload';
import { freshDatabase, type TestDatabase } from '../support/db';

const ACCOUNT = {
  sid: 'crash_acct',
  api_key: 'crash_key',
  api_token: 'crash_token_0123456789abcdef',
  api_requests_per_minute: 1_000_000,
};
const acct: TestAccount = {
  sid: ACCOUNT.sid,
  key: ACCOUNT.api_key,
  token: ACCOUNT.api_token,
  auth: basicAuthHeader(ACCOUNT.api_key, ACCOUNT.api_token),
};
const ROWS = 300_000;
const KILLS = 3;

let database: TestDatabase;
const children: ApiProcess[] = [];

beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  for (const c of children) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
  await database?.drop();
});

/** The file and what it must import to: every 40th row repeats the number of the row 25 before it. */
function buildCsv() {
  const lines = ['number,first_name,plan'];
  const order: string[] = [];
  const plan = new Map<string, string>();
  const failedRows: number[] = [];
  let duplicate = 0;
  let total = 0;
  for (let row = 1; row <= ROWS; row++) {
    if (row % 1000 === 500) {
      lines.push('');
      continue;
    }
    total++;
    if (row % 97 === 0) {
      lines.push(`not-a-number-${row},Bad,x`);
      failedRows.push(row);
      continue;
    }
    const n = row % 40 === 0 ? row - 25 : row;
    const number = `+9190${String(10_000_000 + n)}`;
    lines.push(`${number},"Name, ${row}",plan-${row}`);
    if (plan.has(number)) duplicate++;
    else {
      plan.set(number, `plan-${row}`);
      order.push(number);
    }
  }
  const counts = { total, success: order.length, duplicate, failure: failedRows.length };
  return { csv: `${lines.join('\r\n')}\r\n`, order, plan, failedRows, counts };
}

/** Waits until the database shows one of the import's COPY statements running; false if it ends first. */
async function waitForCopy(uploadId: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [active] = await database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from pg_stat_activity
           where datname = current_database() and state = 'active'
             and (query like 'copy contacts%' or query like 'copy list_memberships%')`,
    );
    if ((active?.n ?? 0) > 0) return true;
    const [row] = await database.db.select().from(csvUploads).where(eq(csvUploads.id, uploadId));
    if (row?.status !== 'processing' || Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function uploadRow(uploadId: string) {
  const [row] = await database.db.select().from(csvUploads).where(eq(csvUploads.id, uploadId));
  return row!;
}

describe('§5 a CSV import killed mid-batch', () => {
  it('resumes after SIGKILL during its COPY, with exact counts and no row twice', async () => {
    const { csv, order, plan, failedRows, counts } = buildCsv();
    let api = await startApiProcess(database.url, [ACCOUNT]);
    children.push(api);
    const posted = await postCsv(api.baseUrl, acct, { listName: 'Crash', type: 'dynamic', csv });
    expect(posted.status, posted.text).toBe(200);
    const { upload_id: uploadId, list_sid: listSid } = posted.json.response[0].data;

    let midCopy = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      if (await waitForCopy(uploadId, 60_000)) midCopy++;
      api.process.kill('SIGKILL');
      await api.exited;
      const after = await uploadRow(uploadId);
      expect(after.status, `killed too late: the import ended before kill ${kill + 1}`).toBe('processing');
      // What a killed process leaves is its last committed batch, whole: counts add up and match the rows.
      expect(after.totalRecords).toBe(after.successCount + after.duplicateCount + after.failureCount);
      expect(await database.db.$count(listMemberships, eq(listMemberships.listSid, listSid))).toBe(after.successCount);
      expect(await database.db.$count(contacts, eq(contacts.accountSid, acct.sid))).toBe(after.successCount);
      api = await startApiProcess(database.url, [ACCOUNT]);
      children.push(api);
    }
    expect(midCopy).toBe(KILLS);

    const status: Json = await waitForUpload(api.baseUrl, acct, uploadId, 400_000);
    expect(status).toMatchObject({
      status: 'completed',
      progress: 1,
      total_records: counts.total,
      success_count: counts.success,
      duplicate_count: counts.duplicate,
      failure_count: counts.failure,
    });
    // Each bad row reported once, in file order, whichever process read it (the first 1,000 of them).
    expect(status.failures.map((f: Json) => f.row)).toEqual(failedRows.slice(0, 1000));

    const members = await database.db
      .select({ number: contacts.number, vars: listMemberships.vars })
      .from(listMemberships)
      .innerJoin(contacts, eq(contacts.sid, listMemberships.contactSid))
      .where(eq(listMemberships.listSid, listSid))
      .orderBy(asc(listMemberships.seq));
    expect(members.length).toBe(counts.success);
    expect(await database.db.$count(contacts, eq(contacts.accountSid, acct.sid))).toBe(counts.success);
    const outOfOrder = members.findIndex((m, i) => m.number !== order[i]);
    expect(outOfOrder).toBe(-1);
    const wrong = members.filter((m) => m.vars?.plan !== plan.get(m.number));
    expect(wrong.slice(0, 5)).toEqual([]);
    api.process.kill('SIGTERM');
    await api.exited;
  });
});
