/**
 * STYLE G16: every recorded history in `histories/` replays on the current workflow code, so a behavioural change not
 * behind `patched()` fails here; and the newest set was recorded against the current workflow sources, so a workflow
 * change comes with a history (`npm run test:record-histories -- <issue>-<change>`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { workflowBundle } from '../support/workflow-env';
import {
  bundledProjectFiles,
  historiesDir,
  sourceChanges,
  sourcesManifest,
  type SourcesManifest,
} from './workflow-sources';

const sets = readdirSync(historiesDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const files = sets.flatMap((set) =>
  readdirSync(path.join(historiesDir, set))
    .filter((f) => f.endsWith('.json') && f !== 'sources.json')
    .sort()
    .map((f) => `${set}/${f}`),
);

/** The sets recorded with their sources, newest first. */
const manifests = sets
  .flatMap((set) => {
    try {
      const m = JSON.parse(readFileSync(path.join(historiesDir, set, 'sources.json'), 'utf8')) as SourcesManifest;
      return [{ set, ...m }];
    } catch {
      return []; // recorded before sources were kept (the pre-patches set)
    }
  })
  .sort((a, b) => b.recorded.localeCompare(a.recorded));

describe('G16 recorded histories replay on the current workflow code', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('replays %s', async (file) => {
    const { workflowId, history } = JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8')) as {
      workflowId: string;
      history: unknown;
    };
    await expect(
      Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(history), workflowId),
    ).resolves.toBeUndefined();
  });
});

describe('workflow changes are traceable', () => {
  it('has a history set recorded against the current workflow sources', async () => {
    const newest = manifests[0];
    expect(newest, 'no set has a sources.json: record one').toBeDefined();
    const current = sourcesManifest(bundledProjectFiles(await workflowBundle()));
    const changes = sourceChanges(newest!, current);
    expect(
      changes,
      `the workflow code changed since the set ${newest!.set} was recorded: put the change behind ` +
        `patched('<issue>-<change>') and run npm run test:record-histories -- <issue>-<change>`,
    ).toEqual([]);
    expect(current.hash).toBe(newest!.hash);
  });
});
