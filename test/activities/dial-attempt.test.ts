/**
 * SPEC §7 against a real PostgreSQL: what `dialAttempt` does with each fate of its request. Not sent →
 * the attempt is undone and its channel free at once; may have been sent → never dialled again.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttemptActivities } from '../../activities/attempts';
import { IN_ACTIVITY_WAIT_MS } from '../../activities/attempts/begin';
import type { CarrierFactory, LookupResult, PlaceCallResult } from '../../activities/carriers/carrier';
import { waiterId } from '../../activities/dial-gate';
import { createCampaignStoreActivities } from '../../activities/campaign-store';
import { failedWithoutCall } from '../../domain/call-outcome';
import { upsertAccount } from '../../db/queries/accounts';
import { addDncNumbers } from '../../db/queries/dnc';
import { attempts, campaignNumbers, campaigns, dialWaiters } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { freshDatabase, type TestDatabase } from '../support/db';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function oneNumberCampaign(numbers = 1): Promise<string> {
  const sid = `dial_${newSid().slice(0, 8)}`;
  await upsertAccount(database.db, {
    sid,
    api_key: `k_${sid}`,
    api_token: 't',
    calling_window: '00:00-24:00',
    calls_per_minute: 600,
    channels: 1,
  });
  const id = newSid();
  const now = new Date();
  await database.db.insert(campaigns).values({
    id,
    accountSid: sid,
    name: `dial ${id.slice(0, 6)}`,
    callerId: '08012345678',
    url: 'https://flows.example/start',
    retries: { number_of_retries: 1, interval_mins: 1, mechanism: 'Linear', on_status: ['busy'] },
    status: 'InProgress',
    dateCreated: now,
    dateUpdated: now,
    dateStarted: now,
  });
  await database.db.insert(campaignNumbers).values(
    Array.from({ length: numbers }, (_, position) => ({
      campaignId: id,
      position,
      number: `+91987654321${position}`,
      status: 'pending',
    })),
  );
  return id;
}

/** A carrier that answers every dial request with `result`, counting the requests, and every lookup with `seen`. */
function carrier(
  result: PlaceCallResult,
  placed: string[],
  seen: LookupResult = { kind: 'not_found' },
): CarrierFactory {
  return () => ({
    placeCall: async (req) => {
      placed.push(req.to);
      return result;
    },
    lookupCall: async () => seen,
  });
}

async function dialOnce(result: PlaceCallResult, seen?: LookupResult) {
  const cid = await oneNumberCampaign();
  const placed: string[] = [];
  const act = createAttemptActivities({
    db: database.db,
    carriers: carrier(result, placed, seen),
    publicUrl: 'http://x.test',
  });
  const begin = () => act.beginAttempt({ campaignId: cid, position: 0, attemptNumber: 1, nowMs: Date.now() });
  await begin(); // the first request registers the number
  const b = await begin();
  if (b.kind !== 'dial') throw new Error(`expected a grant, got ${JSON.stringify(b)}`);
  return { cid, act, b, placed, out: await act.dialAttempt({ callSid: b.callSid }) };
}

describe('§7 a dial request that never left is not a call', () => {
  it('undoes the attempt, frees its channel at once and has the workflow dial again after a back-off', async () => {
    const { cid, out, b } = await dialOnce({ kind: 'not_sent', cause: 'ECONNREFUSED connect', retryAfterMs: 5000 });
    expect(out).toEqual({ kind: 'not_sent', cause: 'ECONNREFUSED connect', retryAfterMs: 5000 });
    expect(await database.db.select().from(attempts).where(eq(attempts.callSid, b.callSid))).toEqual([]);
    const [n] = await database.db.select().from(campaignNumbers).where(eq(campaignNumbers.campaignId, cid));
    expect(n).toMatchObject({ status: 'pending', attempts: 0 });
    // The lease is a waiter again: no channel is held.
    const [lease] = await database.db
      .select()
      .from(dialWaiters)
      .where(eq(dialWaiters.id, waiterId(cid, 0, 1)));
    expect(lease).toMatchObject({ grantedAt: null, sentAt: null });
  });

  it('begins the same attempt again with a fresh row once it asks again', async () => {
    const { act, cid, b } = await dialOnce({ kind: 'not_sent', cause: 'HTTP 503: down' });
    const again = await act.beginAttempt({ campaignId: cid, position: 0, attemptNumber: 1, nowMs: Date.now() });
    expect(again).toMatchObject({ kind: 'dial' });
    expect(again.kind === 'dial' && again.callSid).not.toBe(b.callSid);
  });
});

