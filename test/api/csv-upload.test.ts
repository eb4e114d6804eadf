/**
 * SPEC §5 CSV upload and csv-status over real HTTP, on a real PostgreSQL; the import runs in the API
 * process as in production. Each test arranges its own list (names are unique per test).
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import pino from 'pino';
import { createCsvImporter } from '../../api/csv-import';
import { contacts, csvUploadChunks, csvUploads, listMemberships, lists } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { provisionAccount, type Json, type TestAccount } from '../support/api';
import type { TestDatabase } from '../support/db';
import type { HttpCall, ServedApp } from '../support/http-app';
import {
  importCsv,
  insertListCampaign,
  multipart,
  postCsv,
  postUploadBody,
  setCampaignStatus,
  streamedMultipart,
  waitForUpload,
} from '../support/csv-upload';
import { serveOnFreshDatabase } from '../support/served-app';

let database: TestDatabase;
let served: ServedApp;
let acct: TestAccount;
let api: HttpCall;

serveOnFreshDatabase((app) => ({ database, served, acct, api } = app));

const uniqueName = (what: string) => `${what} ${newSid().slice(0, 8)}`;
const base = () => `/v2/accounts/${acct.sid}`;

async function getList(sid: string): Promise<Json> {
  const res = await api('GET', `${base()}/lists/${sid}`);
  expect(res.status, res.text).toBe(200);
  return res.json.response[0].data;
}

async function members(sid: string): Promise<Json[]> {
  const res = await api('GET', `${base()}/lists/${sid}/contacts?limit=500`);
  expect(res.status, res.text).toBe(200);
  return res.json.response.map((i: Json) => i.data);
}

async function listByName(name: string) {
  return database.db
    .select()
    .from(lists)
    .where(and(eq(lists.accountSid, acct.sid), eq(lists.name, name)));
}

describe('§5 CSV upload: import', () => {
  it('answers at once with the upload id, then imports every good row and reports each bad one', async () => {
    const name = uniqueName('Reminders');
    const csv =
      '\uFEFFnumber,first_name,last_name,company_name,email,tag\r\n' +
      '+919876543210,Asha,Rao,"Rao, Sons & Co",asha@example.com,gold\r\n' +
      '09876543211,"Vikram ""Vik""",Shah,,,\r\n' +
      '9876543212,"Multi\nLine",Iyer,,,\r\n' +
      'not-a-number,Bad,Row,,,\r\n' +
      ',Nobody,Here,,,\r\n' +
      '\r\n' +
      '+91 98765 43210,Asha again,Rao,,,\r\n' +
      '+919876543213,Too,Many,,,,extra\r\n' +
      '+919876543214,Last,Row,,,';
    const res = await postCsv(served.baseUrl, acct, { listName: name, csv, fileName: 'reminders.csv' });
    expect(res.status, res.text).toBe(200);
    const data = res.json.response[0].data;
    expect(data).toMatchObject({ status: 'processing' });
    expect(data.upload_id).toMatch(/^[0-9a-f]{32}$/);
    expect(data.list_sid).toMatch(/^[0-9a-f]{32}$/);
    expect(data.summary.url).toBe(`http://127.0.0.1:3000${base()}/csv-status/${data.upload_id}`);

    const status = await waitForUpload(served.baseUrl, acct, data.upload_id);
    expect(status).toMatchObject({
      upload_id: data.upload_id,
      list_sid: data.list_sid,
      type: 'static',
      file_name: 'reminders.csv',
      status: 'completed',
      total_records: 8,
      success_count: 4,
      duplicate_count: 1,
      failure_count: 3,
      progress: 1,
      error: null,
    });
    expect(status.failures.map((f: Json) => ({ row: f.row, number: f.number, reason: f.reason }))).toEqual([
      { row: 4, number: 'not-a-number', reason: 'invalid_number' },
      { row: 5, number: '', reason: 'missing_number' },
      { row: 8, number: '+919876543213', reason: 'too_many_fields' },
    ]);

    const list = await getList(data.list_sid);
    expect(list).toMatchObject({
      name,
      type: 'static',
      contact_count: 4,
      columns: ['number', 'first_name', 'last_name', 'company_name', 'email', 'tag'],
    });
    const rows = await members(data.list_sid);
    expect(rows.map((m) => [m.number, m.first_name, m.last_name, m.company_name, m.email, m.tag])).toEqual([
      ['+919876543210', 'Asha', 'Rao', 'Rao, Sons & Co', 'asha@example.com', 'gold'],
      ['+919876543211', 'Vikram "Vik"', 'Shah', null, null, null],
      ['+919876543212', 'Multi\nLine', 'Iyer', null, null, null],
      ['+919876543214', 'Last', 'Row', null, null, null],
    ]);
    // The stored file is dropped once imported.
    expect(
      await database.db.select().from(csvUploadChunks).where(eq(csvUploadChunks.uploadId, data.upload_id)),
    ).toEqual([]);
  });

  it('reuses the account contact with the same E.164 number and does not overwrite its fields', async () => {
    const created = await api('POST', `${base()}/contacts`, {
      contacts: [{ number: '+919811100001', first_name: 'Original', email: 'o@example.com' }],
    });
    expect(created.status, created.text).toBe(200);
    const contactSid = created.json.response[0].data.sid;
    const { upload, status } = await importCsv(served.baseUrl, acct, {
      listName: uniqueName('Reuse'),
      csv: 'number,first_name,email\n09811100001,Changed,c@example.com\n',
    });
    expect(status).toMatchObject({ status: 'completed', success_count: 1, duplicate_count: 0, failure_count: 0 });
    const [m] = await members(upload.list_sid);
    expect(m).toMatchObject({
      sid: contactSid,
      number: '+919811100001',
      first_name: 'Original',
      email: 'o@example.com',
    });
    expect(
      await database.db
        .select()
        .from(contacts)
        .where(and(eq(contacts.accountSid, acct.sid), eq(contacts.number, '+919811100001'))),
    ).toHaveLength(1);
  });

  it('de-duplicates within the list across uploads: the first occurrence wins, no membership twice', async () => {
    const name = uniqueName('Dedup');
    const first = await importCsv(served.baseUrl, acct, {
      listName: name,
      csv: 'number,first_name\n+919822200001,A\n+919822200002,B\n+919822200001,A2\n',
    });
    expect(first.status).toMatchObject({ total_records: 3, success_count: 2, duplicate_count: 1, failure_count: 0 });
    const second = await importCsv(served.baseUrl, acct, {
      listName: name,
      csv: 'number,first_name\n+919822200002,B2\n+919822200003,C\n',
    });
    expect(second.upload.list_sid).toBe(first.upload.list_sid);
    expect(second.status).toMatchObject({ total_records: 2, success_count: 1, duplicate_count: 1, failure_count: 0 });
    expect((await members(first.upload.list_sid)).map((m) => m.number)).toEqual([
      '+919822200001',
      '+919822200002',
      '+919822200003',
    ]);
    const rows = await database.db
      .select()
      .from(listMemberships)
      .where(eq(listMemberships.listSid, first.upload.list_sid));
    expect(rows).toHaveLength(3);
  });

  it('keeps a dynamic upload’s extra columns per membership; list columns become the union of headers', async () => {
    const a = uniqueName('Dyn A');
    const b = uniqueName('Dyn B');
    const one = await importCsv(served.baseUrl, acct, {
      listName: a,
      type: 'Dynamic',
      csv: 'number,first_name,plan,due\n+919833300001,Asha,Gold,"Jan 5"\n',
    });
    const two = await importCsv(served.baseUrl, acct, {
      listName: b,
      type: 'dynamic',
      csv: 'number,plan,due\n+919833300001,Silver,Feb 6\n',
    });
    expect(one.status).toMatchObject({ type: 'dynamic', success_count: 1 });
    expect(two.status).toMatchObject({ success_count: 1 });
    const [ma] = await members(one.upload.list_sid);
    const [mb] = await members(two.upload.list_sid);
    expect(ma.sid).toBe(mb.sid);
    expect(ma.vars).toEqual({ plan: 'Gold', due: 'Jan 5' });
    expect(mb.vars).toEqual({ plan: 'Silver', due: 'Feb 6' });

    const more = await importCsv(served.baseUrl, acct, {
      listName: a,
      type: 'dynamic',
      csv: 'number,due,branch\n+919833300002,Mar 7,\n',
    });
    expect(more.status).toMatchObject({ success_count: 1 });
    expect((await getList(one.upload.list_sid)).columns).toEqual(['number', 'first_name', 'plan', 'due', 'branch']);
    expect((await members(one.upload.list_sid))[1].vars).toEqual({ due: 'Mar 7', branch: '' });
  });

  it('accepts the file part before list_name and type, and leaves no placeholder list behind', async () => {
    const name = uniqueName('File first');
    const { upload, status } = await importCsv(served.baseUrl, acct, {
      listName: name,
      type: 'static',
      fileFirst: true,
      csv: 'number\n+919844400001\n',
    });
    expect(status).toMatchObject({ status: 'completed', success_count: 1 });
    expect((await getList(upload.list_sid)).name).toBe(name);
    expect(await database.db.select().from(lists).where(like(lists.name, '.upload-%'))).toEqual([]);
  });

  it('reports at most 1,000 failures and counts every one of them', async () => {
    const bad = Array.from({ length: 1500 }, (_, i) => `bad-${i}`).join('\n');
    const { status } = await importCsv(served.baseUrl, acct, {
      listName: uniqueName('Many bad'),
      csv: `number\n${bad}\n+919855500001\n`,
    });
    expect(status).toMatchObject({ total_records: 1501, success_count: 1, duplicate_count: 0, failure_count: 1500 });
    expect(status.failures).toHaveLength(1000);
    expect(status.failures[0]).toMatchObject({ row: 1, number: 'bad-0', reason: 'invalid_number' });
    expect(status.failures[999]).toMatchObject({ row: 1000, number: 'bad-999' });
  });

  it('marks an upload failed, with its reason and counts that add up, when its stored file cannot import', async () => {
    // A stored file the POST would have refused (its header has no number column), written directly.
    const list = await api('POST', `${base()}/lists`, { name: uniqueName('Broken') });
    const listSid = list.json.response[0].data.sid;
    const uploadId = newSid();
    await database.db
      .insert(csvUploads)
      .values({ id: uploadId, accountSid: acct.sid, listSid, type: 'static', status: 'processing' });
    await database.db.insert(csvUploadChunks).values({ uploadId, seq: 0, data: 'phone\n+919876543210\n' });
    const importer = createCsvImporter({ db: database.db, log: pino({ level: 'silent' }) });
    importer.start(uploadId);
    await importer.idle();
    const status = await waitForUpload(served.baseUrl, acct, uploadId);
    expect(status).toMatchObject({
      status: 'failed',
      total_records: 0,
      success_count: 0,
      duplicate_count: 0,
      failure_count: 0,
    });
    expect(status.error).toMatch(/no number column/);
    expect(status.date_completed).not.toBeNull();
    await importer.stop();
  });

  it('serves csv-status at the summary url path, and 404 for an unknown or foreign upload', async () => {
    const res = await api('GET', `${base()}/csv-status/${newSid()}`);
    expect(res.status).toBe(404);
    expect(res.json.response[0].error_data).toMatchObject({ code: 3004 });
    const other = await provisionAccount(database.db);
    const { upload } = await importCsv(served.baseUrl, other, { listName: 'theirs', csv: 'number\n+919866600001\n' });
    const foreign = await api('GET', `${base()}/csv-status/${upload.upload_id}`);
    expect(foreign.status).toBe(404);
  });
});

describe('§5 CSV upload: rejected at the POST, nothing written', () => {
  async function expectRejected(
    res: { status: number; text: string; json: Json },
    status: number,
    description: RegExp,
    listName?: string,
  ) {
    expect(res.status, res.text).toBe(status);
    expect(res.json.http_code).toBe(status);
    expect(res.json.response[0].status).toBe('failure');
    expect(res.json.response[0].error_data.description).toMatch(description);
    if (listName !== undefined) expect(await listByName(listName)).toEqual([]);
  }

  it('rejects a CSV without a number column (400)', async () => {
    const name = uniqueName('No number');
    await expectRejected(
      await postCsv(served.baseUrl, acct, { listName: name, csv: 'phone,first_name\n+919876543210,Asha\n' }),
      400,
      /no number column; got "phone,first_name"/,
      name,
    );
    // Also when the file comes first and no type was given.
    await expectRejected(
      await postCsv(served.baseUrl, acct, { listName: name, fileFirst: true, csv: 'phone\n1\n' }),
      400,
      /no number column/,
      name,
    );
  });

  it('rejects extra columns in a static upload, more than 20 in a dynamic one, and bad or repeated names', async () => {
    const name = uniqueName('Header');
    await expectRejected(
      await postCsv(served.baseUrl, acct, { listName: name, csv: 'number,plan\n+919876543210,Gold\n' }),
      400,
      /static upload takes only the columns .*got plan/,
      name,
    );
    const extras = Array.from({ length: 21 }, (_, i) => `v${i}`).join(',');
    await expectRejected(
      await postCsv(served.baseUrl, acct, { listName: name, type: 'dynamic', csv: `number,${extras}\n` }),
      400,
      /at most 20 extra columns; got 21/,
      name,
    );
    await expectRejected(
      await postCsv(served.baseUrl, acct, { listName: name, type: 'dynamic', csv: 'number,due date\n' }),
      400,
      /"due date" is not a valid column name/,
      name,
    );
    await expectRejected(
      await postCsv(served.baseUrl, acct, { listName: name, type: 'dynamic', csv: 'number,plan,plan\n' }),
      400,
      /"plan" appears twice/,
      name,
    );
  });

  it('rejects a missing list_name, a missing or empty file, a bad type, and non-UTF-8 text (400)', async () => {
    await expectRejected(
      await postCsv(served.baseUrl, acct, { csv: 'number\n+919876543210\n' }),
      400,
      /list_name is required/,
    );
    const name = uniqueName('Fields');
    const noFile = multipart([{ name: 'list_name', value: name }]);
    await expectRejected(
      await postUploadBody(served.baseUrl, acct, noFile.body, noFile.contentType),
      400,
      /file_name is required/,
      name,
    );
    await expectRejected(await postCsv(served.baseUrl, acct, { listName: name, csv: '' }), 400, /file is empty/, name);
    await expectRejected(
      await postCsv(served.baseUrl, acct, { listName: name, type: 'sometimes', csv: 'number\n' }),
      400,
      /type must be "static" or "dynamic"; got "sometimes"/,
      name,
    );
    await expectRejected(
      await postCsv(served.baseUrl, acct, {
        listName: name,
        csv: Buffer.from('number,first_name\n+919876543210,Jos\xe9\n', 'latin1'),
      }),
      400,
      /not UTF-8/,
      name,
    );
    expect(
      await database.db
        .select()
        .from(csvUploads)
        .where(eq(csvUploads.accountSid, acct.sid))
        .then((r) => r.filter((u) => u.status === 'processing')),
    ).toEqual([]);
  });

  it('answers 415 for a body that is not multipart, 400 for multipart without a boundary', async () => {
    await expectRejected(
      await postUploadBody(served.baseUrl, acct, '{"list_name":"x"}', 'application/json'),
      415,
      /must be multipart\/form-data/,
    );
    await expectRejected(
      await postUploadBody(served.baseUrl, acct, 'number\n', null),
      415,
      /must be multipart\/form-data/,
    );
    await expectRejected(await postUploadBody(served.baseUrl, acct, 'x', 'multipart/form-data'), 400, /boundary/);
  });

  it('refuses an upload of the other type into a list whose type its first upload fixed (409)', async () => {
    const name = uniqueName('Typed');
    const { upload } = await importCsv(served.baseUrl, acct, { listName: name, csv: 'number\n+919877700001\n' });
    await expectRejected(
      await postCsv(served.baseUrl, acct, {
        listName: name,
        type: 'dynamic',
        csv: 'number,plan\n+919877700002,Gold\n',
      }),
      409,
      /is a static list; a dynamic upload cannot be added/,
    );
    expect(await getList(upload.list_sid)).toMatchObject({ type: 'static', contact_count: 1, columns: ['number'] });
  });

  it('refuses an upload without a column the template of an attached non-terminal campaign uses (409)', async () => {
    const name = uniqueName('Templated');
    const { upload } = await importCsv(served.baseUrl, acct, {
      listName: name,
      type: 'dynamic',
      csv: 'number,plan,due\n+919888800001,Gold,Jan\n',
    });
    const campaignId = await insertListCampaign(database.db, {
      accountSid: acct.sid,
      listSids: [upload.list_sid],
      campaignType: 'dynamic',
      readViaText: 'Your @@plan plan is due on @@due',
      status: 'Paused',
    });
    await expectRejected(
      await postCsv(served.baseUrl, acct, {
        listName: name,
        type: 'dynamic',
        csv: 'number,plan\n+919888800002,Silver\n',
      }),
      409,
      new RegExp(`no due column, which campaign ${campaignId} \\(Paused\\) uses as @@due`),
    );
    const withIt = await importCsv(served.baseUrl, acct, {
      listName: name,
      type: 'dynamic',
      csv: 'number,due,plan,branch\n+919888800002,Feb,Silver,X\n',
    });
    expect(withIt.status).toMatchObject({ success_count: 1 });
    await setCampaignStatus(database.db, campaignId, 'Completed');
    const afterEnd = await importCsv(served.baseUrl, acct, {
      listName: name,
      type: 'dynamic',
      csv: 'number,plan\n+919888800003,Bronze\n',
    });
    expect(afterEnd.status).toMatchObject({ success_count: 1 });
  });
});

/**
 * A static CSV of exactly `bytes` bytes: a header, then rows of a unique valid number and a long
 * first name (900 characters, under the 1,000-character cell limit), the last row padded to fit.
 */
