/**
 * SPEC §3–§7 end to end over HTTP: a campaign whose numbers cover every simulator outcome (last
 * digits 0–9 and a `000` number), with 2 retries at 1-minute intervals, completes; its stats, its
 * call-details and the webhooks a local receiver got match the rules number by number.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { accounts } from '../../db/schema';
import { client, startReceiver, startTestStack, type Receiver, type TestStack } from '../support/stack';

const ACCOUNT = {
  sid: 'acme_e2e',
  api_key: 'e2e_key',
  api_token: 'e2e_token_0123456789abcdef',
  calling_window: '00:00-24:00',
  timezone: 'Asia/Kolkata',
};

// Last digits 0..9, then one the carrier refuses.
const NUMBERS = [...Array.from({ length: 10 }, (_, d) => `+91987654321${d}`), '+919876543000'];

/** What SPEC §7's simulator rules and §4.3's retries predict for each number with 2 retries. */
function expected(number: string): { status: string; attempts: string[]; reason: string | null } {
  if (number.endsWith('000'))
    return { status: 'failed', attempts: ['failed', 'failed', 'failed'], reason: 'carrier_refused' };
  const d = Number(number.at(-1));
  if (d <= 5) return { status: 'completed', attempts: ['completed'], reason: null };
  if (d === 6) return { status: 'failed', attempts: ['busy', 'busy', 'busy'], reason: null };
  if (d === 7) return { status: 'failed', attempts: ['no-answer', 'no-answer', 'no-answer'], reason: null };
  if (d === 8) return { status: 'failed', attempts: ['failed', 'failed', 'failed'], reason: null };
  return { status: 'completed', attempts: ['busy', 'completed'], reason: null };
}

let stack: TestStack;
let receiver: Receiver;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startTestStack({ OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]) });
  api = client(stack.baseUrl, ACCOUNT.api_key, ACCOUNT.api_token);
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
});