describe('§7 a dial request that may have placed a call is never sent again', () => {
  it('keeps the claim, records when it left, and answers ambiguous without dialling on a retry', async () => {
    const { act, out, b, placed } = await dialOnce({ kind: 'unknown', cause: 'UND_ERR_SOCKET: other side closed' });
    expect(out).toEqual({ kind: 'ambiguous' });
    const [a] = await database.db.select().from(attempts).where(eq(attempts.callSid, b.callSid));
    expect(a!.dialStartedAt).toBeInstanceOf(Date);
    // From now on it has a call-details record, dated when the request left.
    expect(a!.sentAt).toEqual(a!.dialStartedAt);
    expect(await act.dialAttempt({ callSid: b.callSid })).toEqual({ kind: 'ambiguous' });
    expect(placed).toHaveLength(1);
  });
});

describe('§7 a worker that stopped between the claim and the request', () => {
  it('dials again a claim whose request was never handed over, and never one that was', async () => {
    const cid = await oneNumberCampaign();
    const placed: string[] = [];
    const act = createAttemptActivities({
      db: database.db,
      carriers: carrier({ kind: 'accepted', carrierSid: 'sim_9' }, placed),
      publicUrl: 'http://x.test',
    });
    const begin = () => act.beginAttempt({ campaignId: cid, position: 0, attemptNumber: 1, nowMs: Date.now() });
    await begin();
    const b = await begin();
    if (b.kind !== 'dial') throw new Error(JSON.stringify(b));
    // The run that claimed it was killed while it waited for its send instant.
    await database.db.update(attempts).set({ dialStartedAt: new Date() }).where(eq(attempts.callSid, b.callSid));
    expect(await act.dialAttempt({ callSid: b.callSid })).toMatchObject({ kind: 'not_sent' });
    expect(placed).toEqual([]);
    expect(await database.db.select().from(attempts).where(eq(attempts.callSid, b.callSid))).toEqual([]);
    // Begun again and killed after it handed the request over: that one may have left.
    const again = await begin();
    if (again.kind !== 'dial') throw new Error(JSON.stringify(again));
    await database.db
      .update(attempts)
      .set({ dialStartedAt: new Date(), sendingAt: new Date() })
      .where(eq(attempts.callSid, again.callSid));
    expect(await act.dialAttempt({ callSid: again.callSid })).toEqual({ kind: 'ambiguous' });
    expect(placed).toEqual([]);
  });
});

describe('§4.1/§7 a drain does not wait for the ladder of a call the carrier does not know', () => {
  it('frees the channel at the lookup, ends the campaign without it, then records the attempt alone', async () => {
    const { cid, act, b } = await dialOnce({ kind: 'unknown', cause: 'no answer within 10000 ms' });
    const store = createCampaignStoreActivities({
      db: database.db,
      publicUrl: 'http://x.test',
      signingSecret: 's'.repeat(32),
    });
    expect(await store.countLiveCalls({ campaignId: cid })).toEqual({ live: 1 });
    // The carrier's call list does not know the call: its channel is free, the attempt still open.
    expect(await act.lookupAttempt({ callSid: b.callSid, nowMs: Date.now() })).toMatchObject({ kind: 'not_found' });
    expect(
      await database.db
        .select()
        .from(dialWaiters)
        .where(eq(dialWaiters.id, waiterId(cid, 0, 1))),
    ).toEqual([]);
    expect(await store.countLiveCalls({ campaignId: cid })).toEqual({ live: 0 });
    await store.beginDrain({ campaignId: cid, closing: 'Completed', reason: null, nowMs: Date.now() });
    await store.finishCampaign({ campaignId: cid, nowMs: Date.now(), status: 'Completed', cause: 'complete' });
    const numberAfterDrain = (
      await database.db.select().from(campaignNumbers).where(eq(campaignNumbers.campaignId, cid))
    )[0];
    expect(numberAfterDrain).toMatchObject({ status: 'failed', reason: 'campaign_ended' });
    // 30 minutes of lookups later the ladder gives up: the attempt's record says so, the number does not change.
    const settled = await act.settleAttempt({
      callSid: b.callSid,
      outcome: failedWithoutCall('dial_unknown'),
      retryDelayMs: null,
      jitterMs: 0,
      nowMs: Date.now(),
    });
    expect(settled.next).toEqual({ kind: 'final', numberStatus: 'failed' });
    const [a] = await database.db.select().from(attempts).where(eq(attempts.callSid, b.callSid));
    expect(a).toMatchObject({ status: 'failed', reason: 'dial_unknown' });
    const [n] = await database.db.select().from(campaignNumbers).where(eq(campaignNumbers.campaignId, cid));
    expect(n).toEqual(numberAfterDrain);
  });
});

describe('§7 a call missing from complete carrier records was never placed', () => {
  it('settles at the lookup as failed / dial_unknown and frees the channel', async () => {
    const { cid, act, b } = await dialOnce({ kind: 'unknown', cause: 'ECONNRESET read' }, { kind: 'never_placed' });
    const found = await act.lookupAttempt({ callSid: b.callSid, nowMs: Date.now() });
    expect(found).toMatchObject({
      kind: 'final',
      outcome: { status: 'failed', reason: 'dial_unknown', carrierSid: null },
    });
    const waiters = await database.db
      .select()
      .from(dialWaiters)
      .where(eq(dialWaiters.id, waiterId(cid, 0, 1)));
    expect(waiters).toEqual([]);
  });
});

