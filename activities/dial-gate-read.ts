/**
 * SPEC §4.5: reads one account's dial gate as it is now, for activities/dial-gate.ts to decide on: its row, the
 * leases it holds and the waiters that may dial (two statements, no lock).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { accountSendKey, campaignSendKey, epochMs, instant, num, STALE_STAGED_MS } from './send-spacer';
import {
  SPACER_LEAD_MS,
  WAITER_GRACE_MS,
  type GateAccount,
  type GateCampaign,
  type GateWaiter,
} from '../domain/throttle';
import type { AcquireDialSlotInput } from './dial-gate';

export const accountGateKey = (accountSid: string) => `account:${accountSid}`;
export const campaignGateKey = (campaignId: string) => `campaign:${campaignId}`;

export interface GateState {
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
export async function readGate(
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
      g.key is not null as c_exists, ${epochMs(sql`g.next_dial_at`)} as c_next_ms,
      ${epochMs(sql`g.last_grant_at`)} as c_last_ms, g.throttle as c_throttle
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
