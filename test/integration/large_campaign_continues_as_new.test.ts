/**
 * ARCHITECTURE bounded history: on a dev server with lowered limits (continue-as-new suggested at
 * 400 events, 50 pending children per run — test/support/global-setup.ts), a 3,000-number campaign
 * completes with every number dialled exactly once and exact stats, across many runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { campaignWorkflowId } from '../../domain/ids';
import { client, startTestStack, type TestStack } from '../support/stack';

const ACCOUNT = {
  sid: 'bulk',
  api_key: 'bulk_key',
  api_token: 'bulk_token_0123456789abcdef',
  calling_window: '00:00-24:00',
  calls_per_minute: 100_000,
  channels: 100_000,
};
const COUNT = 3000;
// Distinct Indian mobiles ending in 1..5: the simulator completes them on the first attempt (a
// number ending in 000 would be refused, and one ending in 0 after two zeros is, so none ends in 0).
const NUMBERS = Array.from({ length: COUNT }, (_, i) => `+9198${String(10_000_000 + i * 10 + 1 + (i % 5)).slice(-8)}`);

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

describe('bounded history at scale', () => {
  it(
    'completes 3,000 numbers, each dialled once, across many continue-as-new runs',
    { timeout: 30 * 60_000 },
    async () => {
      expect(new Set(NUMBERS).size).toBe(COUNT);
      const created = await api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, {
        from: NUMBERS,
        caller_id: '08012345678',
        url: 'http://flow.example/start',
        retries: { number_of_retries: 0 },
      });
      expect(created.status, created.text).toBe(200);
      const id = created.json.response[0].data.id as string;
      // A number costs about nine workflow tasks and four activities (docs/architecture.md): on a
      // quiet two-core machine this campaign takes a few minutes, on a loaded one (the whole suite,
      // other stacks) several times that. The deadline only bounds a stall.
      const t0 = Date.now();
      const deadline = t0 + 25 * 60_000;
      let c;
      for (;;) {
        c = (await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`)).json.response[0].data;
        if (c.status === 'Completed' || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 2000));
      }
      expect(c.status, `after ${Math.round((Date.now() - t0) / 1000)} s: ${JSON.stringify(c.stats)}`).toBe('Completed');
      expect(c.stats).toMatchObject({
        created: COUNT,
        completed: COUNT,
        failed: 0,
        pending: 0,
        'in-progress': 0,
        retry: 0,
      });

      const perNumber = await stack.db.$client<
        { to: string; n: number }[]
      >`select "to", count(*)::int as n from sim_calls group by "to"`;
      expect(perNumber).toHaveLength(COUNT);
      expect(perNumber.every((r) => r.n === 1)).toBe(true);
      const [attempts] = await stack.db.$client<
        { n: number }[]
      >`select count(*)::int as n from attempts where campaign_id = ${id}`;
      expect(attempts!.n).toBe(COUNT);

      const connection = await Connection.connect({ address: inject('temporalAddress') });
      try {
        const temporal = new Client({ connection });
        const runs = [];
        for await (const run of temporal.workflow.list({ query: `WorkflowId = '${campaignWorkflowId(id)}'` }))
          runs.push(run);
        expect(runs.length).toBeGreaterThan(5);
        expect(runs.filter((r) => r.status.name === 'CONTINUED_AS_NEW')).toHaveLength(runs.length - 1);
        // Continue-as-new is suggested at 400 events; a run ends within a turn of its loop after that.
        for (const run of runs) expect(run.historyLength).toBeLessThan(1000);
      } finally {
        await connection.close();
      }
    },
  );
});
