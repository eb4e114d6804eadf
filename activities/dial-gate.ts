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
 *   becomes the lease on a channel;
 * * `wait`: no channel, no slot within 2 s, or not the caller's turn; it comes back after `retryInMs`,
 *   half of its estimated turn (so a long queue does not poll the database every second).
 * `releaseDialSlot` gives the channel back inside the transaction that settles the attempt. The gate
 * runs on the workflow clock (`nowMs` from the number workflow), like every other decision the
 * workflows take; its slots are spaced right on average but may be late by the activity round trip.
 *
 * **Spacer** (`reserveSendSlot`, run by the dial activity just before the request). It fixes the
 * instant the request leaves on the *database* clock: at least 60/cpm s after the account's previous
 * dial request and 60/throttle s after the campaign's, whatever the lateness of the slot that let the
 * attempt start. The gate keeps the spacer's queue short; the spacer makes the spacing exact.
 */
import { and, eq, gte, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { DbOrTx } from '../db/queries/stats';
import { attempts, campaigns, dialGates, dialWaiters } from '../db/schema';
import {
  dialIntervalMs,
  nextHoldMs,
  planDial,
  WAITER_GRACE_MS,
  type DialPlan,
  type GateCampaign,
  type GateWaiter,
} from '../domain/throttle';

export const accountGateKey = (accountSid: string) => `account:${accountSid}`;
export const campaignGateKey = (campaignId: string) => `campaign:${campaignId}`;
export const accountSendKey = (accountSid: string) => `send:account:${accountSid}`;
export const campaignSendKey = (campaignId: string) => `send:campaign:${campaignId}`;

/** The waiter (then lease) id of one attempt of one number. */
export function waiterId(campaignId: string, position: number, attemptNumber: number): string {
  return `${campaignId}/${position}/${attemptNumber}`;
}

/** Waiters gone this long (a paused campaign, a terminated workflow) are deleted. */
const FORGET_WAITERS_AFTER_MS = 10 * 60_000;
const EPOCH = new Date(0);

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
  /** A lease older than this is taken back (`leaseLimitMs`: its attempt can no longer be live). */
  leaseLimitMs: number;
  /** The workflow's clock. */
  nowMs: number;
}

export type AcquireDialSlotOutput = { kind: 'granted'; atMs: number } | { kind: 'wait'; retryInMs: number; reason: Extract<DialPlan, { kind: 'wait' }>['reason'] };

/**
 * Asks for a dial slot (SPEC §4.5) inside the caller's transaction. Idempotent per attempt: a caller
 * that already holds the lease gets its slot again.
 */
