/**
 * SPEC §4.1: one campaign, from `Created` to its terminal status. It waits for `send_at` with a
 * durable timer, enters `InProgress`, and keeps a bounded window of live number workflows
 * (workflows/number-window.ts), paging numbers from the database by position and continuing-as-new
 * with only a cursor, the live positions and a few counters (ARCHITECTURE: never the number list).
 * Children report back by signalling this workflow's id, so a report reaches whichever run is current.
 *
 * Every action, field update and delete is decided here (SPEC §4.1 "Who decides"), through the
 * `control` Update (REST) or the `pause` / `resume` / `complete` signals (operators); both run the
 * same handler under one lock, so a request racing `send_at`, `end_at` or the last number sees one
 * consistent state. Ending is a drain: no new attempt starts, live calls settle, then the rest of
 * the numbers become final with the terminal status in one transaction.
 *
 * Throughput: starting a child does not wait for the server's acknowledgement before the next one
 * starts, and the next page is loaded while the current one is being started, so one workflow task
 * refills every slot its signals freed. The continue-as-new check runs on every turn of the loop,
 * also when signals keep it busy, so a run's history stays bounded under load.
 */
import {
  allHandlersFinished,
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
  numberAwakeSignal,
  numberFinishedSignal,
  numberSleepingSignal,
  pauseSignal,
  resumeSignal,
  type CampaignStatusOutput,
  type ControlConflict,
  type ControlInput,
  type ControlOutput,
} from './definitions';
import { numberWorkflow } from './number';
import { NumberWindow, type WindowCarry, type WindowEvent } from './number-window';
import { deliverWebhooksWorkflow } from './webhooks';
import { bulkStore, store } from './options';

