/**
 * The production engine end to end: a campaign on the real Temporal server with PostgreSQL and two worker processes,
 * one SIGKILLed once numbers sleep on retry timers; the survivor completes it, every number as the simulator's rules
 * predict, nothing dialled twice. Why not mid-dial: docs/tests.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStack, type EmbeddedStack } from '../../bin/embedded-stack';
import { startWorkerProcess, type WorkerProcess } from '../../bin/worker-process';
import { simulatedOutcome } from '../../simulator/outcome';
import { expectStatsInvariant, sleep, type Json } from '../support/campaign-http';

const ACCOUNT = {
  sid: 'cluster_smoke',
  api_key: 'cluster_key',
  api_token: 'cluster_token_0123456789',
  calling_window: '00:00-24:00',
  api_requests_per_minute: 100_000,
  // The first attempts go out within seconds, well before the retries fall due.
  calls_per_minute: 6000,
  channels: 100,
};
const AUTH = { key: ACCOUNT.api_key, token: ACCOUNT.api_token };
const NUMBERS = Array.from({ length: 50 }, (_, i) => `+9198765432${String(i).padStart(2, '0')}`);
const RETRIES = 1;

/** The final status and attempts the simulator's rules give a number with one retry on busy, no-answer or failed. */
function expectedEnd(number: string): { status: string; attempts: number } {
  for (let attempt = 1; ; attempt++) {
    if (simulatedOutcome(number, attempt) === 'completed') return { status: 'completed', attempts: attempt };
    if (attempt > RETRIES) return { status: 'failed', attempts: attempt };
  }
}

let stack: EmbeddedStack;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startEmbeddedStack({
    engine: 'cluster',
    worker: false,
    env: {
      OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]),
      OUTCALL_SIM_RING_MS: '200',
      OUTCALL_SIM_TALK_MS: '1000',
      OUTCALL_SIGNING_SECRET: 'cluster-smoke-signing-secret',
    },
  });
  const env = { OUTCALL_SIGNING_SECRET: 'cluster-smoke-signing-secret', LOG_LEVEL: 'warn' };
  workers.push(...(await Promise.all([startWorkerProcess(stack, env), startWorkerProcess(stack, env)])));
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await stack?.stop();
});

async function campaign(id: string): Promise<Json> {
  const res = await stack.api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`, AUTH);
  expect(res.status, res.text).toBe(200);
  const c = res.json.response[0].data;
  expectStatsInvariant(c);
  return c;
}

describe('a campaign on Temporal with PostgreSQL', () => {
  it('reaches Completed with a worker killed by SIGKILL mid-campaign, dialling no attempt twice', async () => {
    const created = await stack.api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, AUTH, {
      from: NUMBERS,
      caller_id: '08012345678',
      read_via_text: 'Hello from the cluster smoke test',
      // Two minutes: the first attempts all settle before a retry falls due, even on a busy machine.
      retries: { number_of_retries: RETRIES, interval_mins: 2 },
    });
    expect(created.status, created.text).toBe(200);
    const id = created.json.response[0].data.id as string;
    const sql = stack.db.$client;

    const retrying = NUMBERS.filter((n) => expectedEnd(n).attempts > 1).length;
    // Kill one worker once every first attempt has settled and the retries wait on their timers.
    for (const deadline = Date.now() + 300_000; ; await sleep(250)) {
      const s = (await campaign(id)).stats;
      if (s.pending === 0 && s['in-progress'] === 0 && s.retry === retrying) break;
      if (Date.now() > deadline) throw new Error(`first attempts not all settled within 300 s: ${JSON.stringify(s)}`);
    }
    const [before] = await sql<{ n: number; open: number }[]>`
      select count(*) filter (where attempt_number > 1)::int as n, count(*) filter (where status is null)::int as open
        from attempts where campaign_id = ${id}`;
    expect(before, 'no retry begun and no attempt live before the kill').toEqual({ n: 0, open: 0 });
    await workers[0]!.kill('SIGKILL');
    expect(await workers[0]!.exited).toBe('SIGKILL');

    let c: Json;
    for (const deadline = Date.now() + 600_000; ; await sleep(1000)) {
      c = await campaign(id);
      if (c.status === 'Completed') break;
      if (Date.now() > deadline) {
        const open = await sql`
          select position, attempt_number, dial_started_at, carrier_sid from attempts
           where campaign_id = ${id} and status is null`;
        throw new Error(`not Completed within 600 s: ${JSON.stringify(c.stats)}; unsettled ${JSON.stringify(open)}`);
      }
    }
    const expected = NUMBERS.map(expectedEnd);
    expect({ completed: c.stats.completed, failed: c.stats.failed }).toEqual({
      completed: expected.filter((e) => e.status === 'completed').length,
      failed: expected.filter((e) => e.status === 'failed').length,
    });
    const rows = await sql<{ number: string; status: string; attempts: number }[]>`
      select number, status, attempts from campaign_numbers where campaign_id = ${id} order by position`;
    expect(rows.map((r) => [r.number, r.status, r.attempts])).toEqual(
      NUMBERS.map((n, i) => [n, expected[i]!.status, expected[i]!.attempts]),
    );
    // SPEC §7 at most once per attempt: the carrier saw each (number, attempt) at most once, and only
    // attempts whose row was committed first.
    const twice = await sql`
      select "to", attempt_number, count(*)::int as n from sim_calls group by 1, 2 having count(*) > 1`;
    expect(twice).toEqual([]);
    const [counts] = await sql<{ dialled: number; calls: number }[]>`
      select (select count(*)::int from attempts where campaign_id = ${id} and dial_started_at is not null) as dialled,
             (select count(*)::int from sim_calls) as calls`;
    expect(counts!.calls).toBeLessThanOrEqual(counts!.dialled);
  });
});