export async function acquireDialSlot(tx: DbOrTx, input: AcquireDialSlotInput): Promise<AcquireDialSlotOutput> {
  const aKey = accountGateKey(input.accountSid);
  const cKey = campaignGateKey(input.campaignId);
  const id = waiterId(input.campaignId, input.position, input.attemptNumber);
  const nowMs = input.nowMs;
  const now = new Date(nowMs);
  await tx
    .insert(dialGates)
    .values([
      { key: aKey, nextDialAt: EPOCH },
      { key: cKey, nextDialAt: EPOCH, throttle: input.campaignThrottle },
    ])
    .onConflictDoNothing();
  // Lock order everywhere: the account row, then the campaign row, then waiters.
  const [acct] = await tx.select().from(dialGates).where(eq(dialGates.key, aKey)).for('update');
  const [camp] = await tx.select().from(dialGates).where(eq(dialGates.key, cKey)).for('update');
  if (!acct || !camp) throw new Error(`dial gate rows for ${aKey} / ${cKey} are missing`);

  const [own] = await tx.select().from(dialWaiters).where(eq(dialWaiters.id, id));
  if (own?.grantedAt) return { kind: 'granted', atMs: own.grantedAt.getTime() };

  // Leases whose attempt can no longer be live (a workflow terminated by hand) give their channel back.
  await tx
    .delete(dialWaiters)
    .where(and(eq(dialWaiters.accountSid, input.accountSid), isNotNull(dialWaiters.grantedAt), lt(dialWaiters.grantedAt, new Date(nowMs - input.leaseLimitMs))));
  await tx
    .delete(dialWaiters)
    .where(and(eq(dialWaiters.accountSid, input.accountSid), isNull(dialWaiters.grantedAt), lt(dialWaiters.lapseAt, new Date(nowMs - FORGET_WAITERS_AFTER_MS))));

  const callerIsNew = !own;
  const lapse = new Date(nowMs + WAITER_GRACE_MS);
  if (!own) {
    await tx.insert(dialWaiters).values({
      id,
      accountSid: input.accountSid,
      campaignId: input.campaignId,
      position: input.position,
      isRetry: input.attemptNumber > 1,
      orderAt: new Date(input.retryDueAtMs ?? nowMs),
      dueAt: now,
      lapseAt: lapse,
    });
  } else {
    await tx.update(dialWaiters).set({ dueAt: now, lapseAt: lapse }).where(eq(dialWaiters.id, id));
  }
  if (camp.throttle !== input.campaignThrottle) {
    await tx.update(dialGates).set({ throttle: input.campaignThrottle }).where(eq(dialGates.key, cKey));
  }

  const [{ live } = { live: 0 }] = await tx
    .select({ live: sql<number>`count(*)::int` })
    .from(dialWaiters)
    .where(and(eq(dialWaiters.accountSid, input.accountSid), isNotNull(dialWaiters.grantedAt)));
  // Waiters of campaigns that cannot dial now (paused, ending) are not in anyone's way.
  const rows = await tx
    .select({ w: dialWaiters })
    .from(dialWaiters)
    .innerJoin(campaigns, eq(campaigns.id, dialWaiters.campaignId))
    .where(
      and(
        eq(dialWaiters.accountSid, input.accountSid),
        isNull(dialWaiters.grantedAt),
        gte(dialWaiters.lapseAt, now),
        eq(campaigns.status, 'InProgress'),
        isNull(campaigns.closing),
      ),
    );
  const waiters: GateWaiter[] = rows.map(({ w }) => ({
    id: w.id,
    campaignId: w.campaignId,
    isRetry: w.isRetry,
    position: w.position,
    orderAtMs: w.orderAt.getTime(),
    dueAtMs: w.id === id ? nowMs : w.dueAt.getTime(),
    lapseAtMs: w.id === id ? lapse.getTime() : w.lapseAt.getTime(),
  }));
  if (!waiters.some((w) => w.id === id)) {
    // The caller's own campaign is checked by beginAttempt; count it even if the read above raced.
    waiters.push({ id, campaignId: input.campaignId, isRetry: input.attemptNumber > 1, position: input.position, orderAtMs: input.retryDueAtMs ?? nowMs, dueAtMs: nowMs, lapseAtMs: lapse.getTime() });
  }
  const campaignIds = [...new Set(waiters.map((w) => w.campaignId))];
  const campRows = await tx
    .select()
    .from(dialGates)
    .where(inArray(dialGates.key, campaignIds.map(campaignGateKey)));
  const gateCampaigns = new Map<string, GateCampaign>();
  for (const r of campRows) {
    const cid = r.key.slice('campaign:'.length);
    gateCampaigns.set(cid, {
      id: cid,
      throttle: cid === input.campaignId ? input.campaignThrottle : r.throttle,
      nextDialAtMs: r.nextDialAt.getTime(),
      lastGrantAtMs: r.lastGrantAt?.getTime() ?? null,
    });
  }

  const plan = planDial({
    nowMs,
    account: { callsPerMinute: input.callsPerMinute, channels: input.channels, live, nextDialAtMs: acct.nextDialAt.getTime(), holdMs: acct.holdMs },
    campaigns: gateCampaigns,
    waiters,
    callerId: id,
    callerIsNew,
  });

  if (plan.kind === 'wait') {
    const due = nowMs + plan.retryInMs;
    await tx
      .update(dialWaiters)
      .set({ dueAt: new Date(due), lapseAt: new Date(due + WAITER_GRACE_MS) })
      .where(eq(dialWaiters.id, id));
    return { kind: 'wait', retryInMs: plan.retryInMs, reason: plan.reason };
  }
  const at = new Date(plan.atMs);
  await tx.update(dialWaiters).set({ grantedAt: at, dueAt: at }).where(eq(dialWaiters.id, id));
  // Stored instants have millisecond precision: round the next slots up, never down.
  await tx.update(dialGates).set({ nextDialAt: new Date(Math.ceil(plan.accountNextMs)) }).where(eq(dialGates.key, aKey));
  await tx
    .update(dialGates)
    .set({ lastGrantAt: at, ...(plan.campaignNextMs !== null && { nextDialAt: new Date(Math.ceil(plan.campaignNextMs)) }) })
    .where(eq(dialGates.key, cKey));
  return { kind: 'granted', atMs: plan.atMs };
}

