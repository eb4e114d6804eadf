/**
 * SPEC §1 "Bad input never yields a 5xx", over real HTTP on a real PostgreSQL: NUL bytes and lone
 * surrogates in path segments, query values, JSON strings, multipart fields, file names and CSV
 * cells; JSON nested deeper than 64 levels; request URLs over 8 KB (issue 11, findings 3, 4 and 6).
 * Every refusal is a 4xx in Exotel's envelope naming what was wrong, and changes no row.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Json, TestAccount } from '../support/api';
import type { TestDatabase } from '../support/db';
import type { HttpCall, ServedApp } from '../support/http-app';
import { multipart, postUploadBody, waitForUpload } from '../support/csv-upload';
import { tableCounts } from '../support/table-counts';
import { serveOnFreshDatabase } from '../support/served-app';

let database: TestDatabase;
let served: ServedApp;
let acct: TestAccount;
let api: HttpCall;

serveOnFreshDatabase((app) => ({ database, served, acct, api } = app));

const base = () => `/v2/accounts/${acct.sid}`;
const flow = 'https://flows.example.com/start_voice/926';
const description = (res: { json: Json }) => String(res.json?.response?.[0]?.error_data?.description);

/** Runs `send`, expects a 400 envelope whose description contains `names`, and no row changed. */
async function refused(send: () => Promise<{ status: number; json: Json; text: string }>, names: string) {
  const before = await tableCounts(database.db);
  const res = await send();
  expect(res.status, res.text).toBe(400);
  expect(res.json.http_code, res.text).toBe(400);
  expect(res.json.response[0].status).toBe('failure');
  expect(description(res)).toContain(names);
  expect(await tableCounts(database.db)).toEqual(before);
  return res;
}

describe('§1 NUL bytes and lone surrogates are refused with a 400 naming the field', () => {
  it.each([
    ['campaign id', () => `${base()}/campaigns/%00`],
    ['list sid', () => `${base()}/lists/%00`],
    ['contact sid', () => `${base()}/contacts/%00`],
    ['upload id', () => `${base()}/csv-status/%00`],
    ['campaign id before /numbers', () => `${base()}/campaigns/0123456789abcdef0123456789abcdef%00/numbers`],
    ['account sid', () => `/v2/accounts/${acct.sid}%00/campaigns`],
  ])('in a path segment: %s', async (_what, path) => {
    const res = await refused(() => api('GET', path()), 'path: segment');
    expect(description(res)).toContain('NUL byte');
  });

  it.each([
    ['campaigns', 'name'],
    ['lists', 'name'],
    ['contacts', 'name'],
    ['campaigns', 'status'],
  ])('in a query value: /%s?%s=', async (resource, param) => {
    await refused(() => api('GET', `${base()}/${resource}?${param}=a%00b`), `query parameter "${param}"`);
  });

  it('in a query parameter name', async () => {
    await refused(() => api('GET', `${base()}/campaigns?na%00me=x`), 'query: a parameter name');
  });

  it.each([
    ['a campaign name', 'campaigns', { ...campaignBody(), name: 'Reminder \u0000 one' }, 'name contains a NUL byte'],
    ['a lone surrogate in a campaign name', 'campaigns', { ...campaignBody(), name: 'Hi \ud800' }, 'lone surrogate'],
    [
      'a bulk element',
      'campaigns',
      { campaigns: [campaignBody(), { ...campaignBody(), name: 'x\u0000y' }] },
      'campaigns[2].name',
    ],
    ['a custom_field value', 'campaigns', { ...campaignBody(), custom_field: { k: '\u0000' } }, 'custom_field.k'],
    ['a field name', 'campaigns', { ...campaignBody(), ['n\u0000']: 1 }, 'a field name contains'],
    [
      'a contact first_name',
      'contacts',
      { contacts: [{ number: '+919876543210', first_name: 'A\u0000' }] },
      'first_name',
    ],
    ['a list name', 'lists', { name: 'List \u0000' }, 'name contains a NUL byte'],
    ['a low surrogate in a list name', 'lists', { name: 'List \udc00' }, 'lone surrogate (U+DC00)'],
  ])('in a JSON string: %s', async (_what, resource, body, names) => {
    await refused(() => api('POST', `${base()}/${resource}`, body), names);
  });

  it('in a JSON body sent form-encoded', async () => {
    const text = encodeURIComponent(JSON.stringify({ name: 'List \u0000' }));
    await refused(
      () => api('POST', `${base()}/lists`, text, { 'content-type': 'application/x-www-form-urlencoded' }),
      'name contains a NUL byte',
    );
  });

  it('in a PUT body', async () => {
    const created = await api('POST', `${base()}/lists`, { name: `List ${Date.now()}` });
    expect(created.status, created.text).toBe(200);
    const sid = created.json.response[0].data.sid;
    await refused(() => api('PUT', `${base()}/lists/${sid}`, { name: 'x\u0000' }), 'name contains a NUL byte');
  });

  it('in a multipart text field, a part name and a file name', async () => {
    const csv = 'number\n+919876543210\n';
    for (const [parts, names] of [
      [
        [
          { name: 'list_name', value: 'L\u0000' },
          { name: 'file_name', filename: 'a.csv', content: csv },
        ],
        'list_name',
      ],
      [
        [
          { name: 'list_name', value: 'L' },
          { name: 'file_name', filename: 'a\u0000.csv', content: csv },
        ],
        'file name',
      ],
      [
        [
          { name: 'li\u0000', value: 'L' },
          { name: 'file_name', filename: 'a.csv', content: csv },
        ],
        'part name',
      ],
    ] as const) {
      const { body, contentType } = multipart([...parts]);
      await refused(() => postUploadBody(served.baseUrl, acct, body, contentType), names);
    }
  });

  it('in a CSV cell: that row fails with invalid_characters, the others are imported', async () => {
    const csv = 'number,first_name\n+919876543210,Asha\n+919876543211,Bad\u0000Name\n+919876543212,Ravi\n';
    const { body, contentType } = multipart([
      { name: 'list_name', value: `Cells ${Date.now()}` },
      { name: 'file_name', filename: 'cells.csv', content: csv },
    ]);
    const res = await postUploadBody(served.baseUrl, acct, body, contentType);
    expect(res.status, res.text).toBe(200);
    const status = await waitForUpload(served.baseUrl, acct, res.json.response[0].data.upload_id);
    expect(status).toMatchObject({ status: 'completed', total_records: 3, success_count: 2, failure_count: 1 });
    expect(status.failures).toEqual([
      expect.objectContaining({ row: 2, number: '+919876543211', reason: 'invalid_characters' }),
    ]);
  });
});

