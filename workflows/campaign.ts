/**
 * SPEC §4.1: one campaign, from `Created` to its terminal status. It waits for `send_at` with a
 * durable timer, enters `InProgress`, and keeps a bounded window of live number workflows, paging
 * numbers from the database by position and continuing-as-new with only a cursor and the live set
 * (ARCHITECTURE: never the number list). Children report back by signalling this workflow's id.
 */
import {
  condition,
  continueAsNew,
  ParentClosePolicy,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { numberWorkflowId } from '../domain/ids';
import { SA } from '../domain/search-attributes';
import type { RetryPolicy } from '../domain/retry-schedule';
import { campaignStatusQuery, numberFinishedSignal, type CampaignStatusOutput } from './definitions';
import { numberWorkflow } from './number';
import { deliverWebhooksWorkflow } from './webhooks';
import { store } from './options';

export interface CampaignWorkflowInput {
  campaignId: string;
  accountSid: string;
  /** How many number workflows may be live at once (bounded well under the 2,000 pending-children limit). */
  maxLive?: number;
  /** Present on continue-as-new only: where the previous run stopped. Small and bounded. */
  carry?: CampaignCarry;
}

export interface CampaignCarry {
  retries: RetryPolicy;
  /** Next position to page from. */
  cursor: number;
  /** Positions whose number workflows are still running (≤ maxLive). */
  live: number[];
  exhausted: boolean;
  started: number;
  finished: number;
}

export interface CampaignWorkflowOutput {
  status: string;
  numbersStarted: number;
}

const DEFAULT_MAX_LIVE = 500;
const PAGE_SIZE = 200;

export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignWorkflowOutput> {
  const maxLive = input.maxLive ?? DEFAULT_MAX_LIVE;
  const live = new Set<number>(input.carry?.live ?? []);
  const state: CampaignStatusOutput = {
    campaignId: input.campaignId,
    status: input.carry ? 'InProgress' : 'Created',
    live: live.size,
    started: input.carry?.started ?? 0,
    finished: input.carry?.finished ?? 0,
    cursor: input.carry?.cursor ?? 0,
    exhausted: input.carry?.exhausted ?? false,
  };
  let changed = false;
  setHandler(numberFinishedSignal, ({ position }) => {
    // Duplicates and strays (a signal for a number this run never knew) change nothing.
    if (live.delete(position)) {
      state.finished++;
      state.live = live.size;
      changed = true;
    }
  });
  setHandler(campaignStatusQuery, () => state);

  let retries: RetryPolicy;
  if (input.carry) {
    retries = input.carry.retries;
  } else {
    const c = await store.loadCampaign({ campaignId: input.campaignId });
    if (!c.found) return { status: 'Missing', numbersStarted: 0 }; // the create was rolled back
    retries = c.retries;
    if (c.status === 'Created') {
      if (c.sendAtMs !== null && c.sendAtMs > Date.now()) await sleep(c.sendAtMs - Date.now());
      const started = await store.markCampaignStarted({ campaignId: input.campaignId, nowMs: Date.now() });
      if (!started.started) return { status: c.status, numbersStarted: 0 };
      await sendCampaignEvents(input.campaignId, started.deliveryIds);
    } else if (c.status !== 'InProgress') {
      return { status: c.status, numbersStarted: 0 };
    }
    state.status = 'InProgress';
    setStatusAttribute('InProgress');
  }

  for (;;) {
    while (!state.exhausted && live.size < maxLive) {
      const page = await store.loadNumberPage({
        campaignId: input.campaignId,
        fromPosition: state.cursor,
        limit: Math.min(PAGE_SIZE, maxLive - live.size),
      });
      if (page.numbers.length === 0) {
        state.exhausted = true;
        break;
      }
      await Promise.all(page.numbers.map((n) => startNumber(input, retries, n.position, n.number)));
      for (const n of page.numbers) live.add(n.position);
      state.started += page.numbers.length;
      state.cursor = page.numbers[page.numbers.length - 1]!.position + 1;
      state.live = live.size;
    }
    if (state.exhausted && live.size === 0) break;
    await condition(() => changed);
    changed = false;
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof campaignWorkflow>({
        ...input,
        carry: { retries, cursor: state.cursor, live: [...live], exhausted: state.exhausted, started: state.started, finished: state.finished },
      });
    }
  }

  const finished = await store.finishCampaign({ campaignId: input.campaignId, nowMs: Date.now(), status: 'Completed' });
  state.status = 'Completed';
  setStatusAttribute('Completed');
  await sendCampaignEvents(input.campaignId, finished.deliveryIds);
  return { status: 'Completed', numbersStarted: state.started };
}

async function startNumber(input: CampaignWorkflowInput, retries: RetryPolicy, position: number, number: string): Promise<void> {
  const parent = workflowInfo();
  await startChild(numberWorkflow, {
    workflowId: numberWorkflowId(input.campaignId, position),
    args: [{ campaignId: input.campaignId, position, number, retries, parentWorkflowId: parent.workflowId }],
    // Numbers outlive a continue-as-new of their campaign and report to its workflow id.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    ...(hasSearchAttributes() && {
      typedSearchAttributes: [
        { key: SA.accountSid, value: input.accountSid },
        { key: SA.campaignId, value: input.campaignId },
      ],
    }),
  });
}

/** Campaign status events go out from their own workflow, so a slow receiver never holds the campaign. */
async function sendCampaignEvents(campaignId: string, deliveryIds: string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await startChild(deliverWebhooksWorkflow, {
    workflowId: `${workflowInfo().workflowId}/webhooks/${deliveryIds[0]}`,
    args: [{ campaignId, deliveryIds }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
}

/**
 * Outcall's search attributes are registered by the stack; a campaign started without them (the
 * time-skipping test server has none registered) skips the upserts. Decided from workflow info, so
 * replay takes the same path.
 */
function hasSearchAttributes(): boolean {
  return workflowInfo().typedSearchAttributes.get(SA.status) !== undefined;
}

function setStatusAttribute(status: string): void {
  if (hasSearchAttributes()) upsertSearchAttributes([{ key: SA.status, value: status }]);
}