async function waitForStatus(id: string, status: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`);
    const c = res.json.response[0].data;
    // SPEC §4.9: the invariant holds at every read, not just at the end.
    const s = c.stats;
    expect(s.created).toBe(s.pending + s['in-progress'] + s.retry + s.completed + s.failed + s.canceled + s.suppressed);
    expect(s.in_progress).toBe(s['in-progress']);
    if (c.status === status) return c;
    if (Date.now() > deadline)
      throw new Error(`campaign ${id} still ${c.status} after ${timeoutMs} ms: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('§4 an inline campaign covering every simulator outcome', () => {
  it('completes with exact stats, call-details and webhooks, number by number', async () => {
    const created = await api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, {
      from: NUMBERS,
      caller_id: '08012345678',
      url: 'http://my.exotel.com/acme/exoml/start_voice/926',
      name: 'Every outcome',
      custom_field: 'batch-7',
      retries: { number_of_retries: 2, interval_mins: 1, mechanism: 'Linear' },
      call_status_callback: `${receiver.url}/call-status`,
      call_schedule_callback: `${receiver.url}/call-schedule`,
      status_callback: `${receiver.url}/status`,
    });
    expect(created.status, created.text).toBe(200);
    const campaign = created.json.response[0].data;
    expect(campaign.status).toBe('Created');
    expect(campaign.stats).toMatchObject({ created: 11, pending: 11 });

    const done = await waitForStatus(campaign.id, 'Completed', 6 * 60_000);
    expect(done.stats).toMatchObject({
      created: 11,
      pending: 0,
      'in-progress': 0,
      in_progress: 0,
      retry: 0,
      completed: 7,
      failed: 4,
      canceled: 0,
      busy: 1,
      no_answer: 1,
    });
    expect(done.date_started).toMatch(/\+05:30$/);
    expect(done.date_ended).toMatch(/\+05:30$/);

    // Call-details: one bare record per attempt, in the order the rules predict.
    const details = await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${campaign.id}/call-details?limit=500`);
    expect(details.status, details.text).toBe(200);
    const records = details.json.response as Array<Record<string, unknown>>;
    const totalAttempts = NUMBERS.reduce((n, num) => n + expected(num).attempts.length, 0);
    expect(records).toHaveLength(totalAttempts);
    expect(details.json.metadata.total).toBe(totalAttempts);
    for (const number of NUMBERS) {
      const mine = records
        .filter((r) => r.number === number)
        .sort((a, b) => Number(a.attempt_number) - Number(b.attempt_number));
      const want = expected(number);
      expect(
        mine.map((r) => r.status),
        number,
      ).toEqual(want.attempts);
      expect(
        mine.map((r) => r.attempt_number),
        number,
      ).toEqual(want.attempts.map((_, i) => i + 1));
      for (const r of mine) {
        expect(r).toMatchObject({
          to: number,
          caller_id: '08012345678',
          from: '08012345678',
          direction: 'Outgoing',
          custom_field: 'batch-7',
        });
        expect(r.call_sid).toMatch(/^[0-9a-f]{32}$/);
        if (want.reason) expect(r.reason).toBe(want.reason);
        expect(r.duration).toBe(r.status === 'completed' ? 1 : 0);
      }
    }
    // The alias path serves the same records.
    const alias = await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaign/${campaign.id}/call-details?limit=500`);
    expect(alias.json.response).toHaveLength(totalAttempts);

    // Webhooks: the terminal status_callback comes after every number event, so wait for it.
    const deadline = Date.now() + 60_000;
    while (!receiver.events.some((e) => e.path === '/status' && e.body.status === 'Completed')) {
      if (Date.now() > deadline) throw new Error('terminal status_callback never arrived');
      await new Promise((r) => setTimeout(r, 250));
    }
    const byPath = (p: string) => receiver.events.filter((e) => e.path === p);
    const callStatus = byPath('/call-status');
    expect(callStatus).toHaveLength(totalAttempts);
    for (const number of NUMBERS) {
      const mine = callStatus.filter((e) => e.body.number === number);
      // Events of one number arrive in order (events of different numbers interleave).
      expect(
        mine.map((e) => e.body.attempt_number),
        number,
      ).toEqual(expected(number).attempts.map((_, i) => i + 1));
      expect(
        mine.map((e) => e.body.status),
        number,
      ).toEqual(expected(number).attempts);
      expect(mine[0]!.body).toMatchObject({
        campaign_sid: campaign.id,
        to: number,
        from: '08012345678',
        custom_field: 'batch-7',
      });
    }
    const schedule = byPath('/call-schedule');
    expect(schedule).toHaveLength(NUMBERS.length);
    for (const number of NUMBERS) {
      const ev = schedule.find((e) => e.body.to === number)!;
      const want = expected(number);
      expect(ev.body).toMatchObject({ campaign_sid: campaign.id, status: want.status, attempts: want.attempts.length });
      const sids = records
        .filter((r) => r.number === number)
        .sort((a, b) => Number(a.attempt_number) - Number(b.attempt_number))
        .map((r) => r.call_sid);
      expect(ev.body.call_sids).toEqual(sids);
    }
    const statuses = byPath('/status');
    expect(statuses.map((e) => [e.body.previous_status, e.body.status])).toEqual([
      ['Created', 'InProgress'],
      ['InProgress', 'Completed'],
    ]);
    const terminal = statuses[1]!.body;
    expect(terminal.stats).toEqual(done.stats);
    // report_url downloads the per-number report without Basic auth; its rows agree with the stats.
    expect(terminal.report_url).toMatch(
      new RegExp(`^${stack.config.OUTCALL_PUBLIC_URL}/reports/${campaign.id}/report\\.csv\\?token=`),
    );
    const report = await fetch(String(terminal.report_url));
    expect(report.status).toBe(200);
    const lines = (await report.text()).trim().split('\r\n');
    expect(lines[0]).toBe(
      'number,name,status,reason,attempts,last_status,last_duration,first_attempt_at,last_attempt_at,next_attempt_at',
    );
    expect(lines).toHaveLength(NUMBERS.length + 1);
    for (const number of NUMBERS) {
      const cells = lines.find((l) => l.startsWith(`${number},`))!.split(',');
      const want = expected(number);
      expect([cells[2], cells[4], cells[5]], number).toEqual([
        want.status,
        String(want.attempts.length),
        want.attempts.at(-1),
      ]);
    }
    expect(lines.filter((l) => l.split(',')[2] === 'completed')).toHaveLength(done.stats.completed);
    const forged = await fetch(String(terminal.report_url).replace(/token=.*/, 'token=nope'));
    expect(forged.status).toBe(401);

    // Every delivery is signed with the account's webhook secret.
    const [acct] = await stack.db.select().from(accounts).where(eq(accounts.sid, ACCOUNT.sid));
    for (const e of receiver.events) {
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(e.signature ?? '');
      expect(m, `signature of ${e.eventId}`).not.toBeNull();
      const mac = createHmac('sha256', acct!.webhookSecret).update(`${m![1]}.${e.raw}`).digest('hex');
      expect(mac).toBe(m![2]);
    }
  });
});
