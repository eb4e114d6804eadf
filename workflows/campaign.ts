/**
 * SPEC §4.1: one campaign, from `Created` to its terminal status: a durable timer to `send_at`, then a bounded window
 * of live number workflows (workflows/number-window.ts), continuing-as-new with only a cursor, live positions and
 * counters. Every action, update and delete is decided here, under one lock; how: docs/architecture.md.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { isTerminal, type CampaignStatus } from '../domain/campaign-status';
import { decideAction, type CampaignControlState } from '../domain/campaign-transitions';
import type { RetryPolicy } from '../domain/retry-schedule';
import type { EndCause } from '../activities/campaign-store';
import {
  accountFailureSignal,
  campaignStatusQuery,
  completeSignal,
  controlUpdate,
  numberAwakeSignal,
  numberDeliveringSignal,
  numberFinishedSignal,
  numberSleepingSignal,
  pauseSignal,
  resumeSignal,
  type CampaignStatusOutput,
  type ControlInput,
  type ControlOutput,
} from './definitions';
import { NumberDispatch, setStatusAttribute, type CampaignCarry } from './campaign-dispatch';
import { conflictOf, refuseConflict, windowInstants } from './campaign-control';

export type { CampaignCarry } from './campaign-dispatch';
import { usefulLiveNumbers, type WindowEvent } from './number-window';
import { bulkStore, localStore, store } from './options';

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
/** SPEC §4.6: a paused campaign without `end_at` is canceled 30 days after it entered `Paused`. */
const PAUSE_EXPIRY_MS = 30 * 86_400_000;
const MAX_JITTER_MS = 60_000;
/** A run continues-as-new past this many history events (Temporal suggests it only at 4,096 or more). */
const MAX_RUN_EVENTS = 1_000;
/** The same, since `10-shorter-campaign-runs`: a restarted worker replays a run well inside a second. */
const SHORT_RUN_EVENTS = 400;

