/**
 * SPEC §8 operator signals, against the real stack: `pause`, `resume` and `complete` sent straight to the campaign
 * workflow with the real `temporal` CLI (`temporal workflow signal --workflow-id campaign/<id> --name pause`), and once
 * with the ops CLI (`npm run ops -- campaigns pause <id>`), have the same effect as the REST actions, and the read
 * model follows. A signal the state machine rejects is ignored (SPEC §4.1 "Who decides").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureToolchain } from '../../bin/toolchain';
import { campaignWorkflowId } from '../../domain/ids';
import { startTestStack, type TestStack } from '../support/stack';
import { campaignHttp, controlAccount, inMs, okData, sleep, type CampaignHttp } from '../support/campaign-http';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

const ACCOUNT = controlAccount('acme_signals');
const FLOW = 'http://my.exotel.com/acme/exoml/start_voice/926';
const BUSY = '+919876543216';
const COMPLETES = ['+919876543210', '+919876543211', '+919876543212'];

let stack: TestStack;
let http: CampaignHttp;
let temporal: string;

beforeAll(async () => {
  temporal = ensureToolchain().temporal;
  stack = await startTestStack({
    OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]),
    OUTCALL_SIM_TALK_MS: '4000',
    OUTCALL_MAX_LIVE_NUMBERS: '2',
  });
  http = campaignHttp(stack, ACCOUNT);
});
afterAll(async () => {
  await stack?.stop();
});

/** `temporal workflow signal` exactly as an operator types it. */
async function signal(campaignId: string, name: 'pause' | 'resume' | 'complete'): Promise<void> {
  await run(temporal, [
    'workflow',
    'signal',
    '--address',
    stack.config.TEMPORAL_ADDRESS!,
    '--workflow-id',
    campaignWorkflowId(campaignId),
    '--name',
    name,
  ]);
}

/** `npm run ops -- <args>` (bin/ops.ts under tsx), configured only by its environment. */
async function ops(...args: string[]): Promise<string> {
  const { stdout } = await run(path.join(root, 'node_modules/.bin/tsx'), [path.join(root, 'bin/ops.ts'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: stack.config.DATABASE_URL!,
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS!,
      LOG_LEVEL: 'warn',
    },
  });
  return stdout;
}

describe('§8 signals from the temporal CLI', () => {
  it('pause and resume a running campaign; the read model follows', async () => {
    const c = await http.create({
      from: [BUSY],
      caller_id: '08012345678',
      url: FLOW,
      retries: { number_of_retries: 1, interval_mins: 1 },
    });
    await http.waitFor(c.id, (x) => x.stats.retry === 1, 30_000, 'a number waiting for its retry');
    await signal(c.id, 'pause');
    const paused = await http.waitForStatus(c.id, 'Paused', 15_000);
    expect(paused.date_ended).toBeNull();
    // REST sees the same state: a repeat is 200, delete after start is 409.
    expect(okData(await http.put(c.id, { action: 'pause' })).status).toBe('Paused');
    await signal(c.id, 'resume');
    await http.waitForStatus(c.id, 'InProgress', 15_000);
    // complete on a running campaign is rejected by the state machine: the signal is ignored.
    await signal(c.id, 'complete');
    await sleep(2000);
    const still = await http.get(c.id);
    expect(still.status).toBe('InProgress');
    expect(still.stats.retry).toBe(1);
    // pause then complete: a drain into Completed, the waiting number failed.
    await signal(c.id, 'pause');
    await http.waitForStatus(c.id, 'Paused', 15_000);
    await signal(c.id, 'complete');
    const done = await http.waitForStatus(c.id, 'Completed', 30_000);
    expect(done.stats).toMatchObject({ created: 1, failed: 1, retry: 0 });
    expect(done.date_ended).not.toBeNull();
  });

  it('pause before start holds the campaign past send_at; resume then starts it', async () => {
    const c = await http.create({
      from: COMPLETES.slice(0, 1),
      caller_id: '08012345678',
      url: FLOW,
      schedule: { send_at: inMs(4000) },
    });
    await signal(c.id, 'pause');
    await http.waitForStatus(c.id, 'Paused', 15_000);
    await sleep(5000);
    expect(await http.get(c.id)).toMatchObject({ status: 'Paused', date_started: null });
    await signal(c.id, 'resume');
    const done = await http.waitForStatus(c.id, 'Completed', 30_000);
    expect(done.date_started).not.toBeNull();
    expect(done.stats).toMatchObject({ created: 1, completed: 1 });
  });

  it('complete while calls are live drains them: the live calls settle, the never-dialled numbers fail', async () => {
    const c = await http.create({ from: COMPLETES, caller_id: '08012345678', url: FLOW });
    await http.waitFor(c.id, (x) => x.stats['in-progress'] === 2, 30_000, 'two live calls');
    await signal(c.id, 'pause');
    await signal(c.id, 'complete');
    const done = await http.waitForStatus(c.id, 'Completed', 30_000);
    expect(done.stats).toMatchObject({ created: 3, completed: 2, failed: 1 });
    expect(await http.calls(c.id)).toHaveLength(2);
  });
});

describe('§8 the ops CLI', () => {
  it('campaigns pause|resume|complete <id> do what the REST actions do', async () => {
    const c = await http.create({
      from: [BUSY],
      caller_id: '08012345678',
      url: FLOW,
      retries: { number_of_retries: 1, interval_mins: 1 },
    });
    await http.waitFor(c.id, (x) => x.stats.retry === 1, 30_000, 'a number waiting for its retry');
    expect(await ops('campaigns', 'pause', c.id)).toContain(`Sent pause to ${campaignWorkflowId(c.id)}`);
    await http.waitForStatus(c.id, 'Paused', 15_000);
    await ops('campaigns', 'resume', c.id);
    await http.waitForStatus(c.id, 'InProgress', 15_000);
    await ops('campaigns', 'pause', c.id);
    await http.waitForStatus(c.id, 'Paused', 15_000);
    await ops('campaigns', 'complete', c.id);
    const done = await http.waitForStatus(c.id, 'Completed', 30_000);
    expect(done.stats).toMatchObject({ created: 1, failed: 1 });
  });
});
