/**
 * The small run of the fault suite (bin/chaos/run.ts): a campaign while the worker and API processes are SIGKILLed and
 * carrier callbacks dropped. Every number ends final, nothing is dialled twice, stats equal the numbers and
 * call-details, every webhook event arrives once (sizes: docs/tests.md).
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from '../../bin/chaos/run';
import { freshDatabase } from '../support/db';

describe('issue 10: faults do not freeze a campaign (small fault run)', () => {
  it('completes 300 numbers through worker and API kills and dropped callbacks, exactly once each', async () => {
    const database = await freshDatabase();
    try {
      const report = await runChaos({
        numbers: 300,
        faults: ['worker', 'api', 'worker', 'worker'],
        gapMs: 12_000,
        downMs: { worker: 2000, api: 8000 },
        dropCallbackShare: 0.2,
        receiverDown: null,
        pauseAfterFault: null,
        baseline: false,
        deadlineMs: 9 * 60_000,
        // A fresh database on the suite's PostgreSQL; a Temporal dev server of its own, so the campaign
        // keeps its usual window (the suite's allows 50 pending children per run).
        external: { databaseUrl: database.url },
        // CHAOS_KEEP=1 keeps the processes' logs for a look after a failure.
        keepDir: process.env.CHAOS_KEEP === '1',
        log: (line) => process.stderr.write(`chaos: ${line}\n`),
      });
      const summary = JSON.stringify(report);
      expect(report.kills, summary).toMatchObject({ worker: 3, api: 1 });
      expect(report.callbacksDropped, summary).toBeGreaterThan(0);
      expect(report.chaos, summary).toMatchObject({
        status: 'Completed',
        numbers: 300,
        duplicateDials: 0,
        notFinal: 0,
        mismatches: 0,
        webhooksLost: 0,
      });
      expect(report.chaos.dials, summary).toBeGreaterThanOrEqual(300);
      expect(report.chaos.webhooksEmitted, summary).toBeGreaterThan(300);
    } finally {
      await database.drop();
    }
  }, 600_000);
});
