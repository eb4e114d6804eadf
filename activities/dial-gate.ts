/**
 * SPEC §4.5: the durable dial gate and the send spacer, in PostgreSQL, exact across any number of
 * worker processes (docs/pacing.md).
 *
 * **Gate** (`acquireDialSlot`, run inside `beginAttempt`'s transaction, before the attempt row is
 * written). It locks the account's row of `dial_gates` (and the campaign's), records the caller as a
 * waiter in `dial_waiters`, and lets `planDial` (domain/throttle.ts) decide from the account's state
 * and its waiters:
 * * `granted`: a slot at most 2 s ahead (the number sleeps until it, then dials); the account's next
 *   slot moves on by 60/cpm s (and a custom campaign's by 60/throttle s), the caller's waiter row
 *   becomes the lease on a channel. A staged slot (every channel leased) the caller would get while a
 *   number ahead of it in its campaign's order waits goes to that number instead (its row becomes the lease; the caller's
 *   workflow wakes it to collect it), so a campaign's grants follow its order;
 * * `wait`: no channel, no slot within 2 s, or not the caller's turn; it comes back after `retryInMs`,
 *   half of its estimated turn (so a long queue does not poll the database every second).
 * `releaseDialSlot` (activities/dial-release.ts) gives the channel back inside the transaction that
 * settles the attempt.
 *
 * The gate's clock is the later of the database clock and the workflow's `nowMs`. In a deployment that
 * is the database clock: one clock for every process, and a real one (the workflow's time is that of
 * the task that scheduled the activity, seconds old under load, and by a different amount for each
 * caller). On the time-skipping test server the workflow's virtual time is ahead, and the gate follows
 * it. Waits and wake-ups leave the gate as durations, shortened by the lag the caller showed.
 *
 * **Spacer** (`activities/send-spacer.ts`, run by the dial activity just before the request) fixes the
 * instant each request leaves. The gate keeps the spacer's queue short (it reads how far ahead the
 * spacer is booked); the spacer makes the spacing exact.
 */
import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { dialGates, dialWaiters } from '../db/schema';
import { accountSendKey, campaignSendKey, EPOCH, epochMs, instant, num, STALE_STAGED_MS } from './send-spacer';
import { notifyGateWake } from './channel-wakeups';
import {
  dialIntervalMs,
  firstInCampaign,
  nextInLine,
  onlyRegisters,
  planDial,
  GRANT_HORIZON_MS,
  MAX_LAG_ALLOWANCE_MS,
  MIN_POLL_MS,
  PRESENT_WITHIN_MS,
  REGISTER_WAIT_MS,
  SPACER_LEAD_MS,
  WAITER_GRACE_MS,
  type DialPlan,
  type GateAccount,
  type GateCampaign,
  type GateWaiter,
} from '../domain/throttle';
import { sleepUntilTurnMs } from '../domain/gate-sleep';

export const accountGateKey = (accountSid: string) => `account:${accountSid}`;
export const campaignGateKey = (campaignId: string) => `campaign:${campaignId}`;

/** The waiter (then lease) id of one attempt of one number. */
export function waiterId(campaignId: string, position: number, attemptNumber: number): string {
  return `${campaignId}/${position}/${attemptNumber}`;
}

/** Waiters gone this long (a paused campaign, a terminated workflow) are deleted. */

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

interface GateState {
  account: GateAccount;
  accountRowExists: boolean;
  campaigns: Map<string, GateCampaign>;
  campaignRowExists: boolean;
  waiters: GateWaiter[];
}

/**
 * A lease still counted by the gate: sent, or granted less than `STALE_STAGED_MS` ago. One granted
 * that long ago and still unsent was never collected (its number did not come for it) or its dial gave
 * up; the spacer, which counts the channels at the send, no longer waits for it either.
 */
const notAbandoned = (l: SQL, nowMs: number) =>
  sql`(${l}.sent_at is not null or ${l}.granted_at >= ${instant(nowMs - STALE_STAGED_MS)})`;

