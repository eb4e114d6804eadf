/**
 * SPEC §5: a CSV import survives the death of the API process running it (SIGKILL, then SIGTERM, each mid-import,
 * `bin/api.ts` as a child process): the final counts are the file's, they add up at every read, and no number joins
 * twice or loses its first occurrence's columns.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import { freePort } from '../../bin/services';
import { contacts, csvUploads, listMemberships } from '../../db/schema';
import { basicAuthHeader, type Json, type TestAccount } from '../support/api';
import { freshDatabase, type TestDatabase } from '../support/db';
import { postCsv, waitForUpload } from '../support/csv-upload';
import { httpClient } from '../support/http-app';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ACCOUNT = {
  sid: 'restart_acct',
  api_key: 'restart_key',
  api_token: 'restart_token_0123456789',
  api_requests_per_minute: 1_000_000,
};
const acct: TestAccount = {
  sid: ACCOUNT.sid,
  key: ACCOUNT.api_key,
  token: ACCOUNT.api_token,
  auth: basicAuthHeader(ACCOUNT.api_key, ACCOUNT.api_token),
};

let database: TestDatabase;
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await database?.drop();
});

interface RunningChild {
  baseUrl: string;
  process: ChildProcess;
  exited: Promise<void>;
}

/** Starts `bin/api.ts` as its own process against the test database; resolves once it answers. */
async function startApiProcess(): Promise<RunningChild> {
  const port = await freePort();
  // Node itself with tsx's loader, not the `tsx` CLI: the CLI runs the script in a child process
  // that a SIGKILL of the CLI would leave running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/api.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      OUTCALL_PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      OUTCALL_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'outcall-restart-')),
      OUTCALL_SIGNING_SECRET: 'restart-test-signing-secret',
      OUTCALL_SIMULATOR: 'false',
      OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bin/api.ts exited with ${child.exitCode}`);
    const up = await fetch(`${baseUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { baseUrl, process: child, exited };
    if (Date.now() > deadline) throw new Error('bin/api.ts did not start within 90 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ROWS = 150_000;

/**
 * The file, and what its import must end with: every 40th row repeats the number of the row 20
 * before it (a duplicate with other columns), every 97th row has an invalid number.
 */
function buildCsv(): {
  csv: string;
  expected: { total: number; success: number; duplicate: number; failure: number };
  firstPlan: Map<string, string>;
} {
  const lines = ['number,first_name,plan,due'];
  const firstPlan = new Map<string, string>();
  let success = 0;
  let duplicate = 0;
  let failure = 0;
  for (let row = 1; row <= ROWS; row++) {
    let number = `+9190${String(10_000_000 + row)}`;
    if (row % 97 === 0) {
      lines.push(`bad-${row},Bad,x,y`);
      failure++;
      continue;
    }
    if (row % 40 === 0) number = `+9190${String(10_000_000 + row - 20)}`;
    const plan = `plan-${row}`;
    lines.push(`${number},Name ${row},${plan},"due, ${row}"`);
    if (firstPlan.has(number)) duplicate++;
    else {
      firstPlan.set(number, plan);
      success++;
    }
  }
  return { csv: `${lines.join('\n')}\n`, expected: { total: ROWS, success, duplicate, failure }, firstPlan };
}

async function uploadRow(uploadId: string) {
  const [row] = await database.db.select().from(csvUploads).where(eq(csvUploads.id, uploadId));
  return row!;
}

/** Advisory locks held in the test database (the import's lease is one). */
async function advisoryLocks(): Promise<number> {
  const [row] = await database.db.execute<{ n: number }>(
    sql`select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
          where l.locktype = 'advisory' and d.datname = current_database()`,
  );
  return row!.n;
}

/** Waits until the import has committed more rows than `after` (and is still going). */
async function waitForProgress(uploadId: string, after: number): Promise<number> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const row = await uploadRow(uploadId);
    expect(row.totalRecords).toBe(row.successCount + row.duplicateCount + row.failureCount);
    if (row.status !== 'processing')
      throw new Error(`the import ended (${row.status}) before the process could be stopped mid-way`);
    if (row.totalRecords > after) return row.totalRecords;
    if (Date.now() > deadline) throw new Error(`no progress past ${after} rows within 120 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('§5 a CSV import survives the process that runs it', () => {
  it('resumes after SIGKILL and after SIGTERM, with counts that add up and no membership twice', async () => {
    const { csv, expected, firstPlan } = buildCsv();

    const first = await startApiProcess();
    const posted = await postCsv(first.baseUrl, acct, { listName: 'Survivor', type: 'dynamic', csv });
    expect(posted.status, posted.text).toBe(200);
    const { upload_id: uploadId, list_sid: listSid } = posted.json.response[0].data;

    // 1. Killed outright: no chance to finish the batch or release anything.
    const atKill = await waitForProgress(uploadId, 0);
    first.process.kill('SIGKILL');
    await first.exited;
    const afterKill = await uploadRow(uploadId);
    expect(afterKill.status).toBe('processing');
    // Nobody imports it now: PostgreSQL has dropped the dead process's lease, and the counts stand still.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await advisoryLocks()).toBe(0);
    expect((await uploadRow(uploadId)).totalRecords).toBe(afterKill.totalRecords);
    expect(afterKill.totalRecords).toBeGreaterThanOrEqual(atKill);
    expect(afterKill.totalRecords).toBeLessThan(expected.total);
    expect(await database.db.$count(listMemberships, eq(listMemberships.listSid, listSid))).toBe(
      afterKill.successCount,
    );

    // 2. The next process resumes at start; stopped gracefully, it finishes its batch and leaves the rest.
    const second = await startApiProcess();
    await waitForProgress(uploadId, afterKill.totalRecords);
    second.process.kill('SIGTERM');
    await second.exited;
    expect(second.process.exitCode).toBe(0);
    const afterStop = await uploadRow(uploadId);
    expect(afterStop.status).toBe('processing');
    expect(afterStop.totalRecords).toBeGreaterThan(afterKill.totalRecords);
    expect(afterStop.totalRecords).toBeLessThan(expected.total);
    expect(await advisoryLocks()).toBe(0);
    expect(afterStop.totalRecords).toBe(afterStop.successCount + afterStop.duplicateCount + afterStop.failureCount);
    expect(await database.db.$count(listMemberships, eq(listMemberships.listSid, listSid))).toBe(
      afterStop.successCount,
    );

    // 3. A third process completes it.
    const third = await startApiProcess();
    const status: Json = await waitForUpload(third.baseUrl, acct, uploadId, 300_000);
    expect(status).toMatchObject({
      status: 'completed',
      progress: 1,
      total_records: expected.total,
      success_count: expected.success,
      duplicate_count: expected.duplicate,
      failure_count: expected.failure,
    });
    // Each bad row reported once, in file order, whichever process read it (the first 1,000 of them).
    const rows = status.failures.map((f: Json) => f.row);
    expect(expected.failure).toBeGreaterThan(1000);
    expect(rows).toEqual(Array.from({ length: 1000 }, (_, i) => (i + 1) * 97));

    expect(await database.db.$count(listMemberships, eq(listMemberships.listSid, listSid))).toBe(expected.success);
    const [distinct] = await database.db
      .select({ all: sql<number>`count(*)::int`, numbers: sql<number>`count(distinct ${contacts.number})::int` })
      .from(contacts)
      .where(eq(contacts.accountSid, acct.sid));
    expect(distinct).toEqual({ all: expected.success, numbers: expected.success });

    // First occurrence wins everywhere, including for duplicates that straddle a restart.
    const members = await database.db
      .select({ number: contacts.number, vars: listMemberships.vars })
      .from(listMemberships)
      .innerJoin(contacts, eq(contacts.sid, listMemberships.contactSid))
      .where(eq(listMemberships.listSid, listSid));
    const wrong = members.filter((m) => m.vars?.plan !== firstPlan.get(m.number));
    expect(wrong.slice(0, 5)).toEqual([]);

    const list = await httpClient(third.baseUrl, acct)('GET', `/v2/accounts/${acct.sid}/lists/${listSid}`);
    expect(list.json.response[0].data).toMatchObject({
      type: 'dynamic',
      contact_count: expected.success,
      columns: ['number', 'first_name', 'plan', 'due'],
    });
    third.process.kill('SIGTERM');
    await third.exited;
  });
});
