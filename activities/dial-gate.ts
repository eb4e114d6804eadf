/**
 * SPEC §4.5: the durable dial gate (`acquireDialSlot`, inside `beginAttempt`'s transaction), exact across any number
 * of worker processes; its state is read by activities/dial-gate-read.ts, its decision is domain/throttle.ts's
 * `planDial`, the send instant is activities/send-spacer.ts's. docs/pacing.md explains it in full.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { dialGates } from '../db/schema';
import { EPOCH, epochMs, instant, num } from './send-spacer';
import { notifyGateWake } from './channel-wakeups';
import {
  firstInCampaign,
  nextInLine,
  onlyRegisters,
  planDial,
  GRANT_HORIZON_MS,
  MAX_LAG_ALLOWANCE_MS,
  MIN_POLL_MS,
  PRESENT_WITHIN_MS,
  REGISTER_WAIT_MS,
  WAITER_GRACE_MS,
  type DialPlan,
} from '../domain/throttle';
import { sleepUntilTurnMs } from '../domain/gate-sleep';
import { accountGateKey, campaignGateKey, readGate, type GateState } from './dial-gate-read';

export { accountGateKey, campaignGateKey } from './dial-gate-read';

/** The waiter (then lease) id of one attempt of one number. */
export function waiterId(campaignId: string, position: number, attemptNumber: number): string {
  return `${campaignId}/${position}/${attemptNumber}`;
}

export interface AcquireDialSlotInput {
  accountSid: string;
  campaignId: string;
  position: number;
  attemptNumber: number;
  /** When a retry fell due (its place among retries); null for a first attempt. */
  retryDueAtMs: number | null;
  callsPerMinute: number;
  channels: number;
  /** A custom campaign's `throttle` (calls per minute); null for auto campaigns. */
  campaignThrottle: number | null;
  /** A lease older than this no longer counts (`leaseLimitMs`: its attempt can no longer be live). */
  leaseLimitMs: number;
  /** The workflow's clock (the gate takes the database clock when it is later). */
  nowMs: number;
  /**
   * Issue 10 (waiting costs nothing): a wait longer than this is not polled but slept in the workflow,
   * to just before the estimated turn, or until a release wakes it (`sleepUntilTurnMs`); `long` says so.
   * Unset: every wait is a poll of half the estimated turn.
   */
  sleepIfLongerThanMs?: number;
}

/** A waiter to wake (baton passing): the number at `position` of `campaignId` should ask in `askInMs`. */
export interface GateWake {
  campaignId: string;
  position: number;
  askInMs: number;
}

/**
 * `wake`: the next in line, to ask at its turn (baton passing). `wakes`: numbers of the caller's
 * campaign ahead of it in order that were granted a slot in its place; they are woken to collect it.
 */
export type AcquireDialSlotOutput =
  | { kind: 'granted'; atMs: number; wake?: GateWake; wakes?: GateWake[] }
  | {
      kind: 'wait';
      retryInMs: number;
      reason: Extract<DialPlan, { kind: 'wait' }>['reason'];
      wakes?: GateWake[];
      /** The wait is a sleep in the workflow (`sleepIfLongerThanMs`), not a poll. */
      long?: true;
    };

/** At most this many slots are handed on to numbers ahead of the caller in one request. */
const MAX_HANDED_ON_PER_ASK = 8;

/**
 * Asks for a dial slot (SPEC §4.5) inside the caller's transaction. Idempotent per attempt: a caller
 * that already holds the lease gets its slot again.
 *
 * Most requests are told to wait; they decide from a snapshot without any lock and write only their
 * own row. A request the snapshot would grant takes the account's (and campaign's) gate rows `FOR
 * UPDATE` and decides again on what is committed then, so grants are serialised per account and the
 * limits hold across every worker process.
 */
