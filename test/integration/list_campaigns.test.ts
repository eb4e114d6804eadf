/**
 * SPEC §3/§5/§7 campaigns from lists, over real HTTP against the whole stack (API, worker, dev server, simulator): a
 * dynamic campaign's `@@column` greeting rendered per contact, checked in what the simulator's greeting flow fetched;
 * static campaigns over several lists de-duplicated in list order; the lists' snapshot taken at start; names in
 * call-details, the numbers endpoint and the report; `lists` rules rejected at create.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCsv } from '../support/csv-upload';
import { basicAuthHeader, type TestAccount } from '../support/api';
import { client, startTestStack, type TestStack } from '../support/stack';

const ACCOUNT = {
  sid: 'lister',
  api_key: 'lister_key',
  api_token: 'lister_token_0123456789',
  calling_window: '00:00-24:00',
  calls_per_minute: 6000,
  channels: 100,
};
const acct: TestAccount = {
  sid: ACCOUNT.sid,
  key: ACCOUNT.api_key,
  token: ACCOUNT.api_token,
  auth: basicAuthHeader(ACCOUNT.api_key, ACCOUNT.api_token),
};
const base = `/v2/accounts/${ACCOUNT.sid}`;

let stack: TestStack;
let api: ReturnType<typeof client>;
beforeAll(async () => {
  stack = await startTestStack({
    OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]),
    OUTCALL_SIM_RING_MS: '0',
    OUTCALL_SIM_TALK_MS: '0',
  });
  api = client(stack.baseUrl, ACCOUNT.api_key, ACCOUNT.api_token);
});
afterAll(async () => {
  await stack?.stop();
});

async function createList(name: string): Promise<string> {
  const res = await api('POST', `${base}/lists`, { name });
  expect(res.status, res.text).toBe(200);
  return res.json.response[0].data.sid as string;
}

/** Creates (or reuses) contacts and adds them to the list, in order. */
async function addContacts(
  listSid: string,
  contacts: Array<{ number: string; first_name?: string; last_name?: string }>,
): Promise<string[]> {
  const made = await api('POST', `${base}/contacts`, { contacts });
  expect(made.status, made.text).toBe(200);
  const sids = made.json.response.map((item: { data: { sid: string } }) => item.data.sid) as string[];
  const added = await api('POST', `${base}/lists/${listSid}/contacts`, {
    contact_references: sids.map((contact_sid) => ({ contact_sid })),
  });
  expect(added.status, added.text).toBe(200);
  return sids;
}

async function createCampaign(body: Record<string, unknown>): Promise<{ id: string; data: Record<string, any> }> {
  // eslint-disable-line @typescript-eslint/no-explicit-any -- the wire object, inspected ad hoc
  const res = await api('POST', `${base}/campaigns`, { caller_id: '08012345678', ...body });
  expect(res.status, res.text).toBe(200);
  return { id: res.json.response[0].data.id, data: res.json.response[0].data };
}

