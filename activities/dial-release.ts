/**
 * SPEC §4.5: giving a dial slot back — a staged lease turned back into a waiter, a waiter that will
 * not dial now forgotten, a channel released when its attempt settles — each inside the caller's
 * transaction. The gate that hands slots out is activities/dial-gate.ts.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { WAITER_GRACE_MS } from '../domain/throttle';
import { notifyChannelFreed, notifyGateWake } from './channel-wakeups';
import { accountGateKey, waiterId, type GateWake } from './dial-gate';
import { epochMs, instant, num } from './send-spacer';

/** Waiters that have not asked for this long are forgotten. */
const FORGET_WAITERS_AFTER_MS = 10 * 60_000;

/**
 * Turns a staged lease back into a waiter (its dial was withdrawn unsent: the campaign stopped dialling,
 * or no channel came free in time), keeping its place in line (`order_at`). Inside the withdrawing
 * transaction.
 */
export async function returnLease(tx: DbOrTx, input: { accountSid: string; id: string }): Promise<void> {
  await tx.execute(sql`
    update dial_waiters set granted_at = null, sent_at = null, due_at = clock_timestamp(),
      lapse_at = clock_timestamp() + ${WAITER_GRACE_MS} * interval '1 millisecond'
    where id = ${input.id}`);
  await notifyChannelFreed(tx, input.accountSid);
}

/**
 * Forgets an attempt's waiter that will not dial now (its campaign is paused or ending, its window
 * closed), with a slot handed to it in order and not yet collected: no attempt row holds it, so it
 * was never sent. Freeing such a slot tells the staged dials behind it.
 */
export async function dropWaiter(
  tx: DbOrTx,
  t: { accountSid: string; campaignId: string; position: number; attemptNumber: number },
): Promise<void> {
  const id = waiterId(t.campaignId, t.position, t.attemptNumber);
  const [gone] = await tx.execute<{ granted: boolean }>(sql`
    delete from dial_waiters w where w.id = ${id} and w.sent_at is null
      and not exists (select 1 from attempts a
        where a.campaign_id = ${t.campaignId} and a.position = ${t.position} and a.attempt_number = ${t.attemptNumber})
    returning w.granted_at is not null as granted`);
  if (gone?.granted) await notifyChannelFreed(tx, t.accountSid);
}

/**
 * Gives the attempt's channel back (SPEC §4.5: a call is live until its final status is recorded).
 * Call it inside the transaction that settles the attempt. Idempotent: it deletes the attempt's
 * lease (or waiter) row; only a lease updates the account's smoothed hold time, and tells the
 * account's staged dials (activities/channel-wakeups.ts). It returns the waiter that asks soonest,
 * woken now (NOTIFY, and a signal from the caller) to take the freed one. Leases past `leaseLimitMs`
 * (already ignored by the count) and waiters gone for 10 minutes are deleted here.
 */
export async function releaseDialSlot(
  tx: DbOrTx,
  request: { accountSid: string; id: string; nowMs: number; channels: number; leaseLimitMs: number },
): Promise<GateWake | null> {
  const [gone] = await tx.execute<{ granted_ms: number | null; db_ms: number }>(sql`
    delete from dial_waiters where id = ${request.id}
    returning ${epochMs(sql`granted_at`)} as granted_ms, ${epochMs(sql`clock_timestamp()`)} as db_ms`);
  if (gone?.granted_ms == null) return null;
  // A staged dial of the account (any worker process) may send now: told when this commits.
  await notifyChannelFreed(tx, request.accountSid);
  const input = { ...request, nowMs: Math.max(request.nowMs, num(gone.db_ms)) };
  const heldMs = Math.max(0, input.nowMs - num(gone.granted_ms));
  const gateKey = accountGateKey(input.accountSid);
  await tx.execute(sql`
    update dial_gates set hold_ms = case when hold_ms > 0 then hold_ms * 0.8 + ${heldMs} * 0.2 else ${heldMs} end
    where key = ${gateKey}`);
  await tx.execute(sql`
    delete from dial_waiters where account_sid = ${input.accountSid}
      and ((granted_at is not null and granted_at < ${instant(input.nowMs - input.leaseLimitMs)})
        or (granted_at is null and lapse_at < ${instant(input.nowMs - FORGET_WAITERS_AFTER_MS)}))`);
  // Waiters sleep until woken rather than poll (issue 10), so every release wakes the one asking soonest.
  const [head] = await tx.execute<{ id: string; campaign_id: string; position: number }>(sql`
    update dial_waiters set due_at = ${instant(input.nowMs)}, lapse_at = ${instant(input.nowMs + WAITER_GRACE_MS)}
    where id = (
      select w.id from dial_waiters w join campaigns c on c.id = w.campaign_id
      where w.account_sid = ${input.accountSid} and w.granted_at is null and w.lapse_at >= ${instant(input.nowMs)}
        and w.due_at > ${instant(input.nowMs)} and c.status = 'InProgress' and c.closing is null
      order by w.due_at limit 1 for update of w skip locked)
    returning id, campaign_id, position`);
  if (!head) return null;
  const wake = { campaignId: head.campaign_id, position: num(head.position), askInMs: 0 };
  await notifyGateWake(tx, wake);
  return wake;
}
