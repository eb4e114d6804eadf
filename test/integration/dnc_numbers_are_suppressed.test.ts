/**
 * SPEC §3/§4.1/§7 (ext) the do-not-call list end to end: a listed number is `suppressed` and never dialled, a campaign
 * of listed numbers only ends `Completed` without dialling, a list snapshot at start or a PUT before start suppresses
 * numbers listed after the create, and a number listed while its campaign runs ends `failed` / `dnc`, never dialled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { simCalls } from '../../db/schema';
import { client, startTestStack, type TestStack } from '../support/stack';

const ACCOUNT = {
  sid: 'dnc_e2e',
  api_key: 'dnc_e2e_key',
  api_token: 'dnc_e2e_token_0123456789',
  calling_window: '00:00-24:00',
  calls_per_minute: 6000,
  channels: 50,
};
/** Paced at one dial every three seconds on one channel, so numbers late in the order wait. */
const SLOW = { ...ACCOUNT, sid: 'dnc_slow', api_key: 'dnc_slow_key', calls_per_minute: 20, channels: 1 };
const base = `/v2/accounts/${ACCOUNT.sid}`;
const FLOW = 'https://flows.example.com/start_voice/926';

let stack: TestStack;
let api: ReturnType<typeof client>;
beforeAll(async () => {
  stack = await startTestStack({ OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT, SLOW]), OUTCALL_SIM_TALK_MS: '200' });
  api = client(stack.baseUrl, ACCOUNT.api_key, ACCOUNT.api_token);
});
afterAll(async () => {
  await stack?.stop();
});

