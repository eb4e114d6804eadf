/**
 * SPEC §4.1: one campaign, from `Created` to its terminal status. It waits for `send_at` with a
 * durable timer, enters `InProgress`, and keeps a bounded window of live number workflows, paging
 * numbers from the database by position and continuing-as-new with only a cursor and the live set
 * (ARCHITECTURE: never the number list). Children report back by signalling this workflow's id.
 *
 * Every action, field update and delete is decided here (SPEC §4.1 "Who decides"), through the
 * `control` Update (REST) or the `pause` / `resume` / `complete` signals (operators); both run the
 * same handler under one lock, so a request racing `send_at`, `end_at` or the last number sees one
 * consistent state. Ending is a drain: no new attempt starts, live calls settle, then the rest of
 * the numbers become final with the terminal status in one transaction.
 */
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  log,
  ParentClosePolicy,
  setHandler,
  sleep,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { numberWorkflowId } from '../domain/ids';
import { SA } from '../domain/search-attributes';
import type { CampaignStatus } from '../domain/campaign-status';
import { checkFieldUpdate, decideAction, type CampaignControlState } from '../domain/campaign-transitions';
import type { RetryPolicy } from '../domain/retry-schedule';
import type { EndCause } from '../activities/campaign-store';
import {
  accountFailureSignal,
  campaignStatusQuery,
  completeSignal,
  CONTROL_CONFLICT,
  controlUpdate,
  numberFinishedSignal,
  pauseSignal,
  resumeSignal,
  type CampaignStatusOutput,
  type ControlConflict,
  type ControlInput,
  type ControlOutput,
} from './definitions';
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
  status: CampaignStatus;
  started: boolean;
  sendAtMs: number | null;
  endAtMs: number | null;
  pausedAtMs: number | null;
  /** Next position to page from. */
  cursor: number;
  /** Positions whose number workflows are still running or held (≤ maxLive). */
  live: number[];
  /** Held numbers (paused campaign) as [position, attempt to resume at]. */
  held: Array<[number, number]>;
  exhausted: boolean;
  numbersStarted: number;
  numbersFinished: number;
}

export interface CampaignWorkflowOutput {
  status: string;
  numbersStarted: number;
}

interface Closing {
  status: 'Completed' | 'Canceled' | 'Failed';
  cause: EndCause;
  reason: string | null;
}

const DEFAULT_MAX_LIVE = 500;
const PAGE_SIZE = 200;
/** SPEC §4.6: a paused campaign without `end_at` is canceled 30 days after it entered `Paused`. */
const PAUSE_EXPIRY_MS = 30 * 86_400_000;
const MAX_JITTER_MS = 60_000;