describe('§4.5 waiting costs nothing (issue 10): a wait for a slot is spent inside beginAttempt', () => {
  it('waits for a channel inside the activity and is granted, in the same call, once a call frees it', async () => {
    const cid = await oneNumberCampaign(2);
    const act = createAttemptActivities({
      db: database.db,
      carriers: carrier({ kind: 'accepted', carrierSid: 'sim_1' }, []),
      publicUrl: 'http://x.test',
    });
    const begin = (position: number) =>
      act.beginAttempt({ campaignId: cid, position, attemptNumber: 1, nowMs: Date.now(), waitInActivity: true });
    // Number 0 registers and is granted inside one activity call; its call takes the only channel.
    const first = await begin(0);
    if (first.kind !== 'dial') throw new Error(JSON.stringify(first));
    expect(await act.dialAttempt({ callSid: first.callSid })).toMatchObject({ kind: 'accepted' });
    const t0 = Date.now();
    const second = begin(1);
    await new Promise((r) => setTimeout(r, 3000));
    const freedAt = Date.now();
    await act.settleAttempt({
      callSid: first.callSid,
      outcome: { ...failedWithoutCall('x'), status: 'completed', reason: null },
      retryDelayMs: null,
      jitterMs: 0,
      nowMs: Date.now(),
    });
    const granted = await second;
    expect(granted).toMatchObject({ kind: 'dial' });
    // One activity call waited through: granted soon after the release, not at a poll's end.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    expect(Date.now() - freedAt).toBeLessThan(IN_ACTIVITY_WAIT_MS);
  });

  it('answers a wait longer than it may spend inside with a sleep to the turn, not a poll', async () => {
    const cid = await oneNumberCampaign(2);
    const act = createAttemptActivities({
      db: database.db,
      carriers: carrier({ kind: 'accepted', carrierSid: 'sim_1' }, []),
      publicUrl: 'http://x.test',
    });
    const first = await act.beginAttempt({
      campaignId: cid,
      position: 0,
      attemptNumber: 1,
      nowMs: Date.now(),
      waitInActivity: true,
    });
    if (first.kind !== 'dial') throw new Error(JSON.stringify(first));
    await act.dialAttempt({ callSid: first.callSid });
    const t0 = Date.now();
    const long = await act.beginAttempt({
      campaignId: cid,
      position: 1,
      attemptNumber: 1,
      nowMs: Date.now(),
      waitInActivity: true,
    });
    expect(long).toMatchObject({ kind: 'wait' });
    // Every channel is live and none frees: it sleeps until a release wakes it (10 minutes at most).
    expect(long.kind === 'wait' && long.retryInMs).toBeGreaterThan(IN_ACTIVITY_WAIT_MS);
    expect(Date.now() - t0).toBeLessThanOrEqual(IN_ACTIVITY_WAIT_MS + 5000);
    const [w] = await database.db
      .select()
      .from(dialWaiters)
      .where(eq(dialWaiters.id, waiterId(cid, 1, 1)));
    expect(w!.dueAt.getTime()).toBeGreaterThan(Date.now() + IN_ACTIVITY_WAIT_MS);
  });
});

describe('§4.2/§7 a number put on the do-not-call list while its dial is staged', () => {
  it('withdraws the dial unsent, then ends the number failed (dnc) at its begin, with no attempt', async () => {
    const cid = await oneNumberCampaign();
    const placed: string[] = [];
    const act = createAttemptActivities({
      db: database.db,
      carriers: carrier({ kind: 'accepted', carrierSid: 'CA1' }, placed),
      publicUrl: 'http://x.test',
    });
    const begin = () => act.beginAttempt({ campaignId: cid, position: 0, attemptNumber: 1, nowMs: Date.now() });
    await begin();
    const b = await begin();
    if (b.kind !== 'dial') throw new Error(`expected a grant, got ${JSON.stringify(b)}`);
    const [c] = await database.db.select().from(campaigns).where(eq(campaigns.id, cid));
    await addDncNumbers(database.db, c!.accountSid, ['+919876543210'], 'api');
    expect(await act.dialAttempt({ callSid: b.callSid })).toEqual({ kind: 'withdrawn' });
    expect(placed).toEqual([]);
    expect(await begin()).toEqual({ kind: 'stop', reason: 'number_dnc' });
    const [n] = await database.db.select().from(campaignNumbers).where(eq(campaignNumbers.campaignId, cid));
    expect(n).toMatchObject({ status: 'failed', reason: 'dnc', attempts: 0 });
    expect(await database.db.select().from(attempts).where(eq(attempts.campaignId, cid))).toEqual([]);
  });
});
