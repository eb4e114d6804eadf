/**
 * SPEC §4.5: the durable dial gate, in PostgreSQL, exact across any number of worker processes.
 *
 * Every dial asks `acquireDialSlot` first. In one short transaction it locks the account's row of
 * `dial_gates` (and the campaign's), records the caller as a waiter in `dial_tickets`, and lets
 * `planDial` (domain/throttle.ts) decide from the account's state and its waiters:
 * * `granted`: a slot at most 2 s ahead (the caller sleeps until it, then sends the request); the
 *   account's next slot moves on by 60/cpm s (and a custom campaign's by 60/throttle s), the caller's
 *   ticket becomes the lease on a channel and `live` grows by one;
 * * `wait`: no channel, no slot within 2 s, or not the caller's turn; it comes back after `retryInMs`,
 *   an estimate of its turn (so a long queue does not poll the database every second).
 * `releaseDialSlot` gives the channel back inside the transaction that settles the attempt.
 *
 * Time comes from the database clock (`clock_timestamp()` after the lock), never from the host or the
 * workflow: slots are real instants shared by every process, so hosts with skewed clocks still space
 * their dials correctly. Tests may pass `nowMs` to drive the clock themselves.
 */
import { and, eq, gte, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { DbOrTx } from '../db/queries/stats';
import { dialGates, dialTickets } from '../db/schema';
import { nextHoldMs, planDial, WAITER_GRACE_MS, type GateCampaign, type GateWaiter } from '../domain/throttle';

export interface AcquireDialSlotInput {
  accountSid: string;
  campaignId: string;
  /** The attempt asking (its call sid): the waiter's identity across polls, then its channel lease. */
  waiterId: string;
  /** The number's position in its campaign: first attempts are granted in this order. */
  position: number;
  callsPerMinute: number;
  channels: number;
  /** A custom campaign's `throttle` (calls per minute); null for auto campaigns. */
  campaignThrottle: number | null;
  isRetry: boolean;
  /**
   * A lease older than this is taken back (its attempt can no longer be live: SPEC §7 settles every
   * attempt within ring + limit + 2 min + 1 h). Default 24 h.
   */
  maxHoldMs?: number;
  /** Tests only: the clock to use instead of the database's. */
  nowMs?: number;
}

export type AcquireDialSlotOutput =
  /** Send the dial request at `atMs`, i.e. after `delayMs` (both on the clock the gate used). */
  | { kind: 'granted'; atMs: number; delayMs: number }
  | { kind: 'wait'; retryInMs: number };

export interface ReleaseDialSlotInput {
  accountSid: string;
  /** The attempt's call sid (the `waiterId` it acquired with). */
  waiterId: string;
  /** Tests only: the clock to use instead of the database's. */
  nowMs?: number;
}

export const accountGateKey = (accountSid: string) => `account:${accountSid}`;
export const campaignGateKey = (campaignId: string) => `campaign:${campaignId}`;

const DEFAULT_MAX_HOLD_MS = 24 * 3600_000;
/** Waiters gone this long (a paused campaign, a terminated workflow) are deleted. */
const FORGET_WAITERS_AFTER_MS = 10 * 60_000;
const EPOCH = new Date(0);

async function databaseNowMs(tx: DbOrTx): Promise<number> {
  const rows = await tx.execute<{ ms: number }>(sql`select (extract(epoch from clock_timestamp()) * 1000)::float8 as ms`);
  return Number(rows[0]!.ms);
}

/**
 * Asks for a dial slot (SPEC §4.5). Idempotent per attempt: a caller that already holds a lease (a
 * retried activity, a dial backed off after a carrier rate limit) gets a new pacing slot but keeps its
 * one channel.
 */
export async function acquireDialSlot(db: Db, input: AcquireDialSlotInput): Promise<AcquireDialSlotOutput> {
  const aKey = accountGateKey(input.accountSid);
  const cKey = campaignGateKey(input.campaignId);
  return db.transaction(async (tx) => {
    await tx
      .insert(dialGates)
      .values([
        { key: aKey, nextDialAt: EPOCH },
        { key: cKey, nextDialAt: EPOCH, throttle: input.campaignThrottle },
      ])
      .onConflictDoNothing();
    // Lock order everywhere: the account row, then the campaign row, then tickets.
    const [acct] = await tx.select().from(dialGates).where(eq(dialGates.key, aKey)).for('update');
    const [camp] = await tx.select().from(dialGates).where(eq(dialGates.key, cKey)).for('update');
    if (!acct || !camp) throw new Error(`dial gate rows for ${aKey} / ${cKey} are missing`);
    const nowMs = input.nowMs ?? (await databaseNowMs(tx));
    const now = new Date(nowMs);
    let live = acct.live;

    // Leases whose attempt can no longer be live (a workflow terminated by hand) give their channel back.
    const reaped = await tx
      .delete(dialTickets)
      .where(
        and(
          eq(dialTickets.accountSid, input.accountSid),
          isNotNull(dialTickets.grantedAt),
          lt(dialTickets.grantedAt, new Date(nowMs - (input.maxHoldMs ?? DEFAULT_MAX_HOLD_MS))),
        ),
      )
      .returning({ callSid: dialTickets.callSid });
    live = Math.max(0, live - reaped.length);
    await tx
      .delete(dialTickets)
      .where(
        and(
          eq(dialTickets.accountSid, input.accountSid),
          isNull(dialTickets.grantedAt),
          lt(dialTickets.nextPollAt, new Date(nowMs - FORGET_WAITERS_AFTER_MS)),
        ),
      );

    const [own] = await tx.select().from(dialTickets).where(eq(dialTickets.callSid, input.waiterId));
    const holdsLease = own?.grantedAt != null;
    if (!own) {
      await tx.insert(dialTickets).values({
        callSid: input.waiterId,
        accountSid: input.accountSid,
        campaignId: input.campaignId,
        isRetry: input.isRetry,
        position: input.position,
        since: now,
        nextPollAt: now,
      });
    } else if (!holdsLease) {
      await tx.update(dialTickets).set({ nextPollAt: now }).where(eq(dialTickets.callSid, input.waiterId));
    }
    if (camp.throttle !== input.campaignThrottle) {
      await tx.update(dialGates).set({ throttle: input.campaignThrottle }).where(eq(dialGates.key, cKey));
    }

    const rows = await tx
      .select()
      .from(dialTickets)
      .where(
        and(
          eq(dialTickets.accountSid, input.accountSid),
          isNull(dialTickets.grantedAt),
          gte(dialTickets.nextPollAt, new Date(nowMs - WAITER_GRACE_MS)),
        ),
      );
    const waiters: GateWaiter[] = rows.map((r) => ({
      id: r.callSid,
      campaignId: r.campaignId,
      isRetry: r.isRetry,
      position: r.position,
      sinceMs: r.since.getTime(),
      nextPollAtMs: r.callSid === input.waiterId ? nowMs : r.nextPollAt.getTime(),
    }));
    if (!waiters.some((w) => w.id === input.waiterId)) {
      // A lease holder is not among the waiters; planDial still needs to know its campaign.
      waiters.push({ id: input.waiterId, campaignId: input.campaignId, isRetry: input.isRetry, position: input.position, sinceMs: nowMs, nextPollAtMs: nowMs });
    }
    const campaignIds = [...new Set(waiters.map((w) => w.campaignId))];
    const campRows = await tx
      .select()
      .from(dialGates)
      .where(inArray(dialGates.key, campaignIds.map(campaignGateKey)));
    const campaigns = new Map<string, GateCampaign>();
    for (const r of campRows) {
      const id = r.key.slice('campaign:'.length);
      campaigns.set(id, {
        id,
        throttle: id === input.campaignId ? input.campaignThrottle : r.throttle,
        nextDialAtMs: r.nextDialAt.getTime(),
        lastGrantAtMs: r.lastGrantAt?.getTime() ?? null,
      });
    }

    const plan = planDial({
      nowMs,
      account: { callsPerMinute: input.callsPerMinute, channels: input.channels, live, nextDialAtMs: acct.nextDialAt.getTime(), holdMs: acct.holdMs },
      campaigns,
      waiters,
      callerId: input.waiterId,
      holdsLease,
    });

    if (plan.kind === 'wait') {
      if (reaped.length > 0) await tx.update(dialGates).set({ live }).where(eq(dialGates.key, aKey));
      if (!holdsLease) {
        await tx.update(dialTickets).set({ nextPollAt: new Date(nowMs + plan.retryInMs) }).where(eq(dialTickets.callSid, input.waiterId));
      }
      return { kind: 'wait', retryInMs: plan.retryInMs };
    }
    const at = new Date(plan.atMs);
    if (!holdsLease) {
      live += 1;
      await tx.update(dialTickets).set({ grantedAt: at, nextPollAt: at }).where(eq(dialTickets.callSid, input.waiterId));
    }
    // Stored instants have millisecond precision: round the next slots up, never down.
    await tx.update(dialGates).set({ nextDialAt: new Date(Math.ceil(plan.accountNextMs)), live }).where(eq(dialGates.key, aKey));
    await tx
      .update(dialGates)
      .set({ lastGrantAt: at, ...(plan.campaignNextMs !== null && { nextDialAt: new Date(Math.ceil(plan.campaignNextMs)) }) })
      .where(eq(dialGates.key, cKey));
    return { kind: 'granted', atMs: plan.atMs, delayMs: Math.max(0, plan.atMs - nowMs) };
  });
}

/**
 * Gives the attempt's channel back (SPEC §4.5: a call is live until its final status is recorded).
 * Call it inside the transaction that settles the attempt. Idempotent: it deletes the attempt's
 * ticket, and only a ticket that held a lease gives a channel back; a waiter's ticket just goes.
 */
export async function releaseDialSlot(tx: DbOrTx, input: ReleaseDialSlotInput): Promise<void> {
  const [ticket] = await tx.select({ grantedAt: dialTickets.grantedAt }).from(dialTickets).where(eq(dialTickets.callSid, input.waiterId));
  if (!ticket) return;
  const aKey = accountGateKey(input.accountSid);
  // Same lock order as acquireDialSlot: the account row first, then the ticket.
  const [acct] = await tx.select().from(dialGates).where(eq(dialGates.key, aKey)).for('update');
  const [gone] = await tx.delete(dialTickets).where(eq(dialTickets.callSid, input.waiterId)).returning({ grantedAt: dialTickets.grantedAt });
  if (!acct || !gone?.grantedAt) return;
  const nowMs = input.nowMs ?? (await databaseNowMs(tx));
  await tx
    .update(dialGates)
    .set({ live: sql`greatest(${dialGates.live} - 1, 0)`, holdMs: nextHoldMs(acct.holdMs, nowMs - gone.grantedAt.getTime()) })
    .where(eq(dialGates.key, aKey));
}