export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignWorkflowOutput> {
  const maxLive = input.maxLive ?? DEFAULT_MAX_LIVE;
  const live = new Set<number>(input.carry?.live ?? []);
  const held = new Map<number, number>(input.carry?.held ?? []);
  let retries: RetryPolicy | null = input.carry?.retries ?? null;
  const c = {
    status: (input.carry?.status ?? 'Created') as CampaignStatus,
    started: input.carry?.started ?? false,
    sendAtMs: input.carry?.sendAtMs ?? null,
    endAtMs: input.carry?.endAtMs ?? null,
    pausedAtMs: input.carry?.pausedAtMs ?? null,
    closing: null as Closing | null,
  };
  const q: CampaignStatusOutput = {
    campaignId: input.campaignId,
    status: c.status,
    live: live.size,
    started: input.carry?.numbersStarted ?? 0,
    finished: input.carry?.numbersFinished ?? 0,
    cursor: input.carry?.cursor ?? 0,
    exhausted: input.carry?.exhausted ?? false,
  };
  let changed = false;
  let busy = false;
  /** The window is known open until this instant (0: ask again). */
  let windowOpenUntil = 0;

  const controlState = (): CampaignControlState => ({ status: c.status, started: c.started, sendAtMs: c.sendAtMs, closing: c.closing !== null });
  const setStatus = (status: CampaignStatus) => {
    c.status = status;
    q.status = status;
    setStatusAttribute(status);
  };

  /** Runs `fn` alone: handlers and the main loop never interleave their read-model changes. */
  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
      changed = true;
    }
  }

  function conflictOf(input_: ControlInput): ControlConflict | null {
    const state = controlState();
    const field = checkFieldUpdate(state, input_.changedFields);
    if (field) return { status: state.status, description: field.description, allowed: [], field: field.field };
    if (input_.action) {
      const d = decideAction(state, input_.action, Date.now());
      if (d.kind === 'conflict') return { status: state.status, description: d.description, allowed: d.allowed };
    }
    return null;
  }

  /** The one control handler behind the Update and the operator signals (SPEC §4.1, §4.7, §4.8). */
  async function control(input_: ControlInput): Promise<ControlOutput> {
    return exclusive(async () => {
      const conflict = conflictOf(input_);
      if (conflict) throw ApplicationFailure.create({ type: CONTROL_CONFLICT, message: conflict.description, details: [conflict], nonRetryable: true });
      const d = input_.action ? decideAction(controlState(), input_.action, Date.now()) : ({ kind: 'noop' } as const);
      const toStatus = d.kind === 'apply' && !d.drain ? d.next : null;
      if (Object.keys(input_.patch).length > 0 || toStatus !== null) {
        const applied = await store.applyControl({ campaignId: input.campaignId, toStatus, patch: input_.patch, nowMs: Date.now() });
        await sendCampaignEvents(input.campaignId, applied.deliveryIds);
      }
      if ('sendAtMs' in input_.patch) c.sendAtMs = input_.patch.sendAtMs ?? null;
      if ('endAtMs' in input_.patch) c.endAtMs = input_.patch.endAtMs ?? null;
      if (input_.patch.retries) {
        const r = input_.patch.retries;
        retries = { numberOfRetries: r.number_of_retries, intervalMins: r.interval_mins, mechanism: r.mechanism, onStatus: r.on_status };
      }
      if (toStatus) {
        if (toStatus === 'Paused') c.pausedAtMs = Date.now();
        if (toStatus === 'InProgress') c.started = true;
        setStatus(toStatus);
      }
      if (d.kind === 'apply' && d.drain) await beginClosing({ status: 'Completed', cause: 'complete', reason: null });
      return { status: c.status, closing: c.closing !== null };
    });
  }

  async function beginClosing(closing: Closing): Promise<void> {
    if (c.closing) return;
    c.closing = closing;
    await store.beginDrain({ campaignId: input.campaignId, closing: closing.status, reason: closing.reason, nowMs: Date.now() });
  }

  const fromSignal = (action: 'pause' | 'resume' | 'complete') => () => {
    void control({ action, changedFields: [], patch: {} }).catch((err: unknown) =>
      log.warn('Operator signal rejected', { action, campaignId: input.campaignId, error: String(err) }),
    );
  };

  setHandler(controlUpdate, control, {
    validator: (input_: ControlInput) => {
      const conflict = conflictOf(input_);
      if (conflict) throw ApplicationFailure.create({ type: CONTROL_CONFLICT, message: conflict.description, details: [conflict], nonRetryable: true });
    },
  });
  setHandler(pauseSignal, fromSignal('pause'));
  setHandler(resumeSignal, fromSignal('resume'));
  setHandler(completeSignal, fromSignal('complete'));
  setHandler(accountFailureSignal, ({ reason }) => {
    void exclusive(() => beginClosing({ status: 'Failed', cause: 'account', reason }));
  });
  setHandler(numberFinishedSignal, ({ position, heldAtAttempt }) => {
    // Duplicates and strays (a signal for a number this run never knew) change nothing.
    if (!live.has(position)) return;
    if (heldAtAttempt !== undefined) {
      held.set(position, heldAtAttempt);
    } else {
      live.delete(position);
      held.delete(position);
      q.finished++;
      q.live = live.size;
    }
    changed = true;
  });
  setHandler(campaignStatusQuery, () => ({ ...q, status: c.closing ? `${c.status} (closing)` : c.status }));

  if (!input.carry) {
    const loaded = await store.loadCampaign({ campaignId: input.campaignId });
    if (!loaded.found) return { status: 'Missing', numbersStarted: 0 }; // the create was rolled back
    retries = loaded.retries;
    Object.assign(c, { started: loaded.started, sendAtMs: loaded.sendAtMs, endAtMs: loaded.endAtMs, pausedAtMs: loaded.pausedAtMs });
    setStatus(loaded.status as CampaignStatus);
    if (loaded.closing) c.closing = { status: loaded.closing as Closing['status'], cause: 'complete', reason: null };
  }

  for (;;) {
    changed = false;
    if (c.closing) return drain(c.closing);
    if (c.status === 'Deleted' || c.status === 'Completed' || c.status === 'Failed' || c.status === 'Canceled' || c.status === 'Archived') {
      return { status: c.status, numbersStarted: q.started };
    }
    const now = Date.now();
    if (c.status === 'Created') {
      const due = c.sendAtMs ?? now;
      if (due > now) {
        await condition(() => changed, due - now);
        continue;
      }
      await exclusive(async () => {
        if (c.status !== 'Created' || c.closing) return;
        const started = await store.markCampaignStarted({ campaignId: input.campaignId, nowMs: Date.now() });
        if (!started.started) return;
        c.started = true;
        setStatus('InProgress');
        await sendCampaignEvents(input.campaignId, started.deliveryIds);
      });
      continue;
    }
    if (c.status === 'Paused') {
      const deadline = c.endAtMs ?? (c.pausedAtMs ?? now) + PAUSE_EXPIRY_MS;
      if (deadline > now) {
        await condition(() => changed, deadline - now);
        continue;
      }
      await exclusive(() => beginClosing({ status: 'Canceled', cause: c.endAtMs !== null ? 'end_at' : 'expiry', reason: null }));
      continue;
    }

    // InProgress.
    if (c.endAtMs !== null && now >= c.endAtMs) {
      await exclusive(() => beginClosing({ status: 'Completed', cause: 'end_at', reason: null }));
      continue;
    }
    // Held numbers keep their place: they go out again before any new first attempt.
    if (held.size > 0) {
      const resume = [...held];
      held.clear();
      const restarted = await Promise.all(resume.map(([position, attempt]) => startNumber(input, retries!, position, null, attempt)));
      // A number that handed itself back a moment ago may not have closed yet: try it again shortly.
      resume.forEach(([position, attempt], i) => restarted[i] || held.set(position, attempt));
      if (held.size > 0) await sleep(1000);
      continue;
    }
    let wakeAt = c.endAtMs ?? Infinity;
    if (!q.exhausted && live.size < maxLive) {
      if (now >= windowOpenUntil) {
        const w = await store.campaignWindow({ campaignId: input.campaignId, nowMs: now });
        if (w.open) windowOpenUntil = w.closesAtMs ?? Infinity;
        else if (w.nextOpenMs === null) windowOpenUntil = 0;
        else {
          windowOpenUntil = 0;
          wakeAt = Math.min(wakeAt, w.nextOpenMs + Math.floor(Math.random() * (MAX_JITTER_MS + 1)));
        }
      }
      if (now < windowOpenUntil && c.status === 'InProgress' && !c.closing) {
        await fillWindow();
        if (changed) continue;
      }
    }
    if (q.exhausted && live.size === 0) {
      await exclusive(() => beginClosing({ status: 'Completed', cause: 'done', reason: null }));
      continue;
    }
    const timeout = wakeAt === Infinity ? undefined : Math.max(0, wakeAt - Date.now());
    await (timeout === undefined ? condition(() => changed) : condition(() => changed, timeout));
    if (workflowInfo().continueAsNewSuggested && !busy && !c.closing) {
      await continueAsNew<typeof campaignWorkflow>({
        ...input,
        carry: {
          retries: retries!,
          status: c.status,
          started: c.started,
          sendAtMs: c.sendAtMs,
          endAtMs: c.endAtMs,
          pausedAtMs: c.pausedAtMs,
          cursor: q.cursor,
          live: [...live],
          held: [...held],
          exhausted: q.exhausted,
          numbersStarted: q.started,
          numbersFinished: q.finished,
        },
      });
    }
  }

  /** Starts the next page of numbers while the window has room. */
  async function fillWindow(): Promise<void> {
    const page = await store.loadNumberPage({ campaignId: input.campaignId, fromPosition: q.cursor, limit: Math.min(PAGE_SIZE, maxLive - live.size) });
    if (page.numbers.length === 0) {
      q.exhausted = true;
      return;
    }
    // A control request may have paused or ended the campaign while the page loaded.
    if (c.status !== 'InProgress' || c.closing) return;
    await Promise.all(page.numbers.map((n) => startNumber(input, retries!, n.position, n.number, 1)));
    q.started += page.numbers.length;
    q.cursor = page.numbers[page.numbers.length - 1]!.position + 1;
  }

  /** Starts one number workflow; false when its previous run (a held number) has not closed yet. */
  async function startNumber(input_: CampaignWorkflowInput, r: RetryPolicy, position: number, number: string | null, firstAttempt: number): Promise<boolean> {
    live.add(position);
    q.live = live.size;
    try {
      await startNumberChild(input_, r, position, number, firstAttempt);
      return true;
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw err;
    }
  }

  async function startNumberChild(input_: CampaignWorkflowInput, r: RetryPolicy, position: number, number: string | null, firstAttempt: number): Promise<void> {
    await startChild(numberWorkflow, {
      workflowId: numberWorkflowId(input_.campaignId, position),
      args: [{ campaignId: input_.campaignId, position, number: number ?? '', retries: r, parentWorkflowId: workflowInfo().workflowId, firstAttempt }],
      // Numbers outlive a continue-as-new of their campaign and report to its workflow id.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      ...(hasSearchAttributes() && {
        typedSearchAttributes: [
          { key: SA.accountSid, value: input_.accountSid },
          { key: SA.campaignId, value: input_.campaignId },
        ],
      }),
    });
  }

  /** SPEC §4.1 drain: live calls settle (by callback or lookup), then everything ends at once. */
  async function drain(closing: Closing): Promise<CampaignWorkflowOutput> {
    for (let waitMs = 2000; ; waitMs = Math.min(waitMs * 2, 30_000)) {
      const { live: calls } = await store.countLiveCalls({ campaignId: input.campaignId });
      if (calls === 0) break;
      await sleep(waitMs);
    }
    const finished = await store.finishCampaign({ campaignId: input.campaignId, nowMs: Date.now(), status: closing.status, cause: closing.cause, reason: closing.reason });
    c.closing = null;
    setStatus(finished.status as CampaignStatus);
    await sendCampaignEvents(input.campaignId, finished.deliveryIds);
    // Let a control Update that raced the end see the terminal state before the run closes.
    await condition(() => !busy);
    return { status: finished.status, numbersStarted: q.started };
  }
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