async function waitForStatus(id: string, status: string, timeoutMs = 120_000, as = api, at = base) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = (await as('GET', `${at}/campaigns/${id}`)).json.response[0].data;
    const s = c.stats;
    expect(s.created).toBe(s.pending + s['in-progress'] + s.retry + s.completed + s.failed + s.canceled + s.suppressed);
    if (c.status === status) return c;
    if (Date.now() > deadline) throw new Error(`campaign ${id} still ${c.status}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function callsTo(number: string) {
  return stack.db.select().from(simCalls).where(eq(simCalls.to, number));
}

describe('§7 numbers on the do-not-call list are never dialled', () => {
  it('runs an inline campaign around its listed number, which stays suppressed with no call record', async () => {
    const blocked = '+919811100006';
    expect((await api('POST', `${base}/dnc`, { number: blocked })).status).toBe(200);
    const free = ['+919811100001', '+919811100002'];
    const created = await api('POST', `${base}/campaigns`, {
      from: [free[0], blocked, free[1]],
      caller_id: '08012345678',
      url: FLOW,
    });
    expect(created.status, created.text).toBe(200);
    const id = created.json.response[0].data.id;
    expect(created.json.response[0].data.stats).toMatchObject({ created: 3, pending: 2, suppressed: 1 });
    const done = await waitForStatus(id, 'Completed');
    expect(done.stats).toMatchObject({ created: 3, completed: 2, suppressed: 1, failed: 0, pending: 0 });
    const details = await api('GET', `${base}/campaigns/${id}/call-details`);
    expect(details.json.response.map((r: { number: string }) => r.number).sort()).toEqual(free);
    expect(await callsTo(blocked)).toHaveLength(0);
    const numbers = await api('GET', `${base}/campaigns/${id}/numbers?status=suppressed`);
    expect(numbers.json.response.map((i: { data: unknown }) => i.data)).toMatchObject([
      { number: blocked, status: 'suppressed', reason: 'dnc', attempts: 0 },
    ]);
  });

  it('ends a campaign whose every number is listed Completed, without dialling', async () => {
    const numbers = ['+919811100011', '+919811100012'];
    await api('POST', `${base}/dnc`, { numbers: numbers.map((number) => ({ number })) });
    const created = await api('POST', `${base}/campaigns`, { from: numbers, caller_id: '08012345678', url: FLOW });
    const id = created.json.response[0].data.id;
    const done = await waitForStatus(id, 'Completed');
    expect(done.stats).toMatchObject({ created: 2, suppressed: 2, completed: 0, failed: 0 });
    expect(done.date_started).not.toBeNull();
    for (const n of numbers) expect(await callsTo(n)).toHaveLength(0);
  });

  it('checks the list again at the snapshot taken at start, and when a PUT replaces the numbers', async () => {
    const later = '+919811100021';
    const made = await api('POST', `${base}/contacts`, { contacts: [{ number: later }, { number: '+919811100022' }] });
    const list = await api('POST', `${base}/lists`, { name: 'dnc snapshot' });
    const listSid = list.json.response[0].data.sid;
    await api('POST', `${base}/lists/${listSid}/contacts`, {
      contact_references: made.json.response.map((i: { data: { sid: string } }) => ({ contact_sid: i.data.sid })),
    });
    const sendAt = new Date(Date.now() + 6_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const created = await api('POST', `${base}/campaigns`, {
      lists: [listSid],
      caller_id: '08012345678',
      url: FLOW,
      schedule: { send_at: sendAt },
    });
    expect(created.status, created.text).toBe(200);
    const id = created.json.response[0].data.id;
    expect(created.json.response[0].data.stats).toMatchObject({ created: 2, pending: 2, suppressed: 0 });
    await api('POST', `${base}/dnc`, { number: later });
    const done = await waitForStatus(id, 'Completed');
    expect(done.stats).toMatchObject({ created: 2, completed: 1, suppressed: 1 });
    expect(await callsTo(later)).toHaveLength(0);

    const blocked = '+919811100031';
    await api('POST', `${base}/dnc`, { number: blocked });
    const future = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const scheduled = await api('POST', `${base}/campaigns`, {
      from: ['+919811100032'],
      caller_id: '08012345678',
      url: FLOW,
      schedule: { send_at: future },
    });
    const sid = scheduled.json.response[0].data.id;
    const put = await api('PUT', `${base}/campaigns/${sid}`, { from: ['+919811100033', blocked] });
    expect(put.status, put.text).toBe(200);
    expect(put.json.response[0].data.stats).toMatchObject({ created: 2, pending: 1, suppressed: 1 });
  });

  it('never dials a number listed while its campaign runs: failed, reason dnc, no record', async () => {
    const slow = client(stack.baseUrl, SLOW.api_key, SLOW.api_token);
    const at = `/v2/accounts/${SLOW.sid}`;
    const numbers = ['+919811100041', '+919811100042', '+919811100043', '+919811100044', '+919811100045'];
    const listed = numbers.at(-1)!;
    const created = await slow('POST', `${at}/campaigns`, { from: numbers, caller_id: '08012345678', url: FLOW });
    expect(created.status, created.text).toBe(200);
    const id = created.json.response[0].data.id;
    // Paced 3 s apart, the last number's turn is at least 12 s away: listed now, before its dial.
    expect(created.json.response[0].data.stats).toMatchObject({ created: 5, suppressed: 0 });
    expect((await slow('POST', `${at}/dnc`, { number: listed })).status).toBe(200);
    const done = await waitForStatus(id, 'Completed', 120_000, slow, at);
    expect(done.stats).toMatchObject({ created: 5, completed: 4, failed: 1, suppressed: 0, pending: 0 });
    const failed = await slow('GET', `${at}/campaigns/${id}/numbers?status=failed`);
    expect(failed.json.response.map((i: { data: unknown }) => i.data)).toMatchObject([
      { number: listed, status: 'failed', reason: 'dnc', attempts: 0 },
    ]);
    const details = await slow('GET', `${at}/campaigns/${id}/call-details`);
    expect(details.json.response.map((r: { number: string }) => r.number).sort()).toEqual(numbers.slice(0, 4));
    expect(await callsTo(listed)).toHaveLength(0);
    // Its channel was never taken: the account's one channel is free once the campaign is done.
    const leases = await stack.db.execute<{ n: number }>(
      sql`select count(*)::int as n from dial_waiters where id like ${`${id}/%`}`,
    );
    expect(leases[0]!.n).toBe(0);
  });
});