/** One account's gate as it is now (two statements, no lock): its row, leases held, waiters that may dial. */
async function readGate(
  tx: DbOrTx,
  input: AcquireDialSlotInput,
  callerId: string,
  allowanceMs: number,
): Promise<GateState> {
  const aKey = accountGateKey(input.accountSid);
  const cutoff = instant(input.nowMs - input.leaseLimitMs);
  // How far ahead the send spacer is booked (a duration, on the database clock): a slot granted more
  // than SPACER_LEAD_MS sooner would only wait at the spacer, holding its channel.
  const booked = (
    key: string,
  ) => sql`(select greatest(0, extract(epoch from (s.next_dial_at - clock_timestamp())) * 1000)::float8
      from dial_gates s where s.key = ${key})`;
  const [acct] = await tx.execute<{
    exists: boolean;
    next_ms: number | null;
    hold_ms: number | null;
    live: number;
    a_booked: number | null;
    c_booked: number | null;
  }>(sql`
    select g.key is not null as exists, ${epochMs(sql`g.next_dial_at`)} as next_ms, g.hold_ms,
      (select count(*)::int from dial_waiters l
        where l.account_sid = ${input.accountSid} and l.granted_at is not null and l.granted_at >= ${cutoff}
          and ${notAbandoned(sql`l`, input.nowMs)}) as live,
      ${booked(accountSendKey(input.accountSid))} as a_booked, ${booked(campaignSendKey(input.campaignId))} as c_booked
    from (select 1) one left join dial_gates g on g.key = ${aKey}`);
  const aBooked = num(acct?.a_booked ?? 0) - SPACER_LEAD_MS - allowanceMs;
  const cBooked = input.campaignThrottle !== null ? num(acct?.c_booked ?? 0) - SPACER_LEAD_MS - allowanceMs : 0;
  // Waiters of campaigns that cannot dial now (paused, ending) are in nobody's way.
  const rows = await tx.execute<{
    id: string;
    campaign_id: string;
    position: number;
    is_retry: boolean;
    order_ms: number;
    due_ms: number;
    lapse_ms: number;
    c_exists: boolean;
    c_next_ms: number | null;
    c_last_ms: number | null;
    c_throttle: number | null;
  }>(sql`
    select w.id, w.campaign_id, w.position, w.is_retry, ${epochMs(sql`w.order_at`)} as order_ms,
      ${epochMs(sql`w.due_at`)} as due_ms, ${epochMs(sql`w.lapse_at`)} as lapse_ms,
      g.key is not null as c_exists, ${epochMs(sql`g.next_dial_at`)} as c_next_ms, ${epochMs(sql`g.last_grant_at`)} as c_last_ms, g.throttle as c_throttle
    from dial_waiters w
    join campaigns c on c.id = w.campaign_id
    left join dial_gates g on g.key = 'campaign:' || w.campaign_id
    where w.account_sid = ${input.accountSid} and w.granted_at is null and w.lapse_at >= ${instant(input.nowMs)}
      and c.status = 'InProgress' and c.closing is null`);
  const campaignMap = new Map<string, GateCampaign>();
  const waiters: GateWaiter[] = [];
  let campaignRowExists = false;
  for (const r of rows) {
    if (!campaignMap.has(r.campaign_id)) {
      campaignMap.set(r.campaign_id, {
        id: r.campaign_id,
        throttle: r.campaign_id === input.campaignId ? input.campaignThrottle : r.c_throttle,
        nextDialAtMs: r.c_next_ms === null ? 0 : num(r.c_next_ms),
        lastGrantAtMs: r.c_last_ms === null ? null : num(r.c_last_ms),
      });
    }
    if (r.campaign_id === input.campaignId) campaignRowExists ||= r.c_exists;
    waiters.push({
      id: r.id,
      campaignId: r.campaign_id,
      isRetry: r.is_retry,
      position: r.position,
      orderAtMs: num(r.order_ms),
      dueAtMs: num(r.due_ms),
      lapseAtMs: num(r.lapse_ms),
    });
  }
  if (!campaignMap.has(input.campaignId))
    campaignMap.set(input.campaignId, {
      id: input.campaignId,
      throttle: input.campaignThrottle,
      nextDialAtMs: 0,
      lastGrantAtMs: null,
    });
  if (cBooked > 0) {
    const own = campaignMap.get(input.campaignId)!;
    own.nextDialAtMs = Math.max(own.nextDialAtMs, input.nowMs + cBooked);
  }
  const me = waiters.find((w) => w.id === callerId);
  if (me) me.dueAtMs = input.nowMs;
  else {
    // The caller's own campaign was checked by beginAttempt; count it even if this read raced a pause.
    waiters.push({
      id: callerId,
      campaignId: input.campaignId,
      isRetry: input.attemptNumber > 1,
      position: input.position,
      orderAtMs: input.retryDueAtMs ?? input.nowMs,
      dueAtMs: input.nowMs,
      lapseAtMs: input.nowMs + WAITER_GRACE_MS,
    });
  }
  return {
    account: {
      callsPerMinute: input.callsPerMinute,
      channels: input.channels,
      live: num(acct?.live ?? 0),
      nextDialAtMs: Math.max(acct?.next_ms == null ? 0 : num(acct.next_ms), aBooked > 0 ? input.nowMs + aBooked : 0),
      holdMs: num(acct?.hold_ms ?? 0),
    },
    accountRowExists: Boolean(acct?.exists),
    campaigns: campaignMap,
    campaignRowExists,
    waiters,
  };
}

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
    values (${id}, ${input.accountSid}, ${input.campaignId}, ${input.position}, ${isRetry}, ${instant(input.retryDueAtMs ?? nowMs)},
      ${instant(nowMs)}, ${instant(nowMs + WAITER_GRACE_MS)})
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
    await tx.execute(
      sql`update dial_waiters set due_at = ${instant(due)}, lapse_at = ${instant(due + WAITER_GRACE_MS)} where id = ${id}`,
    );
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
    await tx.execute(sql`
      update dial_gates set
        next_dial_at = case when key = ${aKey} then ${instant(Math.ceil(g.accountNextMs))}
                            else ${g.campaignNextMs !== null ? instant(Math.ceil(g.campaignNextMs)) : sql`next_dial_at`} end,
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
      where id = (select id from dial_waiters where id = ${first.id} and granted_at is null for update skip locked) returning id`);
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
    where id = (select id from dial_waiters where id = ${next.id} and granted_at is null for update skip locked) returning id`);
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
