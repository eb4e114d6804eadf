/**
 * STYLE G16: every recorded history in `histories/` (written by `record-histories.ts`) replays on the
 * current workflow code without a nondeterminism error, so a behavioural change that is not behind
 * `patched()` fails here before it can break a running campaign.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowBundle } from '../support/workflow-env';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('G16 recorded histories replay on the current workflow code', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('replays %s', async (file) => {
    const { workflowId, history } = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
      workflowId: string;
      history: unknown;
    };
    await expect(
      Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(history), workflowId),
    ).resolves.toBeUndefined();
  });
});