export interface CampaignWorkflowInput {
  campaignId: string;
  accountSid: string;
  /** How many number workflows may hold a dialling slot at once. */
  maxLive?: number;
  /**
   * How many children one run may have open, sleeping numbers included: below Temporal's per-run
   * `limit.numPendingChildExecutions.error` (2,000 by default). Reaching it continues-as-new.
   */
  maxRunChildren?: number;
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
  /** Next position to start a first attempt from. */
  cursor: number;
  exhausted: boolean;
  window: WindowCarry;
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
const DEFAULT_MAX_RUN_CHILDREN = 1000;
/** Numbers loaded ahead of the cursor at most (one page); the next page loads when half is used. */
const PAGE_SIZE = 200;
/** A held number whose previous run has not closed yet, or whose row is not marked yet, is tried again after this. */
const RESTART_RETRY_MS = 1000;
/** SPEC §4.6: a paused campaign without `end_at` is canceled 30 days after it entered `Paused`. */
const PAUSE_EXPIRY_MS = 30 * 86_400_000;
const MAX_JITTER_MS = 60_000;

export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignWorkflowOutput> {
  const maxLive = input.maxLive ?? DEFAULT_MAX_LIVE;
  const w = new NumberWindow(maxLive, Math.max(1, input.maxRunChildren ?? DEFAULT_MAX_RUN_CHILDREN), input.carry?.window);
  let retries: RetryPolicy | null = input.carry?.retries ?? null;
  const c = {
    status: (input.carry?.status ?? 'Created') as CampaignStatus,
    started: input.carry?.started ?? false,
    sendAtMs: input.carry?.sendAtMs ?? null,
    endAtMs: input.carry?.endAtMs ?? null,
    pausedAtMs: input.carry?.pausedAtMs ?? null,
    closing: null as Closing | null,
  };
  const q = {
    started: input.carry?.numbersStarted ?? 0,
    finished: input.carry?.numbersFinished ?? 0,
    /** Next position to start; numbers before it have been started. */
    cursor: input.carry?.cursor ?? 0,
    exhausted: input.carry?.exhausted ?? false,
  };
  /** Numbers loaded ahead of the cursor (≤ one page), in position order. Not carried: the next run pages them again. */
  const buffer: Array<{ position: number; number: string }> = [];
  const bufferCap = Math.min(PAGE_SIZE, maxLive);
  let loadedUpTo = q.cursor;
  let refilling = false;
  let changed = false;
  let busy = false;
  /** The calling window is known open until this instant, or closed until that one (0: ask again). */
  let windowOpenUntil = 0;
  let windowClosedUntil = 0;

  const controlState = (): CampaignControlState => ({ status: c.status, started: c.started, sendAtMs: c.sendAtMs, closing: c.closing !== null });
  const setStatus = (status: CampaignStatus) => {
    c.status = status;
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
        // Entering InProgress for the first time snapshots a list campaign's numbers: a bulk write.
        const applied = await bulkStore.applyControl({ campaignId: input.campaignId, toStatus, patch: input_.patch, nowMs: Date.now() });
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

  /** A number's report moved the window (or matched nothing it knows: logged, changes nothing). */
  const windowMoved = (what: string, position: number, e: WindowEvent) => {
    if (e === 'stray') log.warn('Number report matched no live or sleeping number', { what, position, campaignId: input.campaignId });
    changed = true;
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
    const e = w.onStopped(position, heldAtAttempt !== undefined);
    if (e === 'ok' && heldAtAttempt === undefined) q.finished++;
    windowMoved('numberFinished', position, e);
  });
  setHandler(numberSleepingSignal, ({ position }) => windowMoved('numberSleeping', position, w.onSleeping(position)));
  setHandler(numberAwakeSignal, ({ position }) => windowMoved('numberAwake', position, w.onAwake()));
  setHandler(campaignStatusQuery, () => ({
    campaignId: input.campaignId,
    status: c.closing ? `${c.status} (closing)` : c.status,
    live: w.busySlots,
    started: q.started,
    finished: q.finished,
    cursor: q.cursor,
    exhausted: q.exhausted,
    sleeping: w.sleeping,
    retrying: w.retrying,
    held: w.held + w.restarts.length,
  }));

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
    if (shouldContinueAsNew()) {
      // Nothing in flight may be lost: child starts acknowledged, the page loaded, handlers done.
      await condition(() => w.starting === 0 && !refilling && !busy && allHandlersFinished());
      if (!c.closing) await continueAsNew<typeof campaignWorkflow>({ ...input, carry: carry() });
      continue;
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
        // Takes a list campaign's snapshot (SPEC §5): a bulk write.
        const started = await bulkStore.markCampaignStarted({ campaignId: input.campaignId, nowMs: Date.now() });
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
    if (now >= windowOpenUntil && now >= windowClosedUntil) {
      const win = await store.campaignWindow({ campaignId: input.campaignId, nowMs: now });
      windowOpenUntil = win.open ? (win.closesAtMs ?? Infinity) : 0;
      // No calling day at all: nothing opens until something changes.
      windowClosedUntil = win.open ? 0 : win.nextOpenMs === null ? Infinity : win.nextOpenMs + Math.floor(Math.random() * (MAX_JITTER_MS + 1));
      continue; // a control request may have changed the status meanwhile
    }
    let wakeAt = Math.min(c.endAtMs ?? Infinity, now < windowOpenUntil ? windowOpenUntil : windowClosedUntil);
    if (now < windowOpenUntil) {
      // Numbers a pause handed back go out again before any new first attempt.
      if (w.held > 0 || w.restarts.length > 0) {
        const retryInMs = await restartHeld();
        if (retryInMs !== null) wakeAt = Math.min(wakeAt, Date.now() + retryInMs);
      } else {
        while (w.free() > 0 && buffer.length > 0 && c.status === 'InProgress' && !c.closing) startFirstAttempt(buffer.shift()!);
        if (!q.exhausted && !refilling && buffer.length <= bufferCap / 2) refill();
      }
    }
    if (q.exhausted && buffer.length === 0 && !refilling && w.idle()) {
      await exclusive(() => beginClosing({ status: 'Completed', cause: 'done', reason: null }));
      continue;
    }
    if (changed || shouldContinueAsNew()) continue;
    const timeout = wakeAt === Infinity ? undefined : Math.max(0, wakeAt - Date.now());
    await (timeout === undefined ? condition(() => changed) : condition(() => changed, timeout));
  }

  /**
   * Continue-as-new when Temporal suggests it, or when only this run's open children (Temporal
   * counts pending children per run) keep a free slot from being used while work is waiting.
   */
  function shouldContinueAsNew(): boolean {
    if (c.closing) return false;
    if (workflowInfo().continueAsNewSuggested) return true;
    const waiting = buffer.length > 0 || !q.exhausted || w.held > 0 || w.restarts.length > 0;
    return c.status === 'InProgress' && waiting && w.blockedByRun();
  }

  function carry(): CampaignCarry {
    return {
      retries: retries!,
      status: c.status,
      started: c.started,
      sendAtMs: c.sendAtMs,
      endAtMs: c.endAtMs,
      pausedAtMs: c.pausedAtMs,
      cursor: q.cursor,
      exhausted: q.exhausted && buffer.length === 0,
      window: w.carry(),
      numbersStarted: q.started,
      numbersFinished: q.finished,
    };
  }

  /** Loads the next page into the buffer without holding up the loop. */
  function refill(): void {
    refilling = true;
    void store
      .loadNumberPage({ campaignId: input.campaignId, fromPosition: loadedUpTo, limit: bufferCap - buffer.length })
      .then((page) => {
        if (page.numbers.length === 0) q.exhausted = true;
        else {
          buffer.push(...page.numbers);
          loadedUpTo = page.numbers[page.numbers.length - 1]!.position + 1;
        }
      })
      .finally(() => {
        refilling = false;
        changed = true;
      });
  }

  /** Starts a number's first attempt; the loop goes on without waiting for the server's acknowledgement. */
  function startFirstAttempt(n: { position: number; number: string }): void {
    q.cursor = n.position + 1;
    q.started++;
    void startNumber(n.position, n.number, 1).then((ok) => {
      // Positions only move forward, so a number's first start never finds a namesake running.
      if (!ok) log.error('A first attempt found its number workflow already running', { position: n.position, campaignId: input.campaignId });
    });
  }

  /**
   * Claims numbers a pause handed back and restarts them at the attempt they were about to make.
   * Returns when to try again (a hand-back not yet on its row, or a previous run not yet closed), or null.
   */
  async function restartHeld(): Promise<number | null> {
    if (w.restarts.length === 0 && w.free() > 0) {
      const claim = await store.claimHeldNumbers({ campaignId: input.campaignId, limit: Math.min(w.free(), w.held, PAGE_SIZE) });
      w.held = Math.max(0, w.held - claim.claimed);
      w.restarts.push(...claim.numbers.map((n): [number, number, string] => [n.position, n.attempt, n.number]));
      if (claim.claimed === 0) return RESTART_RETRY_MS;
    }
    // A control request may have paused or ended the campaign while the claim ran.
    if (c.status !== 'InProgress' || c.closing) return null;
    const batch = w.restarts.splice(0, w.free());
    const ok = await Promise.all(batch.map(([position, attempt, number]) => startNumber(position, number, attempt)));
    batch.forEach((r, i) => ok[i] || w.restarts.push(r));
    return w.restarts.length > 0 ? RESTART_RETRY_MS : null;
  }

  /** Starts one number workflow; false when one with its id is still running (a held number's previous run). */
  async function startNumber(position: number, number: string, firstAttempt: number): Promise<boolean> {
    w.admit(position);
    let handle;
    try {
      handle = await startChild(numberWorkflow, {
        workflowId: numberWorkflowId(input.campaignId, position),
        args: [{ campaignId: input.campaignId, position, number, retries: retries!, parentWorkflowId: workflowInfo().workflowId, firstAttempt }],
        // Numbers outlive a continue-as-new of their campaign and report to its workflow id.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        ...(hasSearchAttributes() && {
          typedSearchAttributes: [
            { key: SA.accountSid, value: input.accountSid },
            { key: SA.campaignId, value: input.campaignId },
          ],
        }),
      });
    } catch (err) {
      w.startFailed(position);
      changed = true;
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw err;
    }
    w.started();
    void handle.result().then(closed, closed);
    return true;
  }

  function closed(): void {
    w.childClosed();
    changed = true;
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
