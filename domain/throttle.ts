/**
 * SPEC §4.5 pacing arithmetic, pure: the gate's model (`planDial`, `projectSlots`: who gets the next dial slot and
 * when, within `channels` and `GRANT_HORIZON_MS`) and the spacer's interval (`dialIntervalMs`). The two layers that use
 * it and the order they keep are in docs/pacing.md.
 */

/**
 * Every interval is stretched by this fraction so that what is left of the jitter between the
 * spacer's instant and the request on the wire (timer wake-up, HTTP) cannot push two dials closer
 * than the limit: at 2 %, 20 ms per second of dials and 1.2 s per minute are absorbed.
 */
export const PACING_GUARD = 0.02;
/**
 * A slot is granted at most this far ahead (plus the caller's own round-trip lag, up to
 * `MAX_LAG_ALLOWANCE_MS`): the dial then waits at the spacer for its instant.
 */
export const GRANT_HORIZON_MS = 2_000;
/** The most that a caller's observed lag (doubled: there and back) widens its horizon, presence and spacer lead. */
export const MAX_LAG_ALLOWANCE_MS = 10_000;
/**
 * Grants may run this far ahead of the send spacer's booking: enough that a granted dial reaches the
 * spacer before its instant despite the round trips in between (so the spacer, not latency, sets the
 * pace), and no more, so a channel is not held long before its call.
 */
export const SPACER_LEAD_MS = 1_000;
/** The shortest and longest time a waiting number is told to stay away. */
export const MIN_POLL_MS = 250;
export const MAX_POLL_MS = 60_000;
/** A waiter due back within this is counted as present when the next slots are handed out. */
export const PRESENT_WITHIN_MS = 1_000;
/** A waiter that has not come back this long after it was due is treated as gone. */
export const WAITER_GRACE_MS = 5_000;
/**
 * A first attempt's first request only registers it and waits this long, so that the numbers started
 * with it (a page of a campaign, held numbers restarted on resume) are all present before any of
 * them is served, and go in position order whichever reaches the gate first.
 */
export const REGISTER_WAIT_MS = 1_000;
/**
 * SPEC §4.5 counts a call as live from its dial *request*, so the gate may grant a few more slots than
 * there are channels: the extra dials are staged at the send spacer, which sends one the moment a call
 * settles (activities/send-spacer.ts counts the sent ones). The gate grants as many extra as channels
 * free up in this long: enough to cover a waiting number's round trip through Temporal, and no more,
 * so a staged dial rarely waits long.
 */
export const STAGE_LEAD_MS = 10_000;

/**
 * How many slots the gate may have granted and not yet settled: every channel, plus the calls the
 * channels settle in `STAGE_LEAD_MS` at the observed hold time (none before the first release), at
 * most twice the channels.
 */
export function leaseCap(channels: number, holdMs: number): number {
  const staged = holdMs > 0 ? Math.ceil((channels * STAGE_LEAD_MS) / holdMs) : 0;
  return channels + Math.min(channels, staged);
}

/** Milliseconds between two slots for a rate in calls per minute, guard included. */
export function dialIntervalMs(callsPerMinute: number): number {
  if (!(callsPerMinute > 0)) throw new RangeError(`calls per minute must be positive, got ${callsPerMinute}`);
  return (60_000 / callsPerMinute) * (1 + PACING_GUARD);
}

/** The most dials any one second may see when a rate is paced evenly: ⌈cpm / 60⌉. */
export function perSecondPeak(callsPerMinute: number): number {
  return Math.ceil(callsPerMinute / 60);
}

/** The earliest slot a caller can have: after the account's next slot, a custom campaign's, and now. */
export function nextSlotMs(nowMs: number, accountNextMs: number, campaignNextMs: number | null): number {
  return Math.max(nowMs, accountNextMs, campaignNextMs ?? Number.NEGATIVE_INFINITY);
}

/**
 * SPEC §7: a call is live at most `ring_timeout_s + call_time_limit_s` after its dial, and lookups
 * that do not find a call give its channel back at once (after 30 minutes of them it is settled). A
 * lease older than the call's longest life plus those 30 minutes (and 5 more) belongs to an attempt
 * that can no longer settle (its workflow was terminated by hand) and gives its channel back.
 */
export function leaseLimitMs(ringTimeoutS: number, callTimeLimitS: number): number {
  return (ringTimeoutS + callTimeLimitS) * 1000 + 35 * 60_000;
}