/** Forgets a waiter that will not dial now (its campaign is paused or ending). */
export async function dropWaiter(tx: DbOrTx, id: string): Promise<void> {
  await tx.delete(dialWaiters).where(and(eq(dialWaiters.id, id), isNull(dialWaiters.grantedAt)));
}

/**
 * Gives the attempt's channel back (SPEC §4.5: a call is live until its final status is recorded).
 * Call it inside the transaction that settles the attempt. Idempotent: it deletes the attempt's
 * lease (or waiter) row; only a lease updates the account's smoothed hold time.
 */
export async function releaseDialSlot(tx: DbOrTx, input: { accountSid: string; id: string; nowMs: number }): Promise<void> {
  const [gone] = await tx.delete(dialWaiters).where(eq(dialWaiters.id, input.id)).returning({ grantedAt: dialWaiters.grantedAt });
  if (!gone?.grantedAt) return;
  const [acct] = await tx.select({ holdMs: dialGates.holdMs }).from(dialGates).where(eq(dialGates.key, accountGateKey(input.accountSid))).for('update');
  if (!acct) return;
  await tx
    .update(dialGates)
    .set({ holdMs: nextHoldMs(acct.holdMs, input.nowMs - gone.grantedAt.getTime()) })
    .where(eq(dialGates.key, accountGateKey(input.accountSid)));
}

export interface ReserveSendSlotInput {
  callSid: string;
  accountSid: string;
  callsPerMinute: number;
  campaignId: string;
  /** A custom campaign's throttle; null for auto campaigns. */
  campaignThrottle: number | null;
}

/**
 * The spacer: in one transaction, takes the next send instant of the account (and of a custom
 * campaign) on the database clock and claims the attempt for dialling (`dial_started_at`, SPEC §7:
 * committed before the carrier is called). `claimed: false` when the attempt was claimed before.
 * The caller waits `delayMs`, then sends. Every reserved instant counts as a dial, refused and
 * rate-limited requests included (SPEC §4.5).
 */
export async function reserveSendSlot(db: Db, input: ReserveSendSlotInput): Promise<{ claimed: false } | { claimed: true; delayMs: number; atMs: number }> {
  const aKey = accountSendKey(input.accountSid);
  const cKey = input.campaignThrottle !== null ? campaignSendKey(input.campaignId) : null;
  return db.transaction(async (tx) => {
    const keys = cKey ? [aKey, cKey] : [aKey];
    await tx
      .insert(dialGates)
      .values(keys.map((key) => ({ key, nextDialAt: EPOCH })))
      .onConflictDoNothing();
    const [a] = await tx.select().from(dialGates).where(eq(dialGates.key, aKey)).for('update');
    const [c] = cKey ? await tx.select().from(dialGates).where(eq(dialGates.key, cKey)).for('update') : [null];
    const [{ ms: nowMs } = { ms: 0 }] = await tx.execute<{ ms: number }>(sql`select (extract(epoch from clock_timestamp()) * 1000)::float8 as ms`);
    const now = Number(nowMs);
    const atMs = Math.max(now, a!.nextDialAt.getTime(), c ? c.nextDialAt.getTime() : Number.NEGATIVE_INFINITY);
    const claimed = await tx
      .update(attempts)
      .set({ dialStartedAt: new Date(Math.ceil(atMs)) })
      .where(and(eq(attempts.callSid, input.callSid), isNull(attempts.dialStartedAt)))
      .returning({ callSid: attempts.callSid });
    if (claimed.length === 0) return { claimed: false as const };
    await tx.update(dialGates).set({ nextDialAt: new Date(Math.ceil(atMs + dialIntervalMs(input.callsPerMinute))) }).where(eq(dialGates.key, aKey));
    if (cKey && input.campaignThrottle !== null) {
      await tx.update(dialGates).set({ nextDialAt: new Date(Math.ceil(atMs + dialIntervalMs(input.campaignThrottle))) }).where(eq(dialGates.key, cKey));
    }
    return { claimed: true as const, delayMs: Math.max(0, atMs - now), atMs };
  });
}