export async function campaignWorkflow(input: CampaignWorkflowInput): Promise<CampaignWorkflowOutput> {
  let retries: RetryPolicy | null = input.carry?.retries ?? null;
  const c = {
    status: (input.carry?.status ?? 'Created') as CampaignStatus,
    started: input.carry?.started ?? false,
    sendAtMs: input.carry?.sendAtMs ?? null,
    endAtMs: input.carry?.endAtMs ?? null,
    pausedAtMs: input.carry?.pausedAtMs ?? null,
    closing: null as Closing | null,
  };
  let finished = input.carry?.numbersFinished ?? 0;
  let changed = false;
  const dispatch = new NumberDispatch({
    campaignId: input.campaignId,
    accountSid: input.accountSid,
    maxLive: input.maxLive ?? DEFAULT_MAX_LIVE,
    maxRunChildren: input.maxRunChildren ?? DEFAULT_MAX_RUN_CHILDREN,
    ...(input.carry && { carry: input.carry }),
    retries: () => retries!,
    mayStart: () => c.status === 'InProgress' && !c.closing,
    changed: () => void (changed = true),
  });
  const w = dispatch.w;
  let busy = false;
  /** The campaign's row has been read (a continued run carries it). */
  let ready = input.carry !== undefined;
  /** The calling window is known open until this instant, or closed until that one (0: ask again). */
  const calling = input.carry?.calling;
  let windowOpenUntil = calling?.open ? (calling.untilMs ?? Infinity) : 0;
  let windowClosedUntil = calling && !calling.open ? (calling.untilMs ?? Infinity) : 0;

  const controlState = (): CampaignControlState => ({
    status: c.status,
    started: c.started,
    sendAtMs: c.sendAtMs,
    closing: c.closing !== null,
  });
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

  /** The one control handler behind the Update and the operator signals (SPEC §4.1, §4.7, §4.8). */
  async function control(input_: ControlInput): Promise<ControlOutput> {
    // Issue 10: the write is done inside the answering task, so it could finish before the first
    // load and be overwritten by it; a request that arrives that early waits for the load instead.
    const local = patched('10-control-writes-locally');
    if (local) await condition(() => ready);
    return exclusive(async () => {
      refuseConflict(conflictOf(controlState(), input_));
      const d = input_.action ? decideAction(controlState(), input_.action, Date.now()) : ({ kind: 'noop' } as const);
      const toStatus = d.kind === 'apply' && !d.drain ? d.next : null;
      if (Object.keys(input_.patch).length > 0 || toStatus !== null) {
        // Entering InProgress for the first time snapshots a list campaign's numbers: a bulk write.
        // Any other change is small: since issue 10 it is written inside the task that answers.
        const snapshots = toStatus === 'InProgress' && !c.started;
        const writer = local && !snapshots ? localStore : bulkStore;
        const applied = await writer.applyControl({
          campaignId: input.campaignId,
          toStatus,
          patch: input_.patch,
          nowMs: Date.now(),
        });
        // Issue 10: the answer does not wait for the events' delivery to be acknowledged.
        if (patched('10-control-answers-first')) dispatch.queueCampaignEvents(applied.deliveryIds);
        else await dispatch.sendCampaignEvents(applied.deliveryIds);
      }
      // A change may move the window (a send_at rolled forward reads as closed until then): ask again.
      windowOpenUntil = windowClosedUntil = 0;
      if ('sendAtMs' in input_.patch) c.sendAtMs = input_.patch.sendAtMs ?? null;
      if ('endAtMs' in input_.patch) c.endAtMs = input_.patch.endAtMs ?? null;
      if (input_.patch.retries) {
        const r = input_.patch.retries;
        retries = {
          numberOfRetries: r.number_of_retries,
          intervalMins: r.interval_mins,
          mechanism: r.mechanism,
          onStatus: r.on_status,
        };
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

  /**
   * A decision the loop took before `exclusive` let it run is still valid: the status is the one it
   * was taken in. A control request may have run first (a pause applied while the last number
   * finished must leave the campaign Paused, not Completed). Histories from before this check replay
   * without it (`patched`).
   */
  function stillIn(status: CampaignStatus): boolean {
    return !patched('closing-rechecks-status') || (c.status === status && !c.closing);
  }

  async function beginClosing(closing: Closing): Promise<void> {
    if (c.closing) return;
    c.closing = closing;
    await (patched('10-control-writes-locally') ? localStore : store).beginDrain({
      campaignId: input.campaignId,
      closing: closing.status,
      reason: closing.reason,
      nowMs: Date.now(),
    });
  }

  const fromSignal = (action: 'pause' | 'resume' | 'complete') => () => {
    void control({ action, changedFields: [], patch: {} }).catch((err: unknown) =>
      log.warn('Operator signal rejected', { action, campaignId: input.campaignId, error: String(err) }),
    );
  };

  /** A number's report moved the window (or matched nothing it knows: logged, changes nothing). */
  const windowMoved = (what: string, position: number, e: WindowEvent) => {
    if (e === 'stray')
      log.warn('Number report matched no live or sleeping number', { what, position, campaignId: input.campaignId });
    changed = true;
  };

  setHandler(controlUpdate, control, {
    validator: (input_: ControlInput) => refuseConflict(conflictOf(controlState(), input_)),
  });
  setHandler(pauseSignal, fromSignal('pause'));
  setHandler(resumeSignal, fromSignal('resume'));
  setHandler(completeSignal, fromSignal('complete'));
  setHandler(accountFailureSignal, ({ reason }) => {
    void exclusive(() => beginClosing({ status: 'Failed', cause: 'account', reason }));
  });
  setHandler(numberFinishedSignal, ({ position, heldAtAttempt }) => {
    const e = w.onStopped(position, heldAtAttempt !== undefined);
    if (e === 'ok' && heldAtAttempt === undefined) finished++;
    windowMoved('numberFinished', position, e);
  });
  setHandler(numberSleepingSignal, ({ position }) => windowMoved('numberSleeping', position, w.onSleeping(position)));
  setHandler(numberDeliveringSignal, ({ position }) =>
    windowMoved('numberDelivering', position, w.onDelivering(position)),
  );
  setHandler(numberAwakeSignal, ({ position }) => windowMoved('numberAwake', position, w.onAwake()));
  setHandler(campaignStatusQuery, () => ({
    campaignId: input.campaignId,
    status: c.closing ? `${c.status} (closing)` : c.status,
    live: w.busySlots,
    started: dispatch.started,
    finished,
    cursor: dispatch.cursor,
    exhausted: dispatch.exhausted,
    sleeping: w.sleeping,
    retrying: w.retrying,
    held: w.held + w.restarts.length,
    delivering: w.delivering.size,
  }));

  if (!input.carry) {
    const loaded = await store.loadCampaign({ campaignId: input.campaignId });
    if (!loaded.found) return { status: 'Missing', numbersStarted: 0 }; // the create was rolled back
    retries = loaded.retries;
    Object.assign(c, {
      started: loaded.started,
      sendAtMs: loaded.sendAtMs,
      endAtMs: loaded.endAtMs,
      pausedAtMs: loaded.pausedAtMs,
    });
    setStatus(loaded.status as CampaignStatus);
    if (loaded.closing) c.closing = { status: loaded.closing as Closing['status'], cause: 'complete', reason: null };
    ready = true;
  }

  for (;;) {
    changed = false;
    if (c.closing) return drain(c.closing);
    if (isTerminal(c.status)) return { status: c.status, numbersStarted: dispatch.started };
    if (shouldContinueAsNew()) {
      // Nothing in flight may be lost: child starts acknowledged, the page loaded, handlers done.
      await condition(() => dispatch.quiet && !busy && allHandlersFinished());
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
        await dispatch.sendCampaignEvents(started.deliveryIds);
      });
      continue;
    }
    if (c.status === 'Paused') {
      const deadline = c.endAtMs ?? (c.pausedAtMs ?? now) + PAUSE_EXPIRY_MS;
      if (deadline > now) {
        await condition(() => changed, deadline - now);
        continue;
      }
      await exclusive(async () => {
        if (stillIn('Paused'))
          await beginClosing({ status: 'Canceled', cause: c.endAtMs !== null ? 'end_at' : 'expiry', reason: null });
      });
      continue;
    }

    // InProgress.
    if (c.endAtMs !== null && now >= c.endAtMs) {
      await exclusive(async () => {
        if (stillIn('InProgress')) await beginClosing({ status: 'Completed', cause: 'end_at', reason: null });
      });
      continue;
    }
    if (now >= windowOpenUntil && now >= windowClosedUntil) {
      const win = await store.campaignWindow({ campaignId: input.campaignId, nowMs: now });
      w.limitTo(win.pacing ? usefulLiveNumbers(win.pacing) : null);
      ({ openUntil: windowOpenUntil, closedUntil: windowClosedUntil } = windowInstants(win, MAX_JITTER_MS));
      continue; // a control request may have changed the status meanwhile
    }
    let wakeAt = Math.min(c.endAtMs ?? Infinity, now < windowOpenUntil ? windowOpenUntil : windowClosedUntil);
    if (now < windowOpenUntil) {
      // Numbers a pause handed back go out again before any new first attempt.
      if (dispatch.hasHeld) {
        const retryInMs = await dispatch.restartHeld();
        if (retryInMs !== null) wakeAt = Math.min(wakeAt, Date.now() + retryInMs);
      } else {
        dispatch.fill();
      }
    }
    if (dispatch.done) {
      await exclusive(async () => {
        if (stillIn('InProgress')) await beginClosing({ status: 'Completed', cause: 'done', reason: null });
      });
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
    // Issue 10: a run this short replays in well under a second, so a restarted worker answers the
    // control Update at once (SPEC §4.1: within 5 s). Histories from before keep Temporal's bound.
    const { historyLength } = workflowInfo();
    if (historyLength > SHORT_RUN_EVENTS && patched('10-shorter-campaign-runs')) return true;
    if (historyLength > MAX_RUN_EVENTS && patched('10-short-campaign-runs')) return true;
    return c.status === 'InProgress' && dispatch.hasWork && w.blockedByRun();
  }

  function carry(): CampaignCarry {
    const now = Date.now();
    return {
      ...dispatch.carry(),
      ...(now < windowOpenUntil && {
        calling: { open: true, untilMs: windowOpenUntil === Infinity ? null : windowOpenUntil },
      }),
      ...(now < windowClosedUntil && {
        calling: { open: false, untilMs: windowClosedUntil === Infinity ? null : windowClosedUntil },
      }),
      retries: retries!,
      status: c.status,
      started: c.started,
      sendAtMs: c.sendAtMs,
      endAtMs: c.endAtMs,
      pausedAtMs: c.pausedAtMs,
      numbersFinished: finished,
    };
  }

  /** SPEC §4.1 drain: live calls settle (by callback or lookup), then everything ends at once. */
  async function drain(closing: Closing): Promise<CampaignWorkflowOutput> {
    for (let waitMs = 2000; ; waitMs = Math.min(waitMs * 2, 30_000)) {
      const { live: calls } = await store.countLiveCalls({ campaignId: input.campaignId });
      if (calls === 0) break;
      await sleep(waitMs);
    }
    const ended = await store.finishCampaign({
      campaignId: input.campaignId,
      nowMs: Date.now(),
      status: closing.status,
      cause: closing.cause,
      reason: closing.reason,
    });
    c.closing = null;
    setStatus(ended.status as CampaignStatus);
    await dispatch.sendCampaignEvents(ended.deliveryIds);
    // Let a control Update that raced the end see the terminal state before the run closes, and let
    // the events it queued start (never the case in histories from before `queueCampaignEvents`).
    await condition(() => !busy && !dispatch.eventsStarting);
    return { status: ended.status, numbersStarted: dispatch.started };
  }
}