/** SPEC §4.5: what custom campaigns leave of an account's rate for its auto campaigns. */
export function autoHeadroom(callsPerMinute: number, customThrottles: readonly number[]): number {
  return Math.max(0, callsPerMinute - customThrottles.reduce((a, b) => a + b, 0));
}

/**
 * Work-conserving equal split (water filling): each claimant gets an equal share of `capacity`, but
 * never more than it can use (`caps`, Infinity when unbounded); what one cannot use goes to the rest.
 * This is the rate the gate's round robin converges to; used by tests and the benchmark.
 */
export function fairShares(capacity: number, caps: readonly number[]): number[] {
  const shares = caps.map(() => 0);
  let left = capacity;
  let open = caps.map((_, i) => i).filter((i) => caps[i]! > 0);
  while (left > 1e-9 && open.length > 0) {
    const each = left / open.length;
    const still: number[] = [];
    for (const i of open) {
      const give = Math.min(each, caps[i]! - shares[i]!);
      shares[i]! += give;
      left -= give;
      if (caps[i]! - shares[i]! > 1e-9) still.push(i);
    }
    if (still.length === open.length) break; // everyone took a full share: nothing left to move
    open = still;
  }
  return shares;
}

export interface GateAccount {
  callsPerMinute: number;
  channels: number;
  /** Slots held now (granted, not yet settled). */
  live: number;
  nextDialAtMs: number;
  /** Smoothed time a slot is held (grant to settle); 0 until the first release. */
  holdMs: number;
}

export interface GateCampaign {
  id: string;
  /** Calls per minute of a custom campaign; null for auto. */
  throttle: number | null;
  /** The campaign's own next slot (custom campaigns only matter). */
  nextDialAtMs: number;
  /** When the campaign was last granted a slot (the round robin between auto campaigns). */
  lastGrantAtMs: number | null;
}

export interface GateWaiter {
  id: string;
  campaignId: string;
  isRetry: boolean;
  position: number;
  /** The order among retries: when the retry fell due (for first attempts, when it registered). */
  orderAtMs: number;
  /** When it is expected to ask again (now, for the caller). */
  dueAtMs: number;
  /** After this it is treated as gone, whatever its place. */
  lapseAtMs: number;
}

/** Inside a campaign: retries first (the one due longest ago first), then first attempts by position. */
export function compareWaiters(a: GateWaiter, b: GateWaiter): number {
  if (a.isRetry !== b.isRetry) return a.isRetry ? -1 : 1;
  if (a.isRetry) return a.orderAtMs - b.orderAtMs || a.position - b.position || cmp(a.id, b.id);
  return a.position - b.position || a.orderAtMs - b.orderAtMs || cmp(a.id, b.id);
}

/**
 * SPEC §4.5 `from` order: the waiter of `campaignId` that comes first in the campaign's order, present
 * or not. A slot the gate would grant to a later one of the campaign goes to this one instead (it is
 * woken to collect it), so a campaign's grants, and with them its dials, follow its order.
 */
