/**
 * The dispatch benchmark's yardstick (bench/dispatch.ts): how fast the same dev server runs empty
 * child workflows through a sliding window of the same size, continuing-as-new when Temporal
 * suggests it, the way the campaign does. Deterministic workflow code, bundled for the bench only.
 */
import { continueAsNew, startChild, workflowInfo, ParentClosePolicy, condition } from '@temporalio/workflow';

/** Does nothing: the cost measured is starting a child and seeing it close. */
export async function emptyChild(): Promise<void> {}

export interface EmptyParentInput {
  count: number;
  window: number;
  /** Children started by earlier runs. */
  started?: number;
}

/** Runs `count` empty children, at most `window` open at once; continues-as-new when suggested. */
export async function emptyParent(input: EmptyParentInput): Promise<number> {
  let started = input.started ?? 0;
  let open = 0;
  const run = workflowInfo().runId.slice(0, 8);
  while (started < input.count) {
    await condition(() => open < input.window);
    if (workflowInfo().continueAsNewSuggested) {
      await condition(() => open === 0);
      await continueAsNew<typeof emptyParent>({ ...input, started });
    }
    const burst = Math.min(input.window - open, input.count - started);
    for (let i = 0; i < burst; i++) {
      open++;
      const id = `${workflowInfo().workflowId}/child/${started++}-${run}`;
      void startChild(emptyChild, { workflowId: id, parentClosePolicy: ParentClosePolicy.ABANDON })
        .then((h) => h.result())
        .finally(() => open--);
    }
  }
  await condition(() => open === 0);
  return started;
}
