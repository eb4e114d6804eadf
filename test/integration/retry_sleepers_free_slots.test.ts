/**
 * ARCHITECTURE "a child waiting hours for a retry must not hold a dialling slot", on the dev server with lowered
 * per-run limits: more numbers sleep for a retry than the window has slots, full runs continue-as-new, and the campaign
 * completes with every number dialled exactly twice (limits: docs/tests.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { campaignWorkflowId } from '../../domain/ids';
import { client, startTestStack, type TestStack } from '../support/stack';

const ACCOUNT = {
  sid: 'sleepy',
  api_key: 'sleepy_key',
  api_token: 'sleepy_token_0123456789',
  calling_window: '00:00-24:00',
  calls_per_minute: 100_000,
  channels: 100_000,
};
const COUNT = 120;
const MAX_LIVE = 40;
// Distinct mobiles ending in 9: busy on the first attempt, completed on the retry (SPEC §7 simulator).
const NUMBERS = Array.from({ length: COUNT }, (_, i) => `+9197${String(10_000_000 + i * 10 + 9).slice(-8)}`);

let stack: TestStack;
let api: ReturnType<typeof client>;
beforeAll(async () => {
  stack = await startTestStack({
    OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]),
    OUTCALL_SIM_RING_MS: '0',
    OUTCALL_SIM_TALK_MS: '0',
    OUTCALL_MAX_LIVE_NUMBERS: String(MAX_LIVE),
  });
  api = client(stack.baseUrl, ACCOUNT.api_key, ACCOUNT.api_token);
});
afterAll(async () => {
  await stack?.stop();
});

describe('numbers asleep for a retry hold no slot', () => {
  it('lets more numbers sleep at once than the window has slots, and completes exactly', async () => {
    const created = await api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, {
      from: NUMBERS,
      caller_id: '08012345678',
      url: 'http://flow.example/start',
      retries: { number_of_retries: 1, interval_mins: 1 },
    });
    expect(created.status, created.text).toBe(200);
    const id = created.json.response[0].data.id as string;
    let mostAsleep = 0;
    let c;
    for (const deadline = Date.now() + 8 * 60_000; ;) {
      const [row] = await stack.db.$client<
        { n: number }[]
      >`select count(*)::int as n from campaign_numbers where campaign_id = ${id} and status = 'retry'`;
      mostAsleep = Math.max(mostAsleep, row!.n);
      c = (await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`)).json.response[0].data;
      if (c.status === 'Completed' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(c.status).toBe('Completed');
    expect(c.stats).toMatchObject({
      created: COUNT,
      completed: COUNT,
      failed: 0,
      pending: 0,
      'in-progress': 0,
      retry: 0,
    });
    // A slot-holding sleeper would cap this at the window's 40.
    expect(mostAsleep).toBeGreaterThan(MAX_LIVE);

    const perNumber = await stack.db.$client<{ to: string; attempts: number[] }[]>`
      select "to", array_agg(attempt_number order by attempt_number) as attempts from sim_calls group by "to"`;
    expect(perNumber).toHaveLength(COUNT);
    expect(perNumber.every((r) => r.attempts.join() === '1,2')).toBe(true);

    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const temporal = new Client({ connection });
      const runs = [];
      for await (const run of temporal.workflow.list({ query: `WorkflowId = '${campaignWorkflowId(id)}'` }))
        runs.push(run);
      // 120 children, most of them asleep for a minute, at most 45 open per run (the server refuses a
      // 51st): the campaign moved on to new runs rather than stall (it completed, above).
      expect(runs.length).toBeGreaterThan(COUNT / 45);
      expect(runs.filter((r) => r.status.name === 'CONTINUED_AS_NEW')).toHaveLength(runs.length - 1);
    } finally {
      await connection.close();
    }
  });
});
