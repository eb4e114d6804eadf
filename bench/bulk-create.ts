/**
 * `npm run bench -- bulk-create [--quick]`: SPEC §1 bulk create: `POST /campaigns` with 100 campaigns over real HTTP on
 * the real stack, several times, beside 100 bare workflow starts on the same Temporal (in series and 8 at a time, as
 * the API runs them). Method: docs/benchmarks.md.
 */
import { Client, Connection } from '@temporalio/client';
import { startEmbeddedStack } from '../bin/embedded-stack';
import { newSid } from '../domain/ids';
import { median } from './support/figures';
import { startWorkerProcess } from '../bin/worker-process';

const ACCOUNT = {
  sid: 'bench_bulk',
  api_key: 'bench_bulk_key',
  api_token: 'bench_bulk_token_0123456789abcdef',
  calling_window: '00:00-24:00',
  api_requests_per_minute: 1_000_000,
};
const auth = { key: ACCOUNT.api_key, token: ACCOUNT.api_token };
const CAMPAIGNS = 100;
const CONCURRENCY = 8;

function body(run: number) {
  const sendAt = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    campaigns: Array.from({ length: CAMPAIGNS }, (_, i) => ({
      name: `bulk ${run} ${i}`,
      from: ['+919876543210', '+919876543211', '+919876543212'],
      caller_id: '08047112233',
      url: 'https://flows.example.com/start_voice/926',
      schedule: { send_at: sendAt },
    })),
  };
}

/** `n` bare workflow starts on a queue nobody polls, `concurrency` at a time; returns the ms taken. */
async function engineStarts(client: Client, n: number, concurrency: number): Promise<number> {
  const ids = Array.from({ length: n }, () => `bench-bulk/${newSid()}`);
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const workflowId = ids[next++]!;
        await client.workflow.start('campaignWorkflow', { taskQueue: 'bench-bulk-unpolled', workflowId, args: [{}] });
      }
    }),
  );
  const ms = performance.now() - t;
  await Promise.all(ids.map((id) => client.workflow.getHandle(id).terminate('bench done')));
  return ms;
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export default async function bulkCreate(args: string[]): Promise<void> {
  const runs = args.includes('--quick') ? 2 : 5;
  const stack = await startEmbeddedStack({ env: { OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]) }, worker: false });
  const worker = await startWorkerProcess(stack);
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  try {
    // Warm-up: the first requests pay for connections and caches.
    await stack.api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, auth, body(0).campaigns[0]);
    await engineStarts(client, 10, 1);

    const api: number[] = [];
    for (let run = 1; run <= runs; run++) {
      const t = performance.now();
      const res = await stack.api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, auth, body(run));
      const ms = performance.now() - t;
      const created = Array.isArray(res.json?.response)
        ? (res.json.response as Array<{ status: string }>).filter((r) => r.status === 'success').length
        : 0;
      if (res.status !== 200 || created !== CAMPAIGNS) {
        throw new Error(
          `run ${run}: HTTP ${res.status}, ${created} of ${CAMPAIGNS} created: ${res.text.slice(0, 300)}`,
        );
      }
      api.push(ms);
      process.stdout.write(`run ${run}: ${CAMPAIGNS} campaigns created in ${fmt(ms)}\n`);
    }
    const sequential: number[] = [];
    const parallel: number[] = [];
    for (let run = 1; run <= runs; run++) {
      sequential.push(await engineStarts(client, CAMPAIGNS, 1));
      parallel.push(await engineStarts(client, CAMPAIGNS, CONCURRENCY));
    }
    const m = median(api);
    const p = median(parallel);
    process.stdout.write(
      [
        '',
        `POST /campaigns with ${CAMPAIGNS} campaigns (3 numbers each), median of ${runs}: ${fmt(m)} ` +
          `(${(m / CAMPAIGNS).toFixed(1)} ms per campaign; goal < 5 s)`,
        `Temporal alone, ${CAMPAIGNS} workflow starts: one at a time ${fmt(median(sequential))}, ` +
          `${CONCURRENCY} at a time ${fmt(p)}`,
        `the API's bulk create takes ${(m / p).toFixed(2)}x the engine's own ${CONCURRENCY}-at-a-time starts`,
        '',
      ].join('\n'),
    );
  } finally {
    await connection.close();
    await worker.stop();
    await stack.stop();
  }
}
