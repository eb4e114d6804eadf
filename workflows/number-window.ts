/**
 * The campaign's window of numbers (ARCHITECTURE "sliding window"), as pure bookkeeping: positions holding a dialling
 * slot, numbers asleep until a retry or awake for one, numbers a pause handed back, children this run has open. Bounded
 * whatever the campaign's size; why a sleeping number leaves its slot is in docs/architecture.md.
 */

/** What a run hands the next one. */
export interface WindowCarry {
  /** Positions holding a slot: started by a run, not final, not sleeping, not handed back. */
  live: number[];
  /** Numbers sleeping until a retry is due (their timers run in their own workflows). */
  sleeping: number;
  /** Numbers awake again for a retry; they hold a slot without a position here. */
  retrying: number;
  /** Numbers handed back by a pause whose rows the campaign has not claimed yet. */
  held: number;
  /** Claimed held numbers not yet restarted, as [position, attempt, number] (≤ one claim page). */
  restarts: Array<[number, number, string]>;
  /** Numbers done dialling that still deliver their webhook events (absent in carries from before). */
  delivering?: number[];
}

/** What a signal did to the window: `stray` when it matched nothing this window knows (logged). */
export type WindowEvent = 'ok' | 'stray';

/** Seconds of dialling a window keeps in hand beyond the calls that can be live. */
const LOOKAHEAD_S = 15;

/**
 * How many numbers are worth keeping live (SPEC §4.5): at most `channels` calls can be live and the
 * campaign dials at most `throttle` (or the account's `calls_per_minute`) a minute, so beyond the
 * channels and some seconds of dialling in hand a live number only waits at the dial gate, asking
 * again and again. A slow account with a 500-slot window would otherwise keep 500 numbers polling.
 */
export function usefulLiveNumbers(p: { callsPerMinute: number; channels: number; throttle: number | null }): number {
  const perSecond = Math.min(p.callsPerMinute, p.throttle ?? p.callsPerMinute) / 60;
  return p.channels + Math.ceil(perSecond * LOOKAHEAD_S) + 10;
}

export class NumberWindow {
  readonly live: Set<number>;
  sleeping: number;
  retrying: number;
  held: number;
  restarts: Array<[number, number, string]>;
  /** Numbers done dialling that still deliver their webhook events: open, holding no slot (issue 10). */
  readonly delivering: Set<number>;
  /** Children started by this run whose close this run has not seen (numbers and webhook deliveries). */
  runOpen = 0;
  /** Child starts issued and not yet acknowledged by the server. */
  starting = 0;

  /** The live numbers the account's pacing can use (`usefulLiveNumbers`), when known. */
  private pacingCap = Infinity;

  constructor(
    private readonly configuredMaxLive: number,
    /** Children one run may have open (under Temporal's per-run pending-children limit). */
    readonly maxRunChildren: number,
    carry?: WindowCarry,
  ) {
    this.live = new Set(carry?.live ?? []);
    this.sleeping = carry?.sleeping ?? 0;
    this.retrying = carry?.retrying ?? 0;
    this.held = carry?.held ?? 0;
    this.restarts = [...(carry?.restarts ?? [])];
    this.delivering = new Set(carry?.delivering ?? []);
  }

  /** How many numbers may hold a slot: the configured window, or fewer when the pacing cannot use more. */
  get maxLive(): number {
    return Math.max(1, Math.min(this.configuredMaxLive, this.pacingCap));
  }

  /** Narrows (or widens back) the window to what the account's pacing can use. */
  limitTo(useful: number | null): void {
    this.pacingCap = useful ?? Infinity;
  }

  /** Slots in use: live positions and retries that are awake. */
  get busySlots(): number {
    return this.live.size + this.retrying;
  }

  /** How many numbers may start now: free slots, and room under this run's open-children bound. */
  free(): number {
    return Math.max(0, Math.min(this.maxLive - this.busySlots, this.maxRunChildren - this.runOpen));
  }

  /** True when a slot is free but this run has too many open children: a new run would have room. */
  blockedByRun(): boolean {
    return this.busySlots < this.maxLive && this.runOpen >= this.maxRunChildren;
  }

  /** A number's workflow is being started at `position` (first attempt or a held restart). */
  admit(position: number): void {
    this.live.add(position);
    this.runOpen++;
    this.starting++;
  }

  /** The server acknowledged the start. */
  started(): void {
    this.starting--;
  }

  /** The start was refused (a held number's previous run has not closed yet): the slot is free again. */
  startFailed(position: number): void {
    this.starting--;
    this.runOpen--;
    this.live.delete(position);
  }

  /** A child this run started has closed (whatever its result). */
  childClosed(): void {
    this.runOpen--;
  }

  /** A number goes to sleep until its retry is due: it gives its slot back. */
  onSleeping(position: number): WindowEvent {
    if (!this.live.delete(position)) {
      if (this.retrying === 0) return 'stray';
      this.retrying--; // a retry that needs another
    }
    this.sleeping++;
    return 'ok';
  }

  /** A sleeping number woke for its retry: it takes a slot again. */
  onAwake(): WindowEvent {
    if (this.sleeping === 0) return 'stray';
    this.sleeping--;
    this.retrying++;
    return 'ok';
  }

  /** A number is done dialling and delivers its webhook events: it gives its slot back. */
  onDelivering(position: number): WindowEvent {
    if (!this.live.delete(position)) {
      if (this.retrying === 0) return 'stray';
      this.retrying--;
    }
    this.delivering.add(position);
    return 'ok';
  }

  /** A number stopped: final, or handed back because the campaign is paused (`held`). */
  onStopped(position: number, held: boolean): WindowEvent {
    if (this.delivering.delete(position)) return 'ok';
    if (!this.live.delete(position)) {
      if (this.retrying === 0) return 'stray';
      this.retrying--;
    }
    if (held) this.held++;
    return 'ok';
  }

  /** No number of this campaign is running, sleeping or waiting to be restarted. */
  idle(): boolean {
    return (
      this.live.size === 0 &&
      this.sleeping === 0 &&
      this.retrying === 0 &&
      this.held === 0 &&
      this.restarts.length === 0 &&
      this.delivering.size === 0
    );
  }

  carry(): WindowCarry {
    return {
      live: [...this.live],
      sleeping: this.sleeping,
      retrying: this.retrying,
      held: this.held,
      restarts: [...this.restarts],
      ...(this.delivering.size > 0 && { delivering: [...this.delivering] }),
    };
  }
}