export function firstInCampaign(waiters: readonly GateWaiter[], campaignId: string): GateWaiter | null {
  let first: GateWaiter | null = null;
  for (const w of waiters) if (w.campaignId === campaignId && (!first || compareWaiters(w, first) < 0)) first = w;
  return first;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface ProjectedSlot {
  id: string;
  campaignId: string;
  atMs: number;
}

/**
 * The order in which the given waiters would be served if every one of them were there: slots from
 * `firstSlotMs` on, `gapMs` apart; each goes to a custom campaign whose own next slot has come
 * (earliest first), else to the auto campaign served longest ago. Custom campaigns whose slot has not
 * come leave the account slot to others; when only such campaigns wait, time jumps to their slot.
 * Stops after `stopAtId` when given.
 */
export function projectSlots(x: {
  firstSlotMs: number;
  gapMs: number;
  campaigns: ReadonlyMap<string, GateCampaign>;
  waiters: readonly GateWaiter[];
  stopAtId?: string;
}): ProjectedSlot[] {
  interface Lane {
    id: string;
    intervalMs: number | null;
    nextMs: number;
    lastMs: number;
    queue: GateWaiter[];
    head: number;
  }
  const lanes = new Map<string, Lane>();
  for (const w of x.waiters) {
    let lane = lanes.get(w.campaignId);
    if (!lane) {
      const c = x.campaigns.get(w.campaignId);
      const throttle = c?.throttle ?? null;
      lane = {
        id: w.campaignId,
        intervalMs: throttle !== null ? dialIntervalMs(throttle) : null,
        nextMs: throttle !== null ? (c?.nextDialAtMs ?? Number.NEGATIVE_INFINITY) : Number.NEGATIVE_INFINITY,
        lastMs: c?.lastGrantAtMs ?? Number.NEGATIVE_INFINITY,
        queue: [],
        head: 0,
      };
      lanes.set(w.campaignId, lane);
    }
    lane.queue.push(w);
  }
  for (const lane of lanes.values()) lane.queue.sort(compareWaiters);

  const earlier = (a: Lane, b: Lane) => a.lastMs < b.lastMs || (a.lastMs === b.lastMs && a.id < b.id);
  const out: ProjectedSlot[] = [];
  let t = x.firstSlotMs;
  let open = [...lanes.values()];
  while (open.length > 0) {
    let pick: Lane | null = null;
    for (const l of open) {
      if (l.intervalMs === null || l.nextMs > t) continue;
      if (!pick || l.nextMs < pick.nextMs || (l.nextMs === pick.nextMs && earlier(l, pick))) pick = l;
    }
    if (!pick) {
      for (const l of open) {
        if (l.intervalMs !== null) continue;
        if (!pick || earlier(l, pick)) pick = l;
      }
    }
    if (!pick) {
      // Only custom campaigns wait, none due yet: the next slot is the earliest of theirs.
      t = Math.max(t, Math.min(...open.map((l) => l.nextMs)));
      continue;
    }
    const w = pick.queue[pick.head++]!;
    out.push({ id: w.id, campaignId: w.campaignId, atMs: t });
    pick.lastMs = t;
    if (pick.intervalMs !== null) pick.nextMs = t + pick.intervalMs;
    if (pick.head >= pick.queue.length) open = open.filter((l) => l !== pick);
    if (w.id === x.stopAtId) break;
    t += x.gapMs;
  }
  return out;
}

export type DialPlan =
  | { kind: 'granted'; atMs: number; accountNextMs: number; campaignNextMs: number | null }
  | {
      kind: 'wait';
      retryInMs: number;
      reason: 'channels' | 'pacing' | 'turn' | 'register';
      /** How far off the caller's turn is estimated to be (unhalved; `retryInMs` is the poll). */
      turnInMs?: number;
    };

/**
 * How long to stay away when the turn is expected `untilMs` from now: half of it, so a waiter whose
 * turn comes sooner than estimated (a campaign paused, a queue ahead that emptied) is back in time,
 * at the cost of about log2(wait / MIN_POLL_MS) polls for the whole wait.
 */
export function pollAfterMs(untilMs: number): number {
  return Math.round(Math.min(MAX_POLL_MS, Math.max(MIN_POLL_MS, untilMs / 2)));
}

/**
 * The gate's decision for one caller, from the account's state read under its row lock.
 * `waiters` are the account's waiters (not yet granted) of campaigns that may dial, the caller
 * included; `callerIsNew` says the caller's ticket was created by this very request.
 */
/** A first attempt's first request only registers it (REGISTER_WAIT_MS); a retry has its place already. */
export function onlyRegisters(callerIsNew: boolean, isRetry: boolean): boolean {
  return callerIsNew && !isRetry;
}

export function planDial(x: {
  nowMs: number;
  account: GateAccount;
  campaigns: ReadonlyMap<string, GateCampaign>;
  waiters: readonly GateWaiter[];
  callerId: string;
  callerIsNew: boolean;
  /**
   * How far ahead the caller may be granted: GRANT_HORIZON_MS plus its round-trip lag, so that under
   * load the slots are handed out early enough for the dials to reach the spacer in time.
   */
  horizonMs?: number;
  /** Waiters due back within this count as present: PRESENT_WITHIN_MS plus the caller's lag. */
  presentWithinMs?: number;
}): DialPlan {
  const horizon = x.horizonMs ?? GRANT_HORIZON_MS;
  const presentWithin = x.presentWithinMs ?? PRESENT_WITHIN_MS;
  const { nowMs: now, account } = x;
  const caller = x.waiters.find((w) => w.id === x.callerId);
  if (!caller) throw new Error(`planDial: the caller ${x.callerId} must be among the waiters`);
  if (onlyRegisters(x.callerIsNew, caller.isRetry))
    return { kind: 'wait', retryInMs: REGISTER_WAIT_MS, reason: 'register' };
  const waiters = x.waiters.filter((w) => w.id === x.callerId || w.lapseAtMs >= now);
  const campaign = x.campaigns.get(caller.campaignId);
  const ia = dialIntervalMs(account.callsPerMinute);
  const ic = campaign?.throttle != null ? dialIntervalMs(campaign.throttle) : null;
  const slot = nextSlotMs(now, account.nextDialAtMs, ic !== null ? campaign!.nextDialAtMs : null);
  const granted: DialPlan = {
    kind: 'granted',
    atMs: slot,
    accountNextMs: slot + ia,
    campaignNextMs: ic !== null ? slot + ic : null,
  };

  // When is the caller's turn if everyone waiting turns up? Slots come as fast as the rate or as
  // channels free up (held time / channels), whichever is slower.
  const gapMs = Math.max(ia, account.holdMs / Math.max(1, account.channels));
  const firstSlotMs = Math.max(now, account.nextDialAtMs);
  const all = projectSlots({ firstSlotMs, gapMs, campaigns: x.campaigns, waiters, stopAtId: x.callerId });
  const turnAt = Math.max(all.find((s) => s.id === x.callerId)?.atMs ?? slot, slot);
  const turnWait = pollAfterMs(turnAt - now);

  const cap = leaseCap(account.channels, account.holdMs);
  const turnInMs = Math.max(0, turnAt - now);
  if (account.live >= cap) return { kind: 'wait', retryInMs: turnWait, reason: 'channels', turnInMs };
  if (slot - now > horizon) return { kind: 'wait', retryInMs: turnWait, reason: 'pacing', turnInMs };

  // Among those here now, is it the caller's turn? Only present waiters ahead of it count, and only as
  // many as there are slots (within the horizon) and channels to hand out.
  const present = waiters.filter((w) => w.id === x.callerId || w.dueAtMs <= now + presentWithin);
  const order = projectSlots({
    firstSlotMs,
    gapMs: ia,
    campaigns: x.campaigns,
    waiters: present,
    stopAtId: x.callerId,
  });
  const mine = order.findIndex((s) => s.id === x.callerId);
  const atMs = order[mine]?.atMs ?? slot;
  // While a channel is free, a grant takes it at once (at most as many as are free); only once every
  // channel is leased does the gate stage grants (up to the cap), so a staged grant never goes out
  // through a free channel ahead of a present waiter that was ahead of it in line.
  const free = account.channels - account.live;
  if (mine < (free > 0 ? free : cap - account.live) && atMs - now <= horizon) return granted;
  return { kind: 'wait', retryInMs: turnWait, reason: 'turn', turnInMs };
}

/**
 * Baton passing: after a grant, the waiter whose turn comes next (all waiters counted, present or
 * not) and when it should ask (half the horizon before its slot), so the number just granted can wake
 * it instead of leaving its return to an estimate. Null when nobody waits.
 */
export function nextInLine(x: {
  nowMs: number;
  account: GateAccount;
  campaigns: ReadonlyMap<string, GateCampaign>;
  waiters: readonly GateWaiter[];
}): { id: string; campaignId: string; position: number; askAtMs: number } | null {
  const waiters = x.waiters.filter((w) => w.lapseAtMs >= x.nowMs);
  // With every channel held, the next turn comes with a release, which wakes its own waiter.
  if (waiters.length === 0 || x.account.live >= leaseCap(x.account.channels, x.account.holdMs)) return null;
  const gapMs = Math.max(dialIntervalMs(x.account.callsPerMinute), x.account.holdMs / Math.max(1, x.account.channels));
  const [first] = projectSlots({
    firstSlotMs: Math.max(x.nowMs, x.account.nextDialAtMs),
    gapMs,
    campaigns: x.campaigns,
    waiters,
  });
  if (!first) return null;
  // A waiter already due back before then needs no wake-up.
  const w = waiters.find((v) => v.id === first.id)!;
  const askAtMs = Math.max(x.nowMs, Math.round(first.atMs - GRANT_HORIZON_MS / 2));
  return w.dueAtMs <= askAtMs ? null : { id: first.id, campaignId: first.campaignId, position: w.position, askAtMs };
}

/** Smoothed hold time after one more release (exponential moving average, weight 1/5). */
export function nextHoldMs(previousMs: number, heldMs: number): number {
  const sample = Math.max(0, heldMs);
  return previousMs > 0 ? previousMs * 0.8 + sample * 0.2 : sample;
}
