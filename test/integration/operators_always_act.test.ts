/**
 * SPEC §4.1 "an action takes effect and is answered within 5 seconds whatever the numbers are doing", on the real stack
 * with every channel held by long calls and a just-restarted worker: `pause`, `resume`, `complete` and the `pause`
 * signal each take effect in time, and `complete` ends the waiting work at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { campaignWorkflowId } from '../../domain/ids';
import { pauseSignal } from '../../workflows/definitions';
import { startTestStack, type TestStack } from '../support/stack';
import { campaignHttp, controlAccount, okData, type CampaignHttp } from '../support/campaign-http';

const ACCOUNT = controlAccount('acme_always', { channels: 2, calls_per_minute: 600 });
const FLOW = 'http://my.exotel.com/acme/exoml/start_voice/926';
/** SPEC §4.1: the bound on taking effect and answering. */
const ANSWER_WITHIN_MS = 5000;
/** Numbers the simulator completes (last digit 1). */
const NUMBERS = Array.from({ length: 30 }, (_, i) => `+9198765${String(i).padStart(4, '0')}1`);

let stack: TestStack;
let http: CampaignHttp;

beforeAll(async () => {
  stack = await startTestStack({
    OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]),
    // Calls long enough that both channels stay held through the whole test.
    OUTCALL_SIM_TALK_MS: '25000',
  });
  http = campaignHttp(stack, ACCOUNT);
});
afterAll(async () => {
  await stack?.stop();
});

/** A PUT action, timed from the request to its answer. */
async function timed(id: string, action: string) {
  const t0 = Date.now();
  const res = await http.put(id, { action });
  return { ms: Date.now() - t0, data: okData(res) };
}

describe('§4.1 operators can always act (issue 10)', () => {
  it('answers pause, resume and complete within 5 s while every channel is held and the worker replays', async () => {
    const c = await http.create({ from: NUMBERS, caller_id: '08012345678', url: FLOW });
    // Both channels live, the other numbers waiting for one.
    await http.waitFor(c.id, (x) => x.stats['in-progress'] >= 2, 60_000, 'both channels held');

    const paused = await timed(c.id, 'pause');
    expect(paused.data.status).toBe('Paused');
    expect(paused.ms).toBeLessThan(ANSWER_WITHIN_MS);

    await stack.restartWorker();
    const resumed = await timed(c.id, 'resume');
    expect(resumed.data.status).toBe('InProgress');
    expect(resumed.ms).toBeLessThan(ANSWER_WITHIN_MS);

    // The operator signal, while the worker replays again: the read model shows it within 5 s.
    await stack.restartWorker();
    const connection = await Connection.connect({ address: stack.config.TEMPORAL_ADDRESS! });
    try {
      const sent = Date.now();
      await new Client({ connection }).workflow.getHandle(campaignWorkflowId(c.id)).signal(pauseSignal);
      await http.waitForStatus(c.id, 'Paused', ANSWER_WITHIN_MS);
      expect(Date.now() - sent).toBeLessThan(ANSWER_WITHIN_MS);
    } finally {
      await connection.close();
    }

    await stack.restartWorker();
    const completed = await timed(c.id, 'complete');
    expect(completed.data).toMatchObject({ status: 'Paused', closing: true });
    expect(completed.ms).toBeLessThan(ANSWER_WITHIN_MS);
    // Nothing waits for a channel any more: the drain ends once the live calls (25 s) have.
    const done = await http.waitForStatus(c.id, 'Completed', 90_000);
    expect(done.stats.completed).toBeGreaterThanOrEqual(2);
    expect(done.stats.completed + done.stats.failed).toBe(NUMBERS.length);
  });
});