function* sizedCsv(bytes: number): Generator<Buffer> {
  const header = 'number,first_name\n';
  const rowLength = 13 + 1 + 900 + 1;
  let rows = Math.floor((bytes - header.length) / rowLength);
  let last = bytes - header.length - rows * rowLength;
  if (last > 0 && last < 16) {
    rows -= 1;
    last += rowLength;
  }
  const name = 'a'.repeat(900);
  let out: string[] = [header];
  let size = header.length;
  const row = (i: number, nameLength: number) =>
    `+9198${String(10_000_000 + i)},${nameLength === 900 ? name : 'b'.repeat(nameLength)}\n`;
  for (let i = 0; i < rows; i++) {
    out.push(row(i, 900));
    size += rowLength;
    if (size >= 1 << 20) {
      yield Buffer.from(out.join(''));
      out = [];
      size = 0;
    }
  }
  if (last > 0) out.push(row(rows, last - 15));
  yield Buffer.from(out.join(''));
}

const MiB = 1024 * 1024;
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const rowsIn = (bytes: number) => {
  let n = 0;
  for (const piece of sizedCsv(bytes)) for (const b of piece) if (b === 10) n++;
  return n - 1;
};

describe('§5 CSV upload: 60 MB', () => {
  it('stores and imports a file of exactly 60 MB, streamed, with memory that stays flat', async () => {
    const name = uniqueName('Sixty');
    expect([...sizedCsv(60 * MiB)].reduce((n, b) => n + b.length, 0)).toBe(60 * MiB);
    const { body, contentType } = streamedMultipart([{ name: 'list_name', value: name }], {
      filename: 'sixty.csv',
      pieces: () => sizedCsv(60 * MiB),
    });
    // The live set (after a full GC) of this process, which is both the client and the server: a
    // body or file held in memory anywhere would add at least 60 MiB to it.
    const live = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    const before = live();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, live())), 1000);
    try {
      const res = await postUploadBody(served.baseUrl, acct, body, contentType);
      expect(res.status, res.text).toBe(200);
      const upload = res.json.response[0].data;
      // Generous: the machines running the suite are shared (the import is ~68,000 wide rows).
      const status = await waitForUpload(served.baseUrl, acct, upload.upload_id, 540_000);
      expect(status).toMatchObject({
        status: 'completed',
        total_records: rowsIn(60 * MiB),
        failure_count: 0,
        duplicate_count: 0,
      });
      const [row] = await database.db.select().from(csvUploads).where(eq(csvUploads.id, upload.upload_id));
      expect(row!.sizeBytes).toBe(60 * MiB);
    } finally {
      clearInterval(sampler);
    }
    expect((peak - before) / MiB, 'live memory growth in MiB while storing and importing 60 MiB').toBeLessThan(32);
  });

  it('refuses a file of 60 MB + 1 byte with 413 and stores nothing', async () => {
    const name = uniqueName('Too big');
    const { body, contentType } = multipart([
      { name: 'list_name', value: name },
      { name: 'file_name', filename: 'big.csv', content: Buffer.concat([...sizedCsv(60 * MiB + 1)]) },
    ]);
    const res = await postUploadBody(served.baseUrl, acct, body, contentType);
    expect(res.status, res.text).toBe(413);
    expect(res.json.response[0].error_data).toMatchObject({
      code: 1013,
      description: 'file_name: the file is larger than 60 MB',
    });
    expect(await listByName(name)).toEqual([]);
    expect(await database.db.select().from(csvUploads).where(eq(csvUploads.fileName, 'big.csv'))).toEqual([]);
  });

  it('refuses a streamed body past the limit, and a declared Content-Length past it, with 413', async () => {
    const name = uniqueName('Streamed');
    const { body, contentType } = streamedMultipart([{ name: 'list_name', value: name }], {
      filename: 'big.csv',
      pieces: () => sizedCsv(61 * MiB),
    });
    const streamed = await postUploadBody(served.baseUrl, acct, body, contentType);
    expect(streamed.status, streamed.text).toBe(413);
    expect(await listByName(name)).toEqual([]);

    const { request } = await import('node:http');
    const url = new URL(`${served.baseUrl}${base()}/contacts/csv-upload`);
    const declared = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { authorization: acct.auth, 'content-type': contentType, 'content-length': String(61 * MiB) },
        },
        (r) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString()));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      // Only the start of the body is sent: the limit is judged from the header alone.
      req.write('--x\r\n');
    });
    expect(declared.status, declared.body).toBe(413);
    expect(JSON.parse(declared.body).response[0].error_data.code).toBe(1013);
  });
});
