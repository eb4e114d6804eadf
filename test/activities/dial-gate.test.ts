/**
 * SPEC §4.5: the dial gate and the send spacer against a real PostgreSQL: several callers at once,
 * channels, order of service, channel release in the settle transaction, lease reaping.
 * The gate takes the later of the database clock and the one its callers pass, so these tests drive
 * it with instants in 2030.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttemptActivities } from '../../activities/attempts';
import { acquireDialSlot, releaseDialSlot, waiterId, type AcquireDialSlotOutput } from '../../activities/dial-gate';
import { reserveSendSlot } from '../../activities/send-spacer';
import type { CarrierFactory } from '../../activities/carriers/carrier';
import { upsertAccount } from '../../db/queries/accounts';
import { attempts, campaignNumbers, campaigns, dialWaiters } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { dialIntervalMs, GRANT_HORIZON_MS, leaseLimitMs } from '../../domain/throttle';
import { freshDatabase, type TestDatabase } from '../support/db';

let database: TestDatabase;
const T0 = 1_900_000_000_000;

beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function account(settings: { calls_per_minute: number; channels: number }): Promise<string> {
  const sid = `gate_${newSid().slice(0, 8)}`;
  await upsertAccount(database.db, { sid, api_key: `k_${sid}`, api_token: 't', calling_window: '00:00-24:00', ...settings });
  return sid;
}

async function campaign(accountSid: string, numbers: number, opts: { throttle?: number } = {}): Promise<string> {
  const id = newSid();
  const now = new Date(T0);
  await database.db.insert(campaigns).values({
    id,
    accountSid,
    name: `gate ${id.slice(0, 6)}`,
    callerId: '08012345678',
    retries: { number_of_retries: 2, interval_mins: 1, mechanism: 'Linear', on_status: ['busy'] },
    mode: opts.throttle ? 'custom' : 'auto',
    throttle: opts.throttle ?? null,
    status: 'InProgress',
    dateCreated: now,
    dateUpdated: now,
    dateStarted: now,
  });
  if (numbers > 0) {
    await database.db
      .insert(campaignNumbers)
      .values(Array.from({ length: numbers }, (_, position) => ({ campaignId: id, position, number: `+9198765432${String(position).padStart(2, '0')}`, status: 'pending' })));
  }
  return id;
}

interface Caller {
  accountSid: string;
  campaignId: string;
  position: number;
  attemptNumber?: number;
  cpm: number;
  channels: number;
  throttle?: number;
}

function ask(c: Caller, nowMs: number, retryDueAtMs: number | null = null): Promise<AcquireDialSlotOutput> {
  return database.db.transaction((tx) =>
    acquireDialSlot(tx, {
      accountSid: c.accountSid,
      campaignId: c.campaignId,
      position: c.position,
      attemptNumber: c.attemptNumber ?? 1,
      retryDueAtMs,
      callsPerMinute: c.cpm,
      channels: c.channels,
      campaignThrottle: c.throttle ?? null,
      leaseLimitMs: leaseLimitMs(30, 3600),
      nowMs,
    }),
  );
}

async function leases(accountSid: string): Promise<string[]> {
  const rows = await database.db
    .select({ id: dialWaiters.id })
    .from(dialWaiters)
    .where(and(eq(dialWaiters.accountSid, accountSid), isNotNull(dialWaiters.grantedAt)));
  return rows.map((r) => r.id).sort();
}

describe('§4.5 dial gate (PostgreSQL)', () => {
  it('serves several callers at once: one after another in position order, never more than the horizon holds', async () => {
    const acct = await account({ calls_per_minute: 60, channels: 3 });
    const cid = await campaign(acct, 8);
    const callers = Array.from({ length: 8 }, (_, position): Caller => ({ accountSid: acct, campaignId: cid, position, cpm: 60, channels: 3 }));
    // Their first requests only register them (in reverse order, as a slow start might).
    for (const c of [...callers].reverse()) expect(await ask(c, T0)).toMatchObject({ kind: 'wait', reason: 'register' });
    // Then all ask at once, from separate transactions.
    const answers = await Promise.all([...callers].reverse().map((c) => ask(c, T0 + 1000)));
    const granted = answers.map((a, i) => ({ a, position: 7 - i })).filter((x) => x.a.kind === 'granted');
    // 60/min: slots 1.02 s apart, so two fit in the 2 s horizon; they go to the two lowest positions.
    expect(granted.map((g) => g.position).sort()).toEqual([0, 1]);
    const slots = granted.map((g) => (g.a.kind === 'granted' ? g.a.atMs : 0)).sort((a, b) => a - b);
    expect(slots[0]).toBe(T0 + 1000);
    expect(slots[1]! - slots[0]!).toBeGreaterThanOrEqual(dialIntervalMs(60) - 1);
    for (const a of answers) if (a.kind === 'wait') expect(a.retryInMs).toBeGreaterThan(0);
    expect(await leases(acct)).toEqual([waiterId(cid, 0, 1), waiterId(cid, 1, 1)].sort());
  });

  it('holds at most `channels` leases, and a released channel goes to the next in line', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 3 });
    const cid = await campaign(acct, 6);
    const callers = Array.from({ length: 6 }, (_, position): Caller => ({ accountSid: acct, campaignId: cid, position, cpm: 600, channels: 3 }));
    for (const c of callers) await ask(c, T0);
    const answers = await Promise.all(callers.map((c) => ask(c, T0 + 1000)));
    expect(answers.filter((a) => a.kind === 'granted')).toHaveLength(3);
    expect(await leases(acct)).toEqual([0, 1, 2].map((p) => waiterId(cid, p, 1)).sort());
    // 3 asks just before the release and is told to come back a little after it.
    expect(await ask(callers[3]!, T0 + 10_900)).toMatchObject({ kind: 'wait', reason: 'channels' });
    const wake = await database.db.transaction((tx) => releaseDialSlot(tx, { accountSid: acct, id: waiterId(cid, 1, 1), nowMs: T0 + 11_000, channels: 3, leaseLimitMs: leaseLimitMs(30, 3600) }));
    // Every channel was held: the waiter asking soonest is woken for the freed one, now.
    expect(wake).toEqual({ campaignId: cid, position: 3, askInMs: 0 });
    // Position 4 asks first, but 3 is here (due back within the second) and ahead of it.
    expect(await ask(callers[4]!, T0 + 11_000)).toMatchObject({ kind: 'wait', reason: 'turn' });
    expect(await ask(callers[3]!, T0 + 11_100)).toMatchObject({ kind: 'granted' });
    expect(await leases(acct)).toEqual([0, 2, 3].map((p) => waiterId(cid, p, 1)).sort());
  });

  it('dials a due retry before any first attempt of its campaign', async () => {
    const acct = await account({ calls_per_minute: 60, channels: 1 });
    const cid = await campaign(acct, 3);
    const first: Caller = { accountSid: acct, campaignId: cid, position: 0, cpm: 60, channels: 1 };
    const retry: Caller = { accountSid: acct, campaignId: cid, position: 2, attemptNumber: 2, cpm: 60, channels: 1 };
    await ask(first, T0);
    // The retry is here too (it fell due a minute ago): it is served first, the first attempt waits.
    expect(await ask(retry, T0 + 900, T0 - 60_000)).toMatchObject({ kind: 'granted' });
    expect(await ask(first, T0 + 1000)).toMatchObject({ kind: 'wait' });
  });

  it('paces a custom campaign by its throttle and alternates the auto campaigns in what is left', async () => {
    const acct = await account({ calls_per_minute: 60, channels: 60 });
    const custom = await campaign(acct, 20, { throttle: 20 });
    const autoA = await campaign(acct, 20);
    const autoB = await campaign(acct, 20);
    const pending = new Map<string, Caller & { dueMs: number }>();
    for (const [cid, throttle] of [
      [custom, 20],
      [autoA, undefined],
      [autoB, undefined],
    ] as const) {
      for (let position = 0; position < 20; position++) {
        pending.set(`${cid}/${position}`, { accountSid: acct, campaignId: cid, position, cpm: 60, channels: 60, ...(throttle && { throttle }), dueMs: T0 });
      }
    }
    const grants: Array<{ campaignId: string; position: number; atMs: number }> = [];
    // Every caller comes back when told to; 30 s of simulated time.
    for (let guard = 0; guard < 5000 && pending.size > 0; guard++) {
      const next = [...pending.values()].sort((a, b) => a.dueMs - b.dueMs || a.position - b.position)[0]!;
      if (next.dueMs > T0 + 30_000) break;
      const a = await ask(next, next.dueMs);
      if (a.kind === 'granted') {
        grants.push({ campaignId: next.campaignId, position: next.position, atMs: a.atMs });
        pending.delete(`${next.campaignId}/${next.position}`);
      } else next.dueMs += a.retryInMs;
    }
    grants.sort((a, b) => a.atMs - b.atMs);
    const of = (cid: string) => grants.filter((g) => g.campaignId === cid);
    // 60/min for 30 s ≈ 29 slots: the custom campaign takes every third (20/min), the autos split the rest.
    expect(grants.length).toBeGreaterThanOrEqual(27);
    expect(Math.abs(of(custom).length - grants.length / 3)).toBeLessThanOrEqual(1.5);
    expect(Math.abs(of(autoA).length - of(autoB).length)).toBeLessThanOrEqual(1);
    for (const cid of [custom, autoA, autoB]) expect(of(cid).map((g) => g.position)).toEqual(of(cid).map((_, i) => i));
    for (let i = 1; i < grants.length; i++) expect(grants[i]!.atMs - grants[i - 1]!.atMs).toBeGreaterThanOrEqual(dialIntervalMs(60) - 1);
    const c = of(custom);
    for (let i = 1; i < c.length; i++) expect(c[i]!.atMs - c[i - 1]!.atMs).toBeGreaterThanOrEqual(dialIntervalMs(20) - 1);
    for (const g of grants) expect(g.atMs).toBeLessThanOrEqual(T0 + 30_000 + GRANT_HORIZON_MS);
  });

  it('stops counting a lease whose attempt can no longer be live (SPEC §7 bound), only then, and deletes it on the next release', async () => {
    const acct = await account({ calls_per_minute: 60, channels: 1 });
    const cid = await campaign(acct, 2);
    const a: Caller = { accountSid: acct, campaignId: cid, position: 0, attemptNumber: 2, cpm: 60, channels: 1 };
    const b: Caller = { accountSid: acct, campaignId: cid, position: 1, attemptNumber: 2, cpm: 60, channels: 1 };
    expect(await ask(a, T0)).toMatchObject({ kind: 'granted' });
    const limit = leaseLimitMs(30, 3600);
    expect(await ask(b, T0 + limit - 1000)).toMatchObject({ kind: 'wait', reason: 'channels' });
    expect(await ask(b, T0 + limit + 1000)).toMatchObject({ kind: 'granted' });
    await database.db.transaction((tx) => releaseDialSlot(tx, { accountSid: acct, id: waiterId(cid, 1, 2), nowMs: T0 + limit + 5000, channels: 1, leaseLimitMs: limit }));
    expect(await leases(acct)).toEqual([]);
  });
});

describe('§4.5 channel held from grant to settle (attempt activities, PostgreSQL)', () => {
  const noCarrier: CarrierFactory = () => {
    throw new Error('these tests never dial');
  };

  it('begins an attempt only with a lease, and settling it gives the channel back in the same transaction', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 1 });
    const cid = await campaign(acct, 2);
    const act = createAttemptActivities({ db: database.db, carriers: noCarrier, publicUrl: 'http://127.0.0.1:9' });
    const begin = (position: number, nowMs: number) => act.beginAttempt({ campaignId: cid, position, attemptNumber: 1, nowMs });
    expect(await begin(0, T0)).toMatchObject({ kind: 'wait' });
    expect(await begin(1, T0)).toMatchObject({ kind: 'wait' });
    const first = await begin(0, T0 + 1000);
    expect(first.kind).toBe('dial');
    if (first.kind !== 'dial') return;
    // Number 1 waits for the channel and stays pending; number 0 is in-progress.
    expect(await begin(1, T0 + 1200)).toMatchObject({ kind: 'wait' });
    const rows = await database.db.select().from(campaignNumbers).where(eq(campaignNumbers.campaignId, cid)).orderBy(campaignNumbers.position);
    expect(rows.map((r) => r.status)).toEqual(['in-progress', 'pending']);
    expect(await database.db.select().from(attempts).where(eq(attempts.campaignId, cid))).toHaveLength(1);
    // A retried beginAttempt returns the same attempt and takes no second channel.
    expect(await begin(0, T0 + 1300)).toMatchObject({ kind: 'dial', callSid: first.callSid });
    expect(await leases(acct)).toEqual([waiterId(cid, 0, 1)]);

    await act.settleAttempt({
      callSid: first.callSid,
      outcome: { status: 'completed', reason: null, carrierSid: 'x', startTimeMs: null, endTimeMs: null, duration: 1, digits: null, recordingUrl: null },
      retryDelayMs: null,
      jitterMs: 0,
      nowMs: T0 + 5000,
    });
    expect(await leases(acct)).toEqual([]);
    expect(await begin(1, T0 + 5100)).toMatchObject({ kind: 'dial' });
  });

  it('does not make paused campaigns’ waiters hold up anyone, and forgets a waiter that is held', async () => {
    const acct = await account({ calls_per_minute: 20, channels: 5 });
    const paused = await campaign(acct, 1);
    const running = await campaign(acct, 1);
    const act = createAttemptActivities({ db: database.db, carriers: noCarrier, publicUrl: 'http://127.0.0.1:9' });
    await act.beginAttempt({ campaignId: paused, position: 0, attemptNumber: 1, nowMs: T0 });
    await database.db.update(campaigns).set({ status: 'Paused' }).where(eq(campaigns.id, paused));
    await act.beginAttempt({ campaignId: running, position: 0, attemptNumber: 1, nowMs: T0 });
    expect(await act.beginAttempt({ campaignId: running, position: 0, attemptNumber: 1, nowMs: T0 + 1000 })).toMatchObject({ kind: 'dial' });
    expect(await act.beginAttempt({ campaignId: paused, position: 0, attemptNumber: 1, nowMs: T0 + 1000 })).toEqual({ kind: 'hold' });
    expect(await database.db.select().from(dialWaiters).where(eq(dialWaiters.campaignId, paused))).toEqual([]);
  });
});

describe('§4.5 send spacer (PostgreSQL clock)', () => {
  async function attemptRows(cid: string, n: number): Promise<string[]> {
    const sids = Array.from({ length: n }, () => newSid());
    await database.db.insert(attempts).values(
      sids.map((callSid, position) => ({
        callSid,
        campaignId: cid,
        position,
        attemptNumber: 1,
        number: `+9198765432${String(position).padStart(2, '0')}`,
        callerId: '08012345678',
        token: `1_${newSid()}`,
        dateCreated: new Date(),
      })),
    );
    return sids;
  }

  it('spaces concurrent dial requests by 60/cpm s and claims each attempt once', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 60 });
    const cid = await campaign(acct, 12);
    const sids = await attemptRows(cid, 12);
    const spaced = await Promise.all(sids.map((callSid) => reserveSendSlot(database.db, { callSid, accountSid: acct, callsPerMinute: 600, campaignId: cid, campaignThrottle: null })));
    const at = spaced.map((s) => (s.claimed ? s.atMs : NaN)).sort((a, b) => a - b);
    expect(at.every(Number.isFinite)).toBe(true);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(dialIntervalMs(600) - 1);
    expect(await reserveSendSlot(database.db, { callSid: sids[0]!, accountSid: acct, callsPerMinute: 600, campaignId: cid, campaignThrottle: null })).toEqual({ claimed: false });
    const rows = await database.db.select({ at: attempts.dialStartedAt }).from(attempts).where(eq(attempts.campaignId, cid));
    expect(rows.every((r) => r.at !== null)).toBe(true);
  });

  it('spaces a custom campaign by its throttle on top of the account', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 60 });
    const cid = await campaign(acct, 3, { throttle: 120 });
    const sids = await attemptRows(cid, 3);
    const at: number[] = [];
    for (const callSid of sids) {
      const s = await reserveSendSlot(database.db, { callSid, accountSid: acct, callsPerMinute: 600, campaignId: cid, campaignThrottle: 120 });
      if (s.claimed) at.push(s.atMs);
    }
    expect(at).toHaveLength(3);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(dialIntervalMs(120) - 1);
  });
});
