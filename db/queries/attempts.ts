/**
 * SPEC §7 attempt rows: the queries of the attempt path (activities/attempts/). An attempt row is
 * committed before its dial; `dial_started_at` claims it for the one request it may ever send.
 */
import { and, asc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client';
import { accounts, attempts, campaignNumbers, campaigns, dialWaiters } from '../schema';
import type { AttemptStatus } from '../../domain/attempt-status';
import type { CallOutcome } from '../../domain/call-outcome';

export type AttemptRow = typeof attempts.$inferSelect;
export type CampaignRowForAttempt = typeof campaigns.$inferSelect;
export type AccountRowForAttempt = typeof accounts.$inferSelect;
export type NumberRow = typeof campaignNumbers.$inferSelect;

/** The attempt's outcome as stored on its row (`settled_at`: when its final status was recorded). */
export function outcomeColumns(carrierSid: string | null, o: CallOutcome, settledAt: Date) {
  return {
    status: o.status,
    reason: o.reason,
    carrierSid: carrierSid ?? o.carrierSid,
    startTime: o.startTimeMs !== null ? new Date(o.startTimeMs) : null,
    endTime: o.endTimeMs !== null ? new Date(o.endTimeMs) : null,
    duration: o.duration,
    digits: o.digits,
    recordingUrl: o.recordingUrl,
    settledAt,
  };
}

/** The outcome recorded on an attempt row (which has one): the reverse of `outcomeColumns`. */
export function outcomeOfRow(a: AttemptRow): CallOutcome {
  return {
    status: a.status as AttemptStatus,
    reason: a.reason,
    carrierSid: a.carrierSid,
    startTimeMs: a.startTime ? a.startTime.getTime() : null,
    endTimeMs: a.endTime ? a.endTime.getTime() : null,
    duration: a.duration ?? 0,
    digits: a.digits,
    recordingUrl: a.recordingUrl,
  };
}

const numberWhere = (campaignId: string, position: number) =>
  and(eq(campaignNumbers.campaignId, campaignId), eq(campaignNumbers.position, position));

/** An attempt with its campaign and account, or undefined when the row does not exist. */
export async function attemptContext(db: DbOrTx, callSid: string) {
  const [row] = await db
    .select({ a: attempts, c: campaigns, acct: accounts })
    .from(attempts)
    .innerJoin(campaigns, eq(campaigns.id, attempts.campaignId))
    .innerJoin(accounts, eq(accounts.sid, campaigns.accountSid))
    .where(eq(attempts.callSid, callSid));
  return row;
}

export async function lockAttempt(tx: DbOrTx, callSid: string): Promise<AttemptRow | undefined> {
  const [a] = await tx.select().from(attempts).where(eq(attempts.callSid, callSid)).for('update');
  return a;
}

export async function lockAttemptByToken(tx: DbOrTx, token: string): Promise<AttemptRow | undefined> {
  const [a] = await tx.select().from(attempts).where(eq(attempts.token, token)).for('update');
  return a;
}

export async function findAttempt(
  tx: DbOrTx,
  k: { campaignId: string; position: number; attemptNumber: number },
): Promise<AttemptRow | undefined> {
  const [a] = await tx
    .select()
    .from(attempts)
    .where(
      and(
        eq(attempts.campaignId, k.campaignId),
        eq(attempts.position, k.position),
        eq(attempts.attemptNumber, k.attemptNumber),
      ),
    );
  return a;
}

/** The campaign under a share lock: a pause or an ending committing meanwhile waits for this transaction. */
export async function shareCampaign(tx: DbOrTx, campaignId: string): Promise<CampaignRowForAttempt | undefined> {
  const [c] = await tx.select().from(campaigns).where(eq(campaigns.id, campaignId)).for('share');
  return c;
}

export async function accountSidOfCampaign(tx: DbOrTx, campaignId: string): Promise<string | undefined> {
  const [c] = await tx.select({ accountSid: campaigns.accountSid }).from(campaigns).where(eq(campaigns.id, campaignId));
  return c?.accountSid;
}

export async function findAccount(tx: DbOrTx, sid: string): Promise<AccountRowForAttempt | undefined> {
  const [acct] = await tx.select().from(accounts).where(eq(accounts.sid, sid));
  return acct;
}

/** What the callback's transaction needs of an attempt's account (its gate settings). */
export async function accountOfCampaign(tx: DbOrTx, campaignId: string) {
  const [acct] = await tx
    .select({
      sid: accounts.sid,
      channels: accounts.channels,
      ringTimeoutS: accounts.ringTimeoutS,
      callTimeLimitS: accounts.callTimeLimitS,
    })
    .from(campaigns)
    .innerJoin(accounts, eq(accounts.sid, campaigns.accountSid))
    .where(eq(campaigns.id, campaignId));
  return acct;
}

export async function findNumber(
  tx: DbOrTx,
  campaignId: string,
  position: number,
  opts: { forUpdate?: boolean } = {},
): Promise<NumberRow | undefined> {
  const q = tx.select().from(campaignNumbers).where(numberWhere(campaignId, position));
  const [n] = opts.forUpdate ? await q.for('update') : await q;
  return n;
}

/** SPEC §4.2: the attempt row is committed and the number is `in-progress` until the attempt settles. */
export async function insertAttempt(
  tx: DbOrTx,
  v: {
    callSid: string;
    campaignId: string;
    position: number;
    attemptNumber: number;
    number: string;
    callerId: string;
    token: string;
    now: Date;
    firstAttemptAt: Date | null;
  },
): Promise<void> {
  await tx.insert(attempts).values({
    callSid: v.callSid,
    campaignId: v.campaignId,
    position: v.position,
    attemptNumber: v.attemptNumber,
    number: v.number,
    callerId: v.callerId,
    token: v.token,
    dateCreated: v.now,
  });
  await tx
    .update(campaignNumbers)
    .set({
      status: 'in-progress',
      attempts: v.attemptNumber,
      nextAttemptAt: null,
      firstAttemptAt: v.firstAttemptAt ?? v.now,
      lastAttemptAt: v.now,
      dateUpdated: v.now,
    })
    .where(numberWhere(v.campaignId, v.position));
}

/**
 * Deletes an attempt that was never sent and puts its number back as it was before the attempt began
 * (`pending`, or `retry` due at `retryDueAt`). The caller holds the row's lock.
 */
export async function deleteUnsentAttempt(tx: DbOrTx, a: AttemptRow, retryDueAt: Date | null): Promise<void> {
  await tx.delete(attempts).where(eq(attempts.callSid, a.callSid));
  const [before] = await tx
    .select({
      first: sql<Date | null>`min(${attempts.dateCreated})`.mapWith(attempts.dateCreated),
      last: sql<Date | null>`max(${attempts.dateCreated})`.mapWith(attempts.dateCreated),
    })
    .from(attempts)
    .where(and(eq(attempts.campaignId, a.campaignId), eq(attempts.position, a.position)));
  const isRetry = a.attemptNumber > 1;
  await tx
    .update(campaignNumbers)
    .set({
      status: isRetry ? 'retry' : 'pending',
      attempts: a.attemptNumber - 1,
      nextAttemptAt: isRetry ? (retryDueAt ?? a.dateCreated) : null,
      firstAttemptAt: before?.first ?? null,
      lastAttemptAt: before?.last ?? null,
      dateUpdated: new Date(),
    })
    .where(and(numberWhere(a.campaignId, a.position), eq(campaignNumbers.status, 'in-progress')));
}

/** When a lease's retry fell due (its place among retries), or undefined without a lease. */
export async function leaseOrderAt(tx: DbOrTx, leaseId: string): Promise<Date | null | undefined> {
  const [lease] = await tx
    .select({ orderAt: dialWaiters.orderAt })
    .from(dialWaiters)
    .where(eq(dialWaiters.id, leaseId));
  return lease?.orderAt;
}

/** The carrier accepted the dial: its sid, and the instant the request really left. */
export async function markAccepted(db: Db, callSid: string, carrierSid: string, sentAt: Date): Promise<void> {
  await db.update(attempts).set({ carrierSid, dialStartedAt: sentAt, sentAt }).where(eq(attempts.callSid, callSid));
}

/** The request left (the carrier refused it, or its fate is unknown): the instant it left. */
export async function markDialled(db: Db, callSid: string, sentAt: Date): Promise<void> {
  await db.update(attempts).set({ dialStartedAt: sentAt, sentAt }).where(eq(attempts.callSid, callSid));
}

/**
 * A request handed over by an earlier run that never said what became of it (a crash mid-request):
 * it may have left then, so from now on the attempt has a call-details record.
 */
export async function markMaybeSent(db: Db, callSid: string): Promise<void> {
  await db
    .update(attempts)
    .set({ sentAt: sql`coalesce(${attempts.sendingAt}, ${attempts.dialStartedAt})` })
    .where(and(eq(attempts.callSid, callSid), isNull(attempts.sentAt), isNotNull(attempts.dialStartedAt)));
}

/** No call was made (the carrier rate-limited it): the claim is released, so the attempt may dial again. */
export async function releaseClaim(db: Db, callSid: string): Promise<void> {
  await db.update(attempts).set({ dialStartedAt: null, sendingAt: null }).where(eq(attempts.callSid, callSid));
}

/**
 * SPEC §7: the request is about to be handed to the carrier. Committed first, so a later run that
 * finds a claim without it knows the request never left. False when another run got there first
 * or withdrew the attempt: this run must not send.
 */
export async function markSending(db: Db, callSid: string): Promise<boolean> {
  const rows = await db
    .update(attempts)
    .set({ sendingAt: sql`clock_timestamp()` })
    .where(and(eq(attempts.callSid, callSid), isNotNull(attempts.dialStartedAt), isNull(attempts.sendingAt)))
    .returning({ callSid: attempts.callSid });
  return rows.length === 1;
}

/** A lookup found the attempt's call: its sid, so later lookups ask for it and callbacks match it. */
export async function learnCarrierSid(db: DbOrTx, callSid: string, carrierSid: string): Promise<void> {
  await db
    .update(attempts)
    .set({ carrierSid })
    .where(and(eq(attempts.callSid, callSid), isNull(attempts.carrierSid)));
}

/** Records the attempt's final outcome on its row. */
export async function recordOutcome(tx: DbOrTx, a: AttemptRow, o: CallOutcome, settledAt: Date): Promise<void> {
  await tx
    .update(attempts)
    .set(outcomeColumns(a.carrierSid, o, settledAt))
    .where(eq(attempts.callSid, a.callSid));
}

/** SPEC §4.2/§4.3: the number's status after a settled attempt. */
export async function updateNumberAfterAttempt(
  tx: DbOrTx,
  a: AttemptRow,
  v: { status: string; reason: string | null; lastStatus: string; lastDuration: number; nextAttemptAt: Date | null },
  now: Date,
): Promise<void> {
  await tx
    .update(campaignNumbers)
    .set({ ...v, dateUpdated: now })
    .where(numberWhere(a.campaignId, a.position));
}

/** Every attempt of one number, in order (for its `call_schedule_callback`). */
export async function attemptsOfNumber(tx: DbOrTx, campaignId: string, position: number) {
  return tx
    .select({ callSid: attempts.callSid, sentAt: attempts.sentAt, dateCreated: attempts.dateCreated })
    .from(attempts)
    .where(and(eq(attempts.campaignId, campaignId), eq(attempts.position, position)))
    .orderBy(asc(attempts.attemptNumber));
}

/**
 * SPEC §4.1 drain: how many of the campaign's numbers have a live call — their attempt holds a channel
 * (staged or sent), or its outcome is recorded and the number is about to settle. An attempt of unknown
 * fate that a lookup did not find holds no channel: the drain does not wait for its ladder.
 */
export async function countLiveCalls(db: DbOrTx, campaignId: string): Promise<number> {
  const [row] = await db.execute<{ live: number }>(sql`
    select count(*)::int as live from campaign_numbers n
      join attempts a on a.campaign_id = n.campaign_id and a.position = n.position and a.attempt_number = n.attempts
     where n.campaign_id = ${campaignId} and n.status = 'in-progress'
       and (a.status is not null or exists (
         select 1 from dial_waiters w
          where w.id = n.campaign_id || '/' || n.position || '/' || n.attempts and w.granted_at is not null))`);
  return Number(row?.live ?? 0);
}

/** Any answer but a caller-id refusal ends a run of them (one indexed read when there is none). */
export async function resetCallerIdRefusals(db: Db, campaignId: string): Promise<void> {
  await db
    .update(campaigns)
    .set({ callerIdRefusals: 0 })
    .where(and(eq(campaigns.id, campaignId), gt(campaigns.callerIdRefusals, 0)));
}

/** One more caller-id refusal in a row (SPEC §4.1); returns the run's length. */
export async function countCallerIdRefusal(db: Db, campaignId: string): Promise<number> {
  const [row] = await db
    .update(campaigns)
    .set({ callerIdRefusals: sql`${campaigns.callerIdRefusals} + 1` })
    .where(eq(campaigns.id, campaignId))
    .returning({ n: campaigns.callerIdRefusals });
  return row?.n ?? 0;
}