function campaignBody(): Record<string, unknown> {
  return { from: ['+919876543210'], caller_id: '08047112233', url: flow };
}

const nested = (depth: number, inner = '1') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

describe('§1 JSON nested deeper than 64 levels gets a 400 before anything recurses', () => {
  it.each([
    ['the whole body', () => nested(5000)],
    ['inside from', () => `{"from":${nested(5000, '"+919876543210"')},"caller_id":"080","url":"${flow}"}`],
    [
      'inside custom_field',
      () => `{"from":["+919876543210"],"caller_id":"080","url":"${flow}","custom_field":${nested(5000)}}`,
    ],
    ['a bulk body', () => `{"campaigns":[${nested(5000, '{}')}]}`],
    ['one level past the limit', () => `{"custom_field":${nested(64)}}`],
  ])('%s', async (_what, body) => {
    await refused(() => api('POST', `${base()}/campaigns`, body()), 'nested deeper than 64 levels');
  });

  it('on list and contact bodies too', async () => {
    await refused(() => api('POST', `${base()}/lists`, `{"lists":${nested(5000, '{}')}}`), 'nested deeper');
    await refused(() => api('POST', `${base()}/contacts`, `{"contacts":${nested(5000, '{}')}}`), 'nested deeper');
  });

  it('accepts 64 levels: the body reaches validation', async () => {
    const res = await api('POST', `${base()}/campaigns`, `{"custom_field":${nested(63)}}`);
    expect(res.status, res.text).toBe(400);
    expect(description(res)).not.toContain('nested deeper');
  });
});

/** A raw HTTP request, so a reset connection shows as an error instead of a retry. */
function rawRequest(path: string, body: Buffer | null): Promise<{ status: number; json: Json; text: string }> {
  const url = new URL(served.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: body ? 'POST' : 'GET',
        path,
        headers: { authorization: acct.auth, ...(body && { 'content-type': 'application/json' }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: Json = null;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json, text });
        });
      },
    );
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

describe('§1 a request URL over 8 KB gets a 414 in the envelope', () => {
  it.each([
    ['9 KB', 9 * 1024, null],
    ['17 KB (over Node’s default header limit)', 17 * 1024, null],
    ['17 KB with a 1 MB body', 17 * 1024, Buffer.alloc(1024 * 1024, 0x20)],
    ['70 KB (over the server’s header limit)', 70 * 1024, null],
    ['70 KB with a 1 MB body', 70 * 1024, Buffer.alloc(1024 * 1024, 0x20)],
  ])('%s', async (_what, bytes, body) => {
    const path = `${base()}/campaigns?name=${'a'.repeat(bytes)}`;
    const res = await rawRequest(path, body);
    expect(res.status, res.text.slice(0, 300)).toBe(414);
    expect(res.json).toMatchObject({
      http_code: 414,
      request_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      response: [{ code: 414, status: 'failure', error_data: { code: 1014, message: 'URI too long' } }],
    });
  });

  it('accepts a URL of 8 KB', async () => {
    const path = `${base()}/campaigns?name=`;
    const res = await rawRequest(`${path}${'a'.repeat(8 * 1024 - path.length)}`, null);
    expect(res.status, res.text.slice(0, 300)).toBe(200);
  });

  it('answers headers over 64 KB with a 431 in the envelope', async () => {
    const url = new URL(served.baseUrl);
    const res = await new Promise<{ status: number; json: Json }>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: `${base()}/campaigns`, headers: { 'x-big': 'b'.repeat(70_000) } },
        (r) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString()));
          r.on('end', () => resolve({ status: r.statusCode ?? 0, json: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(431);
    expect(res.json.response[0].error_data).toMatchObject({ code: 1016 });
  });
});
