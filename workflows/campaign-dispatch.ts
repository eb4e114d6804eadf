/**
 * The campaign workflow's dispatcher: pages numbers one page ahead, starts number workflows into the window's free
 * slots (workflows/number-window.ts), restarts those a pause handed back and tracks this run's open children. Starts do
 * not wait for the server's acknowledgement, so one workflow task refills every freed slot.
 */
import {
  condition,
  log,
  ParentClosePolicy,
  patched,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { numberTaskQueue, numberWorkflowId } from '../domain/ids';
import type { CampaignStatus } from '../domain/campaign-status';
import type { RetryPolicy } from '../domain/retry-schedule';
import { SA } from '../domain/search-attributes';
import { numberWorkflow } from './number';
import { NumberWindow, type WindowCarry } from './number-window';
import { deliverWebhooksWorkflow } from './webhooks';
import { store } from './options';

/** Numbers loaded ahead of the cursor at most (one page); the next page loads when half is used. */
const PAGE_SIZE = 200;
/**
 * Since `10-bounded-child-starts`: at most this many number starts await the server's acknowledgement,
 * so a run that must continue-as-new is quiet within seconds even while the server acknowledges slowly.
 */
const MAX_UNACKED_STARTS = 50;
/** A held number whose previous run has not closed yet, or whose row is not marked yet, is tried again after this. */
export const RESTART_RETRY_MS = 1000;

export interface DispatchCarry {
  /** Next position to start a first attempt from. */
  cursor: number;
  exhausted: boolean;
  window: WindowCarry;
  numbersStarted: number;
  /**
   * The page loaded ahead of the cursor, as [position, number] (≤ 200: one activity result, never the
   * list), so a new run starts numbers at once instead of after a page load.
   */
  buffer?: Array<[number, string]>;
}

/** What a campaign run hands the next on continue-as-new (workflows/campaign.ts). */
export interface CampaignCarry extends DispatchCarry {
  /** The calling window as last seen: open or closed until `untilMs` (null: indefinitely). */
  calling?: { open: boolean; untilMs: number | null };
  retries: RetryPolicy;
  status: CampaignStatus;
  started: boolean;
  sendAtMs: number | null;
  endAtMs: number | null;
  pausedAtMs: number | null;
  numbersFinished: number;
}

export interface DispatchDeps {
  campaignId: string;
  accountSid: string;
  maxLive: number;
  maxRunChildren: number;
  carry?: DispatchCarry;
  /** The campaign's retry policy now (a PUT before start may change it). */
  retries: () => RetryPolicy;
  /** True while the campaign may start numbers (InProgress, not closing). */
  mayStart: () => boolean;
  /** Something the campaign's loop waits on has changed. */
  changed: () => void;
}

export class NumberDispatch {
  readonly w: NumberWindow;
  /** Next position to start; numbers before it have been started. */
  cursor: number;
  exhausted: boolean;
  started: number;
  /** Numbers loaded ahead of the cursor (≤ one page), in position order. */
  private readonly buffer: Array<{ position: number; number: string }>;
  private readonly bufferCap: number;
  private loadedUpTo: number;
  private refilling = false;
  /** Campaign event deliveries queued and not yet acknowledged by the server; they start in order. */
  private eventStarts = 0;
  private eventChain: Promise<void> = Promise.resolve();

  constructor(private readonly d: DispatchDeps) {
    this.w = new NumberWindow(d.maxLive, Math.max(1, d.maxRunChildren), d.carry?.window);
    this.cursor = d.carry?.cursor ?? 0;
    this.exhausted = d.carry?.exhausted ?? false;
    this.started = d.carry?.numbersStarted ?? 0;
    this.buffer = (d.carry?.buffer ?? []).map(([position, number]) => ({ position, number }));
    this.loadedUpTo = this.buffer.length > 0 ? this.buffer[this.buffer.length - 1]!.position + 1 : this.cursor;
    this.bufferCap = Math.min(PAGE_SIZE, d.maxLive);
  }

  /** Numbers a pause handed back wait to be restarted (they go before any new first attempt). */
  get hasHeld(): boolean {
    return this.w.held > 0 || this.w.restarts.length > 0;
  }

  /** Some number still waits to be started or restarted. */
  get hasWork(): boolean {
    return this.buffer.length > 0 || !this.exhausted || this.hasHeld;
  }

  /** Every number has been started and none is running, sleeping or handed back. */
  get done(): boolean {
    return this.exhausted && this.buffer.length === 0 && !this.refilling && this.w.idle();
  }

  /** Campaign event deliveries queued whose start the server has not acknowledged yet. */
  get eventsStarting(): boolean {
    return this.eventStarts > 0;
  }

  /** Nothing in flight that a continue-as-new would lose: starts acknowledged, no page loading. */
  get quiet(): boolean {
    return this.w.starting === 0 && !this.refilling && this.eventStarts === 0;
  }

  carry(): DispatchCarry {
    return {
      cursor: this.cursor,
      exhausted: this.exhausted,
      window: this.w.carry(),
      numbersStarted: this.started,
      buffer: this.buffer.map((n): [number, string] => [n.position, n.number]),
    };
  }

  /** Starts first attempts into the free slots, and loads the next page when half of this one is used. */
  fill(): void {
    while (this.w.free() > 0 && this.buffer.length > 0 && this.d.mayStart() && this.startRoom() > 0)
      this.startFirstAttempt(this.buffer.shift()!);
    if (!this.exhausted && !this.refilling && this.buffer.length <= this.bufferCap / 2) this.refill();
  }

  /**
   * Claims numbers a pause handed back and restarts them at the attempt they were about to make.
   * Returns when to try again (a hand-back not yet on its row, or a previous run not yet closed), or null.
   */
  async restartHeld(): Promise<number | null> {
    const w = this.w;
    if (w.restarts.length === 0 && w.free() > 0) {
      const claim = await store.claimHeldNumbers({
        campaignId: this.d.campaignId,
        limit: Math.min(w.free(), w.held, PAGE_SIZE),
      });
      w.held = Math.max(0, w.held - claim.claimed);
      w.restarts.push(...claim.numbers.map((n): [number, number, string] => [n.position, n.attempt, n.number]));
      if (claim.claimed === 0) return RESTART_RETRY_MS;
    }
    // A control request may have paused or ended the campaign while the claim ran.
    if (!this.d.mayStart()) return null;
    const batch = w.restarts.splice(0, Math.min(w.free(), this.startRoom()));
    const ok = await Promise.all(
      batch.map(([position, attempt, number]) => this.startNumber(position, number, attempt)),
    );
    batch.forEach((r, i) => ok[i] || w.restarts.push(r));
    return w.restarts.length > 0 ? RESTART_RETRY_MS : null;
  }

  /** How many more number starts may be sent before some are acknowledged (unbounded in older histories). */
  private startRoom(): number {
    return patched('10-bounded-child-starts') ? MAX_UNACKED_STARTS - this.w.starting : Infinity;
  }

  /** Campaign status events go out from their own workflow, so a slow receiver never holds the campaign. */
  async sendCampaignEvents(deliveryIds: string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    // After those queued before (none, in histories from before `queueCampaignEvents`).
    if (this.eventStarts > 0) await condition(() => this.eventStarts === 0);
    await this.startEvents(deliveryIds);
  }

  /**
   * The same, without waiting for the server to acknowledge the start (which can take seconds while
   * it is busy with the campaign's numbers): a control Update answers at once (SPEC §4.1, issue 10).
   */
  queueCampaignEvents(deliveryIds: string[]): void {
    if (deliveryIds.length === 0) return;
    this.eventStarts++;
    this.eventChain = this.eventChain
      .then(() => this.startEvents(deliveryIds))
      .catch((err: unknown) =>
        log.error('Campaign events could not be started', { campaignId: this.d.campaignId, error: String(err) }),
      )
      .finally(() => {
        this.eventStarts--;
        this.d.changed();
      });
  }

  private async startEvents(deliveryIds: string[]): Promise<void> {
    // An open child of this run like any other (a receiver that is down keeps it open up to 24 h).
    this.w.runOpen++;
    let handle;
    try {
      handle = await startChild(deliverWebhooksWorkflow, {
        workflowId: `${workflowInfo().workflowId}/webhooks/${deliveryIds[0]}`,
        args: [{ campaignId: this.d.campaignId, deliveryIds }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      this.w.childClosed();
      throw err;
    }
    void handle.result().then(this.closed, this.closed);
  }

  /** A child this run started has closed. */
  private readonly closed = () => {
    this.w.childClosed();
    this.d.changed();
  };

  /** Loads the next page into the buffer without holding up the loop. */
  private refill(): void {
    this.refilling = true;
    void store
      .loadNumberPage({
        campaignId: this.d.campaignId,
        fromPosition: this.loadedUpTo,
        limit: this.bufferCap - this.buffer.length,
      })
      .then((page) => {
        if (page.numbers.length === 0) this.exhausted = true;
        else {
          this.buffer.push(...page.numbers);
          this.loadedUpTo = page.numbers[page.numbers.length - 1]!.position + 1;
        }
      })
      .finally(() => {
        this.refilling = false;
        this.d.changed();
      });
  }

  /** Starts a number's first attempt; the loop goes on without waiting for the server's acknowledgement. */
  private startFirstAttempt(n: { position: number; number: string }): void {
    this.cursor = n.position + 1;
    this.started++;
    void this.startNumber(n.position, n.number, 1).then((ok) => {
      // Positions only move forward, so a number's first start never finds a namesake running.
      if (!ok)
        log.error('A first attempt found its number workflow already running', {
          position: n.position,
          campaignId: this.d.campaignId,
        });
    });
  }

  /** Starts one number workflow; false when one with its id is still running (a held number's previous run). */
  private async startNumber(position: number, number: string, firstAttempt: number): Promise<boolean> {
    const { campaignId, accountSid } = this.d;
    this.w.admit(position);
    const mainQueue = workflowInfo().taskQueue;
    // SPEC §4.1 (issue 10): numbers get a task queue of their own, so this campaign's control Update
    // and activities never queue behind its numbers' tasks. Histories from before start them here.
    const ownQueue = patched('10-numbers-own-queue');
    let handle;
    try {
      handle = await startChild(numberWorkflow, {
        workflowId: numberWorkflowId(campaignId, position),
        ...(ownQueue && { taskQueue: numberTaskQueue(mainQueue) }),
        args: [
          {
            campaignId,
            position,
            number,
            retries: this.d.retries(),
            parentWorkflowId: workflowInfo().workflowId,
            firstAttempt,
            ...(ownQueue && { mainTaskQueue: mainQueue }),
          },
        ],
        // Numbers outlive a continue-as-new of their campaign and report to its workflow id.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        ...(hasSearchAttributes() && {
          typedSearchAttributes: [
            { key: SA.accountSid, value: accountSid },
            { key: SA.campaignId, value: campaignId },
          ],
        }),
      });
    } catch (err) {
      this.w.startFailed(position);
      this.d.changed();
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw err;
    }
    this.w.started();
    // Room for the next start: the loop fills it (histories from before the bound never needed it).
    if (patched('10-bounded-child-starts')) this.d.changed();
    void handle.result().then(this.closed, this.closed);
    return true;
  }
}

/**
 * Outcall's search attributes are registered by the stack; a campaign started without them (the
 * time-skipping test server has none registered) skips the upserts. Decided from workflow info, so
 * replay takes the same path.
 */
function hasSearchAttributes(): boolean {
  return workflowInfo().typedSearchAttributes.get(SA.status) !== undefined;
}

/** Records the campaign's status as a search attribute (when the stack registered them). */
export function setStatusAttribute(status: string): void {
  if (hasSearchAttributes()) upsertSearchAttributes([{ key: SA.status, value: status }]);
}