export async function acquireDialSlot(tx: DbOrTx, request: AcquireDialSlotInput): Promise<AcquireDialSlotOutput> {
  let input = request;
  const aKey = accountGateKey(input.accountSid);
  const cKey = campaignGateKey(input.campaignId);
  const id = waiterId(input.campaignId, input.position, input.attemptNumber);
  const isRetry = input.attemptNumber > 1;
  const [clock] = await tx.execute<{ ms: number }>(sql`select ${epochMs(sql`clock_timestamp()`)} as ms`);
  const nowMs = Math.max(input.nowMs, num(clock?.ms ?? 0));
  // How late this request is on the workflow's time: the number's next request will be about as late.
  const lagMs = Math.min(MAX_LAG_ALLOWANCE_MS, Math.max(0, nowMs - input.nowMs));
  input = { ...input, nowMs };

  // The caller's own row: created on its first request, refreshed on every other.
  const [own] = await tx.execute<{ granted_ms: number | null; inserted: boolean }>(sql`
    insert into dial_waiters (id, account_sid, campaign_id, position, is_retry, order_at, due_at, lapse_at)
    values (${id}, ${input.accountSid}, ${input.campaignId}, ${input.position}, ${isRetry},
      ${instant(input.retryDueAtMs ?? nowMs)}, ${instant(nowMs)}, ${instant(nowMs + WAITER_GRACE_MS)})
    on conflict (id) do update set
      due_at = case when dial_waiters.granted_at is null then excluded.due_at else dial_waiters.due_at end,
      lapse_at = case when dial_waiters.granted_at is null then excluded.lapse_at else dial_waiters.lapse_at end
    returning ${epochMs(sql`granted_at`)} as granted_ms, (xmax = 0) as inserted`);
  if (own?.granted_ms != null) return { kind: 'granted', atMs: num(own.granted_ms) };

  const wait = async (
    p: Extract<DialPlan, { kind: 'wait' }>,
    wakes: GateWake[] = [],
  ): Promise<AcquireDialSlotOutput> => {
    const long =
      input.sleepIfLongerThanMs !== undefined && p.reason !== 'register' && p.retryInMs > input.sleepIfLongerThanMs;
    const awayMs = long ? sleepUntilTurnMs(p) : p.retryInMs;
    // Expected back at `due` (on the gate's clock); told to sleep less by the lag it showed.
    const due = nowMs + awayMs;
    await tx.execute(sql`update dial_waiters
      set due_at = ${instant(due)}, lapse_at = ${instant(due + WAITER_GRACE_MS)} where id = ${id}`);
    // A lost "wait" costs nothing (the number asks again), so its commit need not wait for the disk;
    // a wait that handed the caller's slot to another number carries a grant, and does.
    if (wakes.length === 0) await tx.execute(sql`set local synchronous_commit = off`);
    const retryInMs = p.reason === 'register' ? p.retryInMs : Math.max(MIN_POLL_MS, awayMs - lagMs);
    return {
      kind: 'wait',
      retryInMs,
      reason: p.reason,
      ...(wakes.length > 0 && { wakes }),
      ...(long && { long: true as const }),
    };
  };
  if (onlyRegisters(Boolean(own?.inserted), isRetry))
    return wait({ kind: 'wait', retryInMs: REGISTER_WAIT_MS, reason: 'register' });

  // The lag covers the way from the workflow to the gate; a grant's way back to the spacer takes about
  // as long again: horizon, presence and spacer lead widen by twice the lag (capped).
  const allowanceMs = Math.min(MAX_LAG_ALLOWANCE_MS, 2 * lagMs);
  let state = await readGate(tx, input, id, allowanceMs);
  const horizonMs = GRANT_HORIZON_MS + allowanceMs;
  // Under load a waiter due back now arrives a round trip late: horizon and presence widen by the lag.
  const plan = (st: GateState) =>
    planDial({
      nowMs,
      account: st.account,
      campaigns: st.campaigns,
      waiters: st.waiters,
      callerId: id,
      callerIsNew: false,
      horizonMs,
      presentWithinMs: PRESENT_WITHIN_MS + allowanceMs,
    });
  let p = plan(state);
  if (p.kind === 'wait') return wait(p);

  // Granted on the snapshot: lock the gate rows (account first, then campaign: 'account:' < 'campaign:')
  // and decide again on the latest committed state.
  if (!state.accountRowExists || !state.campaignRowExists) {
    await tx
      .insert(dialGates)
      .values([
        { key: aKey, nextDialAt: EPOCH },
        { key: cKey, nextDialAt: EPOCH, throttle: input.campaignThrottle },
      ])
      .onConflictDoNothing();
  }
  await tx.execute(sql`select key from dial_gates where key in (${aKey}, ${cKey}) order by key for update`);
  state = await readGate(tx, input, id, allowanceMs);
  p = plan(state);
  if (p.kind === 'wait') return wait(p);

  // SPEC §4.5 `from` order: once every channel is leased, a staged slot goes to the campaign's first
  // waiter in line, present or not (it is woken to collect it), so the campaign's staged dials reach
  // the spacer in its order and none waits there for one granted later. The caller is granted once it
  // is the first; each slot handed on moves the account's (and campaign's) next slot on, as the
  // caller's own grant would. A free channel still goes at once to the first in line among those
  // present: handing it to one asleep would leave it idle for that number's round trip.
  const wakes: GateWake[] = [];
  let last: Extract<DialPlan, { kind: 'granted' }> | null = null;
  const moveGate = async (g: Extract<DialPlan, { kind: 'granted' }>) => {
    // Stored instants have millisecond precision: round the next slots up, never down.
    const campaignNext = g.campaignNextMs !== null ? instant(Math.ceil(g.campaignNextMs)) : sql`next_dial_at`;
    await tx.execute(sql`
      update dial_gates set
        next_dial_at = case when key = ${aKey} then ${instant(Math.ceil(g.accountNextMs))} else ${campaignNext} end,
        last_grant_at = case when key = ${cKey} then ${instant(g.atMs)} else last_grant_at end,
        throttle = case when key = ${cKey} then ${input.campaignThrottle} else throttle end
      where key in (${aKey}, ${cKey})`);
  };
  for (;;) {
    if (state.account.live < state.account.channels) break;
    const first = firstInCampaign(state.waiters, input.campaignId);
    if (!first || first.id === id) break;
    if (wakes.length >= MAX_HANDED_ON_PER_ASK) {
      if (last) await moveGate(last);
      return wait({ kind: 'wait', retryInMs: MIN_POLL_MS, reason: 'turn' }, wakes);
    }
    const [handed] = await tx.execute<{ id: string }>(sql`
      update dial_waiters set granted_at = ${instant(p.atMs)}, due_at = ${instant(p.atMs)}
      where id = (select id from dial_waiters where id = ${first.id} and granted_at is null for update skip locked)
      returning id`);
    if (handed) {
      wakes.push({ campaignId: first.campaignId, position: first.position, askInMs: 0 });
      await notifyGateWake(tx, { campaignId: first.campaignId, position: first.position, askInMs: 0 });
      last = p;
      state = afterGrant(state, first.id, p, input.campaignId);
    } else {
      // Its row is locked: it is asking right now (its transaction upserts the row before it waits
      // for the gate rows this one holds) and takes its own slot next, the one after the caller's.
      // The caller goes on only if the channels leave room for both.
      state = {
        ...state,
        account: { ...state.account, live: state.account.live + 1 },
        waiters: state.waiters.filter((w) => w.id !== first.id),
      };
    }
    p = plan(state);
    if (p.kind === 'wait') {
      if (last) await moveGate(last);
      return wait(p, wakes);
    }
  }

  const at = instant(p.atMs);
  await tx.execute(sql`update dial_waiters set granted_at = ${at}, due_at = ${at} where id = ${id}`);
  await moveGate(p);
  const granted = { kind: 'granted' as const, atMs: p.atMs, ...(wakes.length > 0 && { wakes }) };

  const next = nextInLine({ nowMs, ...afterGrant(state, id, p, input.campaignId) });
  if (!next) return granted;
  // The woken waiter counts as present from now on, so nobody takes its turn meanwhile.
  // A waiter whose row is locked is asking right now (its own transaction upserts the row before it
  // waits for the gate rows this one holds): skip it rather than wait, which could deadlock.
  const [woken] = await tx.execute<{ id: string }>(sql`
    update dial_waiters set due_at = ${instant(next.askAtMs)}, lapse_at = ${instant(next.askAtMs + WAITER_GRACE_MS)}
    where id = (select id from dial_waiters where id = ${next.id} and granted_at is null for update skip locked)
    returning id`);
  if (!woken) return granted;
  const wake = {
    campaignId: next.campaignId,
    position: next.position,
    askInMs: Math.max(0, next.askAtMs - nowMs - lagMs),
  };
  await notifyGateWake(tx, wake);
  return { ...granted, wake };
}

/** The gate's state once `grantedId` holds the slot `p` of `campaignId`. */
function afterGrant(
  st: GateState,
  grantedId: string,
  p: Extract<DialPlan, { kind: 'granted' }>,
  campaignId: string,
): GateState {
  const c = st.campaigns.get(campaignId)!;
  return {
    ...st,
    account: { ...st.account, live: st.account.live + 1, nextDialAtMs: p.accountNextMs },
    campaigns: new Map([
      ...st.campaigns,
      [
        campaignId,
        { ...c, lastGrantAtMs: p.atMs, ...(p.campaignNextMs !== null && { nextDialAtMs: p.campaignNextMs }) },
      ],
    ]),
    waiters: st.waiters.filter((w) => w.id !== grantedId),
  };
}
