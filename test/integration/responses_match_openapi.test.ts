/**
 * Contract test: the responses of a real stack, over every resource (campaigns and their reads, validation reports,
 * lists, contacts, uploads, webhook deliveries, do-not-call, idempotent repeats), each match the schema the OpenAPI
 * document gives for its operation and status; errors match the error envelope.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checked, expectMatchesContract } from '../support/contract';
import { client, startTestStack, type TestStack } from '../support/stack';

const ACCOUNT = {
  sid: 'contract',
  api_key: 'contract_key',
  api_token: 'contract_token_0123456789',
  calling_window: '00:00-24:00',
  api_requests_per_minute: 100_000,
};
/** SPEC §4.4 (ext): a window in each recipient's zone; Russia's zones share no instant of 09:00-17:00. */
const LOCAL = {
  sid: 'contract_local',
  api_key: 'contract_local_key',
  api_token: 'contract_local_token_0123',
  calling_window: '09:00-17:00',
  recipient_local_time: true,
};
const V2 = '/v2/accounts/{sid}';

let stack: TestStack;
let api: ReturnType<typeof client>;
let hooks: Server;
let hookUrl: string;
/** A real GET campaign body, kept for the drift check at the end. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed response body
let campaignBody: any;
/** Every webhook request received, duplicates included (a replay sends the same event id again). */
const received: Array<{ eventId: string; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      received.push({ eventId: String(req.headers['x-outcall-event-id']), body: JSON.parse(raw) });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, '127.0.0.1', () => resolve()));
  hookUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`;
  stack = await startTestStack({ OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT, LOCAL]) });
  api = client(stack.baseUrl, ACCOUNT.api_key, ACCOUNT.api_token);
});

afterAll(async () => {
  await stack?.stop();
  await new Promise<void>((resolve) => hooks?.close(() => resolve()));
});

const path = (p: string) => p.replace('{sid}', ACCOUNT.sid);
const basicAuth = `Basic ${Buffer.from(`${ACCOUNT.api_key}:${ACCOUNT.api_token}`).toString('base64')}`;

/** Calls the API and checks the answer against the document; returns the parsed body. */
async function contract(method: string, template: string, ids: Record<string, string>, body?: unknown) {
  let p = path(template);
  for (const [k, v] of Object.entries(ids)) p = p.replace(`{${k}}`, v);
  const [route, query] = p.split('?');
  const res = await api(method, query ? `${route}?${query}` : route!, body);
  expectMatchesContract(method, template.split('?')[0]!, res.status, res.json);
  return res;
}

async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${ms} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe('responses match the OpenAPI document', () => {
  it('lists, contacts, memberships and a CSV upload', async () => {
    const list = await contract('POST', `${V2}/lists`, {}, { name: 'contract list', tag: 'july' });
    expect(list.status).toBe(200);
    const listSid = list.json.response[0].data.sid;
    expect((await contract('POST', `${V2}/lists`, {}, { lists: [{ name: 'contract list' }] })).status).toBe(207);
    await contract('GET', `${V2}/lists?limit=5`, {});
    await contract('GET', `${V2}/lists/{list_sid}`, { list_sid: listSid });
    await contract('PUT', `${V2}/lists/{list_sid}`, { list_sid: listSid }, { tag: 'august' });
    const contacts = await contract(
      'POST',
      `${V2}/contacts`,
      {},
      { contacts: [{ number: '+919876543210', first_name: 'Asha' }, { number: 'not a number' }] },
    );
    expect(contacts.status).toBe(207);
    const contactSid = contacts.json.response[0].data.sid;
    await contract('GET', `${V2}/contacts?filter=show_list`, {});
    await contract('GET', `${V2}/contacts/{contact_sid}`, { contact_sid: contactSid });
    await contract('PUT', `${V2}/contacts/{contact_sid}`, { contact_sid: contactSid }, { last_name: 'Rao' });
    await contract(
      'POST',
      `${V2}/lists/{list_sid}/contacts`,
      { list_sid: listSid },
      { contact_references: [{ contact_sid: contactSid }] },
    );
    await contract('GET', `${V2}/lists/{list_sid}/contacts`, { list_sid: listSid });
    await contract('GET', `${V2}/contact-lists/{list_sid}`, { list_sid: listSid });

    const form = new FormData();
    form.set('list_name', 'contract upload');
    form.set('type', 'dynamic');
    form.set('file_name', new Blob(['number,first_name,city\n+919876543211,Ravi,Pune\nbad,X,Y\n']), 'c.csv');
    const upload = await fetch(`${stack.baseUrl}${path(`${V2}/contacts/csv-upload`)}`, {
      method: 'POST',
      headers: { authorization: basicAuth },
      body: form,
    });
    const accepted = (await upload.json()) as { response: Array<{ data: { upload_id: string } }> };
    expectMatchesContract('POST', `${V2}/contacts/csv-upload`, upload.status, accepted);
    const uploadId = accepted.response[0]!.data.upload_id;
    const status = await until(
      'the import',
      () => contract('GET', `${V2}/csv-status/{upload_id}`, { upload_id: uploadId }),
      (r) => r.json.response[0].data.status !== 'processing',
    );
    expect(status.json.response[0].data).toMatchObject({ status: 'completed', success_count: 1, failure_count: 1 });

    expect(
      (
        await contract('DELETE', `${V2}/lists/{list_sid}/contacts/{contact_sid}`, {
          list_sid: listSid,
          contact_sid: contactSid,
        })
      ).status,
    ).toBe(200);
    await contract('DELETE', `${V2}/contacts/{contact_sid}`, { contact_sid: contactSid });
    await contract('DELETE', `${V2}/lists/{list_sid}`, { list_sid: listSid });
  });

  it("a real campaign's create, get, list, call-details, numbers, webhook log and replay", async () => {
    const created = await contract(
      'POST',
      `${V2}/campaigns`,
      {},
      {
        name: 'contract campaign',
        from: ['+919876543210', '+919876543211', '+919876543218'],
        caller_id: '08012345678',
        read_via_text: 'Your parcel arrives today',
        status_callback: hookUrl,
        call_status_callback: hookUrl,
      },
    );
    const id = created.json.response[0].data.id;
    await contract('GET', `${V2}/campaigns?status=inprogress,completed`, {});
    const done = await until(
      'Completed',
      () => contract('GET', `${V2}/campaigns/{id}`, { id }),
      (r) => r.json.response[0].data.status === 'Completed',
    );
    expect(done.json.response[0].data.stats).toMatchObject({ completed: 2, failed: 1 });
    campaignBody = done.json;
    const calls = await contract('GET', `${V2}/campaigns/{id}/call-details`, { id });
    expect(calls.json.response).toHaveLength(3);
    await contract('GET', `${V2}/campaign/{id}/call-details`, { id });
    await contract('GET', `${V2}/campaigns/{id}/numbers?status=completed`, { id });

    const log = await until(
      'every webhook delivered',
      () => contract('GET', `${V2}/campaigns/{id}/webhook-deliveries`, { id }),
      (r) =>
        r.json.metadata.total >= 5 &&
        r.json.response.every((i: { data: { status: string } }) => i.data.status === 'delivered'),
    );
    const first = log.json.response[0].data;
    expect(first.url).toBe(hookUrl);
    const sentBefore = received.filter((r) => r.eventId === first.id).length;
    expect(sentBefore).toBe(1);
    const replayed = await contract('POST', `${V2}/campaigns/{id}/webhook-deliveries/{delivery_id}/replay`, {
      id,
      delivery_id: first.id,
    });
    expect(replayed.json.response[0].data.replays).toBe(1);
    await until(
      'the replayed event to arrive',
      async () => received.filter((r) => r.eventId === first.id),
      (r) => r.length === 2,
    );
    expect(received.filter((r) => r.eventId === first.id)[1]!.body).toEqual(first.payload);
    const after = await until(
      'the replay to be recorded delivered',
      () => contract('GET', `${V2}/campaigns/{id}/webhook-deliveries?status=delivered`, { id }),
      (r) => r.json.response.find((i: { data: { id: string } }) => i.data.id === first.id)?.data.attempts === 2,
    );
    expect(after.json.response.find((i: { data: { id: string } }) => i.data.id === first.id).data).toMatchObject({
      status: 'delivered',
      replays: 1,
    });
  });

  it('an update, a delete, and errors in the error envelope', async () => {
    const sendAt = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const created = await contract(
      'POST',
      `${V2}/campaigns`,
      {},
      {
        from: '+919876543212',
        caller_id: '08012345678',
        url: 'https://flows.example.com/1',
        schedule: { send_at: sendAt },
      },
    );
    const id = created.json.response[0].data.id;
    const paused = await contract('PUT', `${V2}/campaigns/{id}`, { id }, { action: 'pause' });
    expect(paused.json.response[0].data.status).toBe('Paused');
    const deleted = await contract('DELETE', `${V2}/campaigns/{id}`, { id });
    expect(deleted.json.response[0].data.status).toBe('Deleted');
    expect((await contract('PUT', `${V2}/campaigns/{id}`, { id }, { action: 'resume' })).status).toBe(409);
    expect((await contract('GET', `${V2}/campaigns/{id}`, { id: 'f'.repeat(32) })).status).toBe(404);
    expect((await contract('POST', `${V2}/campaigns`, {}, { from: '+91', caller_id: 'x', url: 'nope' })).status).toBe(
      400,
    );
    const report = await contract(
      'POST',
      `${V2}/campaigns?validation=report`,
      {},
      {
        from: ['+919876543210', '123'],
        caller_id: '08012345678',
        url: 'https://flows.example.com/1',
      },
    );
    expect(report.json.response[0].data).toMatchObject({ validation: 'report', created: false, no_window: [] });

    const local = client(stack.baseUrl, LOCAL.api_key, LOCAL.api_token);
    const localReport = await local('POST', `/v2/accounts/${LOCAL.sid}/campaigns?validation=report`, {
      from: ['+79161234567', '+12125550123'],
      caller_id: '08012345678',
      url: 'https://flows.example.com/1',
    });
    expectMatchesContract('POST', `${V2}/campaigns`, localReport.status, localReport.json);
    expect(localReport.json.response[0].data.no_window).toEqual([
      expect.objectContaining({ position: 1, number: '+79161234567', reason: 'no_window' }),
    ]);
  });

  it('the do-not-call list, and a POST repeated with its Idempotency-Key', async () => {
    const added = await contract('POST', `${V2}/dnc`, {}, { numbers: [{ number: '+919876543290' }, { number: 'x' }] });
    expect(added.status).toBe(207);
    const entry = added.json.response[0].data;
    expect(entry).toMatchObject({ number: '+919876543290', source: 'api' });
    const number = encodeURIComponent(entry.number);
    await contract('GET', `${V2}/dnc?limit=5`, {});
    await contract('GET', `${V2}/dnc/{number}`, { number });
    const form = new FormData();
    form.set('file_name', new Blob(['number\n+919876543291\n+919876543290\nbad\n']), 'dnc.csv');
    const upload = await fetch(`${stack.baseUrl}${path(`${V2}/dnc/csv-upload`)}`, {
      method: 'POST',
      headers: { authorization: basicAuth },
      body: form,
    });
    const counts = (await upload.json()) as { response: Array<{ data: Record<string, number> }> };
    expectMatchesContract('POST', `${V2}/dnc/csv-upload`, upload.status, counts);
    expect(counts.response[0]!.data).toMatchObject({ success_count: 1, duplicate_count: 1, failure_count: 1 });
    expect((await contract('DELETE', `${V2}/dnc/{number}`, { number })).status).toBe(200);
    expect((await contract('GET', `${V2}/dnc/{number}`, { number })).status).toBe(404);

    const post = (body: unknown) =>
      fetch(`${stack.baseUrl}${path(`${V2}/lists`)}`, {
        method: 'POST',
        headers: { authorization: basicAuth, 'content-type': 'application/json', 'idempotency-key': 'contract-1' },
        body: JSON.stringify(body),
      });
    const first = await post({ name: 'idempotent list' });
    const firstBody = await first.json();
    expectMatchesContract('POST', `${V2}/lists`, first.status, firstBody);
    const again = await post({ name: 'idempotent list' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const againBody = await again.json();
    expectMatchesContract('POST', `${V2}/lists`, again.status, againBody);
    expect(againBody).toEqual(firstBody);
    const reused = await post({ name: 'another list' });
    const reusedBody = (await reused.json()) as { response: Array<{ error_data: { code: number } }> };
    expectMatchesContract('POST', `${V2}/lists`, reused.status, reusedBody);
    expect(reused.status).toBe(409);
    expect(reusedBody.response[0]!.error_data.code).toBe(4005);
  });

  it('catches a response that drifts from the document', () => {
    const data = campaignBody.response[0].data;
    const drift = (d: unknown) => ({ ...campaignBody, response: [{ ...campaignBody.response[0], data: d }] });
    const { stats: _dropped, ...noStats } = data;
    expect(() => expectMatchesContract('GET', `${V2}/campaigns/{id}`, 200, drift(noStats))).toThrow(/stats/);
    expect(() => expectMatchesContract('GET', `${V2}/campaigns/{id}`, 200, drift({ ...data, extra: 1 }))).toThrow();
    expect(() =>
      expectMatchesContract('GET', `${V2}/campaigns/{id}`, 200, drift({ ...data, status: 'Done' })),
    ).toThrow();
  });

  it('covered every operation the issue names', () => {
    for (const op of [
      `POST ${V2}/campaigns 200`,
      `GET ${V2}/campaigns 200`,
      `GET ${V2}/campaigns/{id} 200`,
      `GET ${V2}/campaigns/{id}/call-details 200`,
      `GET ${V2}/campaigns/{id}/numbers 200`,
      `GET ${V2}/lists 200`,
      `GET ${V2}/lists/{list_sid}/contacts 200`,
      `GET ${V2}/contacts 200`,
      `GET ${V2}/csv-status/{upload_id} 200`,
      `POST ${V2}/dnc 207`,
      `GET ${V2}/dnc 200`,
      `POST ${V2}/dnc/csv-upload 200`,
      `DELETE ${V2}/dnc/{number} 200`,
      `POST ${V2}/lists 409`,
    ])
      expect([...checked], op).toContain(op);
  });
});