async function waitForAny(id: string, statuses: string[], timeoutMs = 120_000) {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const c = (await api('GET', `${base}/campaigns/${id}`)).json.response[0].data;
    if (statuses.includes(c.status)) return c;
    if (Date.now() > deadline)
      throw new Error(`campaign ${id} is ${c.status}, not ${statuses.join('/')}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const waitFor = (id: string, status: string, timeoutMs?: number) => waitForAny(id, [status], timeoutMs);

async function numbersOf(id: string): Promise<Array<{ number: string; name: string | null; status: string }>> {
  const res = await api('GET', `${base}/campaigns/${id}/numbers?limit=500`);
  expect(res.status, res.text).toBe(200);
  return res.json.response.map((item: { data: { number: string; name: string | null; status: string } }) => item.data);
}

async function simulatorRequests(number: string) {
  // The inspection view takes the account's own credentials, as /v2 does (SPEC §7).
  const res = await fetch(`${stack.baseUrl}/simulator/calls?number=${encodeURIComponent(number)}`, {
    headers: { authorization: acct.auth },
  });
  return (
    (await res.json()) as {
      requests: Array<{ greeting: string | null; custom_field: string | null; attempt_number: number }>;
    }
  ).requests;
}

describe('§3/§7 a dynamic campaign renders its greeting per contact', () => {
  const rows = [
    { number: '+919811100001', first: 'Asha', amount: '₹500', due: '5 March' },
    { number: '+919811100002', first: 'Ravi', amount: '₹1,200', due: '' },
    { number: '+919811100003', first: 'Meena', amount: '=2+3', due: 'today' },
  ];
  const csv = [
    'number,first_name,Amount,due_date',
    ...rows.map((r) => `${r.number},${r.first},"${r.amount}",${r.due}`),
  ].join('\n');
  let listSid: string;

  beforeAll(async () => {
    const { upload, status } = await importCsv(stack.baseUrl, acct, { csv, listName: 'dues', type: 'dynamic' });
    expect(status).toMatchObject({ status: 'completed', success_count: 3 });
    listSid = upload.list_sid;
  });

  it('rejects a token that names no column of the list, naming the token', async () => {
    const res = await api('POST', `${base}/campaigns`, {
      caller_id: '08012345678',
      lists: [listSid],
      campaign_type: 'dynamic',
      read_via_text: 'Hi @@first_name, your @@Balance is due',
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.response[0].error_data.description).toMatch(/read_via_text: @@Balance names no column of list/);
  });

  it('fetches each contact its own greeting, and names the contact in call-details and the report', async () => {
    const { id, data } = await createCampaign({
      lists: [listSid],
      campaign_type: 'dynamic',
      read_via_text: 'Hello @@first_name, please pay @@Amount by @@due_date. @@first_name',
    });
    expect(data).toMatchObject({ lists: [listSid], campaign_type: 'dynamic', stats: { created: 3, pending: 3 } });
    expect(data.from).toBeUndefined();
    const done = await waitFor(id, 'Completed');
    expect(done.stats).toMatchObject({ created: 3, completed: 3 });
    for (const r of rows) {
      const [call] = await simulatorRequests(r.number);
      expect(call, r.number).toBeDefined();
      // The flow asked Outcall for the greeting with the attempt's token, and heard this contact's.
      expect(call!.greeting).toBe(`Hello ${r.first}, please pay ${r.amount} by ${r.due}. ${r.first}`);
    }
    const details = await api('GET', `${base}/campaigns/${id}/call-details?limit=10`);
    expect(details.json.response.map((r: { number: string; name: string }) => [r.number, r.name]).sort()).toEqual(
      rows.map((r) => [r.number, r.first]),
    );
    const report = await fetch(`${stack.baseUrl}${base}/campaigns/${id}/report.csv`, {
      headers: { authorization: acct.auth },
    });
    const lines = (await report.text()).trim().split('\r\n');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(
      rows.map((r) => `${r.number},${r.first},completed`),
    );
  });
});

describe('§3/§5 static campaigns from several lists', () => {
  it('rejects a sixth list', async () => {
    const sids = await Promise.all(['s1', 's2', 's3', 's4', 's5', 's6'].map((n) => createList(`six-${n}`)));
    const res = await api('POST', `${base}/campaigns`, {
      caller_id: '08012345678',
      url: 'http://flow.example/a',
      lists: sids,
    });
    expect(res.status, res.text).toBe(400);
    expect(res.json.response[0].error_data).toMatchObject({
      code: 1000,
      description: expect.stringMatching(/lists names 6 lists; a static campaign takes at most 5/),
    });
    const five = await api('POST', `${base}/campaigns`, {
      caller_id: '08012345678',
      url: 'http://flow.example/a',
      lists: sids.slice(0, 5),
    });
    expect(five.status, five.text).toBe(200);
  });

  it('dials each number once across lists, in list order, and leaves a static greeting as written', async () => {
    const a = await createList('dedupe-a');
    const b = await createList('dedupe-b');
    const c = await createList('dedupe-c');
    await addContacts(a, [
      { number: '+919822200001', first_name: 'Ana', last_name: 'Rao' },
      { number: '+919822200002', first_name: 'Bo' },
    ]);
    await addContacts(b, [{ number: '+919822200002' }, { number: '+919822200003', first_name: 'Cy' }]);
    await addContacts(c, [
      { number: '+919822200003' },
      { number: '+919822200001' },
      { number: '+919822200004', last_name: 'Dee' },
    ]);
    const { id, data } = await createCampaign({
      lists: [a, b, c],
      read_via_text: 'Dear @@first_name, a static greeting',
    });
    expect(data.stats).toMatchObject({ created: 4, pending: 4 });
    await waitFor(id, 'Completed');
    expect(await numbersOf(id)).toEqual([
      expect.objectContaining({ number: '+919822200001', name: 'Ana Rao', status: 'completed' }),
      expect.objectContaining({ number: '+919822200002', name: 'Bo', status: 'completed' }),
      expect.objectContaining({ number: '+919822200003', name: 'Cy', status: 'completed' }),
      expect.objectContaining({ number: '+919822200004', name: 'Dee', status: 'completed' }),
    ]);
    for (const n of ['+919822200001', '+919822200002', '+919822200003', '+919822200004']) {
      const calls = await simulatorRequests(n);
      expect(
        calls.filter((x) => x.custom_field !== null),
        n,
      ).toHaveLength(1);
      expect(calls[0]!.greeting).toBe('Dear @@first_name, a static greeting');
    }
  });
});

describe('§5 the snapshot is taken when the campaign starts', () => {
  it('includes edits made before the start and ignores edits made after it', async () => {
    const list = await createList('snapshot');
    const [first] = await addContacts(list, [{ number: '+919833300001', first_name: 'Early' }]);
    const sendAt = new Date(Date.now() + 8000);
    const { id, data } = await createCampaign({
      lists: [list],
      url: 'http://flow.example/a',
      schedule: { send_at: sendAt.toISOString().replace(/\.\d+Z$/, 'Z') },
    });
    expect(data.stats).toMatchObject({ created: 1 });
    // Before the start: a new member counts.
    await addContacts(list, [{ number: '+919833300002', first_name: 'Before' }]);
    // The snapshot is taken in the transaction that enters InProgress: once a GET shows InProgress
    // (or later), every edit below comes after it.
    await waitForAny(id, ['InProgress', 'Completed'], 60_000);
    await addContacts(list, [{ number: '+919833300003', first_name: 'After' }]);
    const removed = await api('DELETE', `${base}/lists/${list}/contacts/${first}`);
    expect(removed.status, removed.text).toBe(200);
    const done = await waitFor(id, 'Completed');
    expect(done.stats).toMatchObject({ created: 2, completed: 2 });
    expect((await numbersOf(id)).map((n) => [n.number, n.name])).toEqual([
      ['+919833300001', 'Early'],
      ['+919833300002', 'Before'],
    ]);
    expect(await simulatorRequests('+919833300003')).toEqual([]);
  });
});
