/**
 * SPEC §4.5: the dial gate and the send spacer against a real PostgreSQL: several callers at once,
 * channels, order of service, channel release in the settle transaction, lease reaping.
 * The gate takes the later of the database clock and the one its callers pass, so these tests drive
 * it with instants in 2030.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttemptActivities, recordCallOutcome } from '../../activities/attempts';
import { acquireDialSlot, waiterId, type AcquireDialSlotOutput } from '../../activities/dial-gate';
import { releaseDialSlot } from '../../activities/dial-release';
import { reserveSendSlot } from '../../activities/send-spacer';
import type { CarrierFactory } from '../../activities/carriers/carrier';
import { upsertAccount } from '../../db/queries/accounts';
import { attempts, campaignNumbers, campaigns, dialGates, dialWaiters } from '../../db/schema';
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
  await upsertAccount(database.db, {
    sid,
    api_key: `k_${sid}`,
    api_token: 't',
    calling_window: '00:00-24:00',
    ...settings,
  });
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
    await database.db.insert(campaignNumbers).values(
      Array.from({ length: numbers }, (_, position) => ({
        campaignId: id,
        position,
        number: `+9198765432${String(position).padStart(2, '0')}`,
        status: 'pending',
      })),
    );
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
  it('serves callers at once one after another in position order, never past the horizon', async () => {
    const acct = await account({ calls_per_minute: 60, channels: 3 });
    const cid = await campaign(acct, 8);
    const callers = Array.from({ length: 8 }, (_, position): Caller => ({
      accountSid: acct,
      campaignId: cid,
      position,
      cpm: 60,
      channels: 3,
    }));
    // Their first requests only register them (in reverse order, as a slow start might).
    for (const c of [...callers].reverse())
      expect(await ask(c, T0)).toMatchObject({ kind: 'wait', reason: 'register' });
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

  it('holds at most `channels` leases, stages what settles in 10 s; a release wakes the next', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 3 });
    const cid = await campaign(acct, 8);
    const callers = Array.from({ length: 8 }, (_, position): Caller => ({
      accountSid: acct,
      campaignId: cid,
      position,
      cpm: 600,
      channels: 3,
    }));
    for (const c of callers) await ask(c, T0);
    const answers = await Promise.all(callers.map((c) => ask(c, T0 + 1000)));
    expect(answers.filter((a) => a.kind === 'granted')).toHaveLength(3);
    expect(await leases(acct)).toEqual([0, 1, 2].map((p) => waiterId(cid, p, 1)).sort());
    // 3 asks just before the release and is told to come back a little after it.
    expect(await ask(callers[3]!, T0 + 10_900)).toMatchObject({ kind: 'wait', reason: 'channels' });
    const wake = await database.db.transaction((tx) =>
      releaseDialSlot(tx, {
        accountSid: acct,
        id: waiterId(cid, 1, 1),
        nowMs: T0 + 11_000,
        channels: 3,
        leaseLimitMs: leaseLimitMs(30, 3600),
      }),
    );
    // Every lease was held: the waiter asking soonest is woken for the freed one, now.
    expect(wake).toEqual({ campaignId: cid, position: 3, askInMs: 0 });
    // Calls now hold 10 s, so the gate stages 3 more than the 3 channels (leaseCap): 6 leases. The
    // free channel goes to the first in line: 4 asks first, but 3 is here (due back within the
    // second) and ahead of it. Once every channel is leased, grants are staged in the campaign's
    // order: the slot 5 asks for goes to 4 (woken to collect it), 5 and 6 take the next two, and then
    // every lease is held: 7 waits for a channel; 4 collects its slot.
    const again: AcquireDialSlotOutput[] = [];
    for (const p of [4, 3, 5, 6, 7, 4]) again.push(await ask(callers[p]!, T0 + 11_100));
    expect(again.map((a) => (a.kind === 'wait' ? a.reason : a.kind))).toEqual([
      'turn',
      'granted',
      'granted',
      'granted',
      'channels',
      'granted',
    ]);
    expect(again[2]).toMatchObject({ kind: 'granted', wakes: [{ campaignId: cid, position: 4, askInMs: 0 }] });
    expect(await ask(callers[7]!, T0 + 11_200)).toMatchObject({ kind: 'wait', reason: 'channels' });
    expect(await leases(acct)).toEqual([0, 2, 3, 4, 5, 6].map((p) => waiterId(cid, p, 1)).sort());
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
        pending.set(`${cid}/${position}`, {
          accountSid: acct,
          campaignId: cid,
          position,
          cpm: 60,
          channels: 60,
          ...(throttle && { throttle }),
          dueMs: T0,
        });
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
    for (let i = 1; i < grants.length; i++)
      expect(grants[i]!.atMs - grants[i - 1]!.atMs).toBeGreaterThanOrEqual(dialIntervalMs(60) - 1);
    const c = of(custom);
    for (let i = 1; i < c.length; i++)
      expect(c[i]!.atMs - c[i - 1]!.atMs).toBeGreaterThanOrEqual(dialIntervalMs(20) - 1);
    for (const g of grants) expect(g.atMs).toBeLessThanOrEqual(T0 + 30_000 + GRANT_HORIZON_MS);
  });

  it('stops counting a lease whose attempt can no longer be live (SPEC §7), deleted at release', async () => {
    const acct = await account({ calls_per_minute: 60, channels: 1 });
    const cid = await campaign(acct, 2);
    const a: Caller = { accountSid: acct, campaignId: cid, position: 0, attemptNumber: 2, cpm: 60, channels: 1 };
    const b: Caller = { accountSid: acct, campaignId: cid, position: 1, attemptNumber: 2, cpm: 60, channels: 1 };
    expect(await ask(a, T0)).toMatchObject({ kind: 'granted' });
    // Its dial was sent (a lease granted and never sent stops counting after 30 s: it was abandoned).
    await database.db
      .update(dialWaiters)
      .set({ sentAt: new Date(T0) })
      .where(eq(dialWaiters.id, waiterId(cid, 0, 2)));
    const limit = leaseLimitMs(30, 3600);
    expect(await ask(b, T0 + limit - 1000)).toMatchObject({ kind: 'wait', reason: 'channels' });
    expect(await ask(b, T0 + limit + 1000)).toMatchObject({ kind: 'granted' });
    await database.db.transaction((tx) =>
      releaseDialSlot(tx, {
        accountSid: acct,
        id: waiterId(cid, 1, 2),
        nowMs: T0 + limit + 5000,
        channels: 1,
        leaseLimitMs: limit,
      }),
    );
    expect(await leases(acct)).toEqual([]);
  });
});

describe('§4.5 channel held from grant to settle (attempt activities, PostgreSQL)', () => {
  const noCarrier: CarrierFactory = () => {
    throw new Error('these tests never dial');
  };

  it('begins an attempt only with a lease; settling gives the channel back in one transaction', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 1 });
    const cid = await campaign(acct, 2);
    const act = createAttemptActivities({ db: database.db, carriers: noCarrier, publicUrl: 'http://127.0.0.1:9' });
    const begin = (position: number, nowMs: number) =>
      act.beginAttempt({ campaignId: cid, position, attemptNumber: 1, nowMs });
    expect(await begin(0, T0)).toMatchObject({ kind: 'wait' });
    expect(await begin(1, T0)).toMatchObject({ kind: 'wait' });
    const first = await begin(0, T0 + 1000);
    expect(first.kind).toBe('dial');
    if (first.kind !== 'dial') return;
    // Number 1 waits for the channel and stays pending; number 0 is in-progress.
    expect(await begin(1, T0 + 1200)).toMatchObject({ kind: 'wait' });
    const rows = await database.db
      .select()
      .from(campaignNumbers)
      .where(eq(campaignNumbers.campaignId, cid))
      .orderBy(campaignNumbers.position);
    expect(rows.map((r) => r.status)).toEqual(['in-progress', 'pending']);
    expect(await database.db.select().from(attempts).where(eq(attempts.campaignId, cid))).toHaveLength(1);
    // A retried beginAttempt returns the same attempt and takes no second channel.
    expect(await begin(0, T0 + 1300)).toMatchObject({ kind: 'dial', callSid: first.callSid });
    expect(await leases(acct)).toEqual([waiterId(cid, 0, 1)]);

    await act.settleAttempt({
      callSid: first.callSid,
      outcome: {
        status: 'completed',
        reason: null,
        carrierSid: 'x',
        startTimeMs: null,
        endTimeMs: null,
        duration: 1,
        digits: null,
        recordingUrl: null,
      },
      retryDelayMs: null,
      jitterMs: 0,
      nowMs: T0 + 5000,
    });
    expect(await leases(acct)).toEqual([]);
    expect(await begin(1, T0 + 5100)).toMatchObject({ kind: 'dial' });
  });

  /**
   * Every channel of the account live with a call of another campaign, and calls holding 10 s: the
   * gate then stages as many again (leaseCap), and staged slots are handed on in order.
   */
  async function channelsBusy(acct: string, channels: number): Promise<void> {
    const other = await campaign(acct, channels);
    const t = new Date(T0);
    await database.db.insert(dialWaiters).values(
      Array.from({ length: channels }, (_, position) => ({
        id: waiterId(other, position, 1),
        accountSid: acct,
        campaignId: other,
        position,
        isRetry: false,
        orderAt: t,
        dueAt: t,
        lapseAt: t,
        grantedAt: t,
        sentAt: t,
      })),
    );
    await database.db.insert(dialGates).values({ key: `account:${acct}`, nextDialAt: new Date(0), holdMs: 10_000 });
  }

  it('hands a later number’s staged slot to its campaign’s first in line (SPEC §4.5 order)', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 2 });
    await channelsBusy(acct, 2);
    const cid = await campaign(acct, 3);
    const act = createAttemptActivities({ db: database.db, carriers: noCarrier, publicUrl: 'http://127.0.0.1:9' });
    const begin = (position: number, nowMs: number) =>
      act.beginAttempt({ campaignId: cid, position, attemptNumber: 1, nowMs });
    for (const p of [0, 1, 2]) expect(await begin(p, T0)).toMatchObject({ kind: 'wait' });
    // Number 0 went to sleep for a minute (its turn looked far off): it is not there when 1 asks.
    await database.db
      .update(dialWaiters)
      .set({ dueAt: new Date(T0 + 60_000), lapseAt: new Date(T0 + 65_000) })
      .where(eq(dialWaiters.id, waiterId(cid, 0, 1)));
    // Two slots can be staged: 1's request takes the first for 0, woken to collect it, and the second for itself.
    expect(await begin(1, T0 + 1000)).toMatchObject({
      kind: 'dial',
      wakes: [{ campaignId: cid, position: 0, askInMs: 0 }],
    });
    expect((await leases(acct)).filter((l) => l.startsWith(cid))).toEqual(
      [waiterId(cid, 0, 1), waiterId(cid, 1, 1)].sort(),
    );
    expect(await begin(2, T0 + 1000)).toMatchObject({ kind: 'wait' });
    // 0 stays pending, with no attempt row, until it comes for its slot; then it has it at once.
    const pending = await database.db
      .select()
      .from(campaignNumbers)
      .where(eq(campaignNumbers.campaignId, cid))
      .orderBy(campaignNumbers.position);
    expect(pending.map((r) => r.status)).toEqual(['pending', 'in-progress', 'pending']);
    const zero = await begin(0, T0 + 1500);
    expect(zero.kind).toBe('dial');
    expect(zero).not.toHaveProperty('wakes');
    expect(
      (await database.db.select().from(attempts).where(eq(attempts.campaignId, cid))).map((a) => a.position).sort(),
    ).toEqual([0, 1]);
  });

  it('a free channel goes to the first in line present: a number asleep is not handed it', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 2 });
    const cid = await campaign(acct, 2);
    const act = createAttemptActivities({ db: database.db, carriers: noCarrier, publicUrl: 'http://127.0.0.1:9' });
    const begin = (position: number, nowMs: number) =>
      act.beginAttempt({ campaignId: cid, position, attemptNumber: 1, nowMs });
    for (const p of [0, 1]) await begin(p, T0);
    await database.db
      .update(dialWaiters)
      .set({ dueAt: new Date(T0 + 60_000), lapseAt: new Date(T0 + 65_000) })
      .where(eq(dialWaiters.id, waiterId(cid, 0, 1)));
    const one = await begin(1, T0 + 1000);
    expect(one.kind).toBe('dial');
    expect(one).not.toHaveProperty('wakes');
    expect(await leases(acct)).toEqual([waiterId(cid, 1, 1)]);
  });

  it('a number handed a staged slot that finds its campaign paused gives the slot back uncollected', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 1 });
    await channelsBusy(acct, 1);
    const cid = await campaign(acct, 2);
    const act = createAttemptActivities({ db: database.db, carriers: noCarrier, publicUrl: 'http://127.0.0.1:9' });
    const begin = (position: number, nowMs: number) =>
      act.beginAttempt({ campaignId: cid, position, attemptNumber: 1, nowMs });
    for (const p of [0, 1]) await begin(p, T0);
    await database.db
      .update(dialWaiters)
      .set({ dueAt: new Date(T0 + 60_000), lapseAt: new Date(T0 + 65_000) })
      .where(eq(dialWaiters.id, waiterId(cid, 0, 1)));
    // One slot can be staged: 1's request hands it to 0 and 1 waits.
    expect(await begin(1, T0 + 1000)).toMatchObject({
      kind: 'wait',
      wakes: [{ campaignId: cid, position: 0, askInMs: 0 }],
    });
    expect((await leases(acct)).filter((l) => l.startsWith(cid))).toEqual([waiterId(cid, 0, 1)]);
    await database.db.update(campaigns).set({ status: 'Paused' }).where(eq(campaigns.id, cid));
    expect(await begin(0, T0 + 1200)).toEqual({ kind: 'hold' });
    expect((await leases(acct)).filter((l) => l.startsWith(cid))).toEqual([]);
    expect(await database.db.select().from(attempts).where(eq(attempts.campaignId, cid))).toEqual([]);
  });

  it('does not make paused campaigns’ waiters hold up anyone, and forgets a waiter that is held', async () => {
    const acct = await account({ calls_per_minute: 20, channels: 5 });
    const paused = await campaign(acct, 1);
    const running = await campaign(acct, 1);
    const act = createAttemptActivities({ db: database.db, carriers: noCarrier, publicUrl: 'http://127.0.0.1:9' });
    await act.beginAttempt({ campaignId: paused, position: 0, attemptNumber: 1, nowMs: T0 });
    await database.db.update(campaigns).set({ status: 'Paused' }).where(eq(campaigns.id, paused));
    await act.beginAttempt({ campaignId: running, position: 0, attemptNumber: 1, nowMs: T0 });
    expect(
      await act.beginAttempt({ campaignId: running, position: 0, attemptNumber: 1, nowMs: T0 + 1000 }),
    ).toMatchObject({ kind: 'dial' });
    expect(await act.beginAttempt({ campaignId: paused, position: 0, attemptNumber: 1, nowMs: T0 + 1000 })).toEqual({
      kind: 'hold',
    });
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

  /** Leases granted 1 ms apart, in position order, as the gate writes them (none sent yet). */
  async function grantLeases(acct: string, cid: string, n: number, attemptNumber = 1): Promise<void> {
    const t = Date.now() - 1000;
    await database.db.insert(dialWaiters).values(
      Array.from({ length: n }, (_, position) => ({
        id: waiterId(cid, position, attemptNumber),
        accountSid: acct,
        campaignId: cid,
        position,
        isRetry: attemptNumber > 1,
        orderAt: new Date(t),
        dueAt: new Date(t + position),
        lapseAt: new Date(t + 5000),
        grantedAt: new Date(t + position),
      })),
    );
  }

  const reserve = (
    acct: string,
    cid: string,
    callSid: string,
    position: number,
    x: { cpm?: number; channels?: number; throttle?: number } = {},
  ) =>
    reserveSendSlot(database.db, {
      callSid,
      accountSid: acct,
      callsPerMinute: x.cpm ?? 600,
      campaignId: cid,
      campaignThrottle: x.throttle ?? null,
      channels: x.channels ?? 60,
      leaseId: waiterId(cid, position, 1),
      leaseLimitMs: leaseLimitMs(30, 3600),
    });

  it('spaces concurrent dial requests by 60/cpm s and claims each attempt once', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 60 });
    const cid = await campaign(acct, 12);
    const sids = await attemptRows(cid, 12);
    await grantLeases(acct, cid, 12);
    const spaced = await Promise.all(sids.map((callSid, position) => reserve(acct, cid, callSid, position)));
    const at = spaced.map((s) => (s.kind === 'claimed' ? s.atMs : NaN)).sort((a, b) => a - b);
    expect(at.every(Number.isFinite)).toBe(true);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(dialIntervalMs(600) - 1);
    expect(await reserve(acct, cid, sids[0]!, 0)).toEqual({ kind: 'taken' });
    const sent = await database.db
      .select({ sentAt: dialWaiters.sentAt })
      .from(dialWaiters)
      .where(eq(dialWaiters.campaignId, cid));
    expect(sent.every((r) => r.sentAt !== null)).toBe(true);
    const rows = await database.db
      .select({ at: attempts.dialStartedAt })
      .from(attempts)
      .where(eq(attempts.campaignId, cid));
    expect(rows.every((r) => r.at !== null)).toBe(true);
  });

  it('spaces a custom campaign by its throttle on top of the account', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 60 });
    const cid = await campaign(acct, 3, { throttle: 120 });
    const sids = await attemptRows(cid, 3);
    await grantLeases(acct, cid, 3);
    const at: number[] = [];
    for (const [position, callSid] of sids.entries()) {
      const s = await reserve(acct, cid, callSid, position, { throttle: 120 });
      if (s.kind === 'claimed') at.push(s.atMs);
    }
    expect(at).toHaveLength(3);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(dialIntervalMs(120) - 1);
  });

  it('counts channels at the send: staged dials wait, then take freed channels in grant order', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 2 });
    const cid = await campaign(acct, 4);
    const sids = await attemptRows(cid, 4);
    await grantLeases(acct, cid, 4);
    // The last granted asks first: the two granted before it are ahead of it for the two channels.
    expect(await reserve(acct, cid, sids[2]!, 2, { channels: 2 })).toMatchObject({ kind: 'no_channel' });
    expect(await reserve(acct, cid, sids[0]!, 0, { channels: 2 })).toMatchObject({ kind: 'claimed', freeChannels: 1 });
    expect(await reserve(acct, cid, sids[1]!, 1, { channels: 2 })).toMatchObject({ kind: 'claimed', freeChannels: 0 });
    // Two calls live: neither staged dial may send, whatever its place.
    expect(await reserve(acct, cid, sids[3]!, 3, { channels: 2 })).toMatchObject({ kind: 'no_channel' });
    expect(await reserve(acct, cid, sids[2]!, 2, { channels: 2 })).toMatchObject({ kind: 'no_channel' });
    // The first call settles: its channel goes to the staged dial granted first, not the one asking first.
    await database.db.transaction((tx) =>
      releaseDialSlot(tx, {
        accountSid: acct,
        id: waiterId(cid, 0, 1),
        nowMs: Date.now(),
        channels: 2,
        leaseLimitMs: leaseLimitMs(30, 3600),
      }),
    );
    expect(await reserve(acct, cid, sids[3]!, 3, { channels: 2 })).toMatchObject({ kind: 'no_channel' });
    expect(await reserve(acct, cid, sids[2]!, 2, { channels: 2 })).toMatchObject({ kind: 'claimed', freeChannels: 0 });
    const claimed = await database.db
      .select({ position: attempts.position })
      .from(attempts)
      .where(and(eq(attempts.campaignId, cid), isNotNull(attempts.dialStartedAt)));
    expect(claimed.map((r) => r.position).sort()).toEqual([0, 1, 2]);
  });

  it('gives a freed channel to the campaign’s next staged dial in order, grants swapped or not', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 1 });
    const cid = await campaign(acct, 3);
    const sids = await attemptRows(cid, 3);
    await grantLeases(acct, cid, 3);
    // Position 2 was granted first, position 1 after it.
    const t = Date.now();
    await database.db
      .update(dialWaiters)
      .set({ grantedAt: new Date(t - 3000) })
      .where(eq(dialWaiters.id, waiterId(cid, 2, 1)));
    await database.db
      .update(dialWaiters)
      .set({ grantedAt: new Date(t - 2000) })
      .where(eq(dialWaiters.id, waiterId(cid, 1, 1)));
    expect(await reserve(acct, cid, sids[0]!, 0, { channels: 1 })).toMatchObject({ kind: 'claimed' });
    await database.db.transaction((tx) =>
      releaseDialSlot(tx, {
        accountSid: acct,
        id: waiterId(cid, 0, 1),
        nowMs: Date.now(),
        channels: 1,
        leaseLimitMs: leaseLimitMs(30, 3600),
      }),
    );
    // The channel is free: 2 asks first, but 1 comes before it.
    expect(await reserve(acct, cid, sids[2]!, 2, { channels: 1 })).toMatchObject({ kind: 'no_channel' });
    expect(await reserve(acct, cid, sids[1]!, 1, { channels: 1 })).toMatchObject({ kind: 'claimed' });
    expect(await reserve(acct, cid, sids[2]!, 2, { channels: 1 })).toMatchObject({ kind: 'no_channel' });
  });

  it('sends nothing for a campaign that stopped dialling (paused or ending) and claims nothing', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 5 });
    const paused = await campaign(acct, 1);
    const ending = await campaign(acct, 1);
    const [p] = await attemptRows(paused, 1);
    const [e] = await attemptRows(ending, 1);
    await grantLeases(acct, paused, 1);
    await grantLeases(acct, ending, 1);
    await database.db.update(campaigns).set({ status: 'Paused' }).where(eq(campaigns.id, paused));
    await database.db.update(campaigns).set({ closing: 'Completed' }).where(eq(campaigns.id, ending));
    expect(await reserve(acct, paused, p!, 0, { channels: 5 })).toEqual({ kind: 'not_dialable' });
    expect(await reserve(acct, ending, e!, 0, { channels: 5 })).toEqual({ kind: 'not_dialable' });
    const rows = await database.db
      .select({ at: attempts.dialStartedAt })
      .from(attempts)
      .where(and(eq(attempts.callSid, p!)));
    expect(rows).toEqual([{ at: null }]);
  });
});

describe('§4.5 staged dials (attempt activities, PostgreSQL)', () => {
  interface Placed {
    to: string;
    atMs: number;
  }
  function recordingCarrier(placed: Placed[]): CarrierFactory {
    return () =>
      ({
        placeCall: async (req: { to: string }) => {
          placed.push({ to: req.to, atMs: Date.now() });
          return { kind: 'accepted' as const, carrierSid: `sim_${placed.length}` };
        },
        lookupCall: async () => ({ kind: 'not_found' as const }),
        parseCallback: () => null,
      }) as unknown as ReturnType<CarrierFactory>; // only placeCall is used by these tests
  }
  const completed = {
    status: 'completed' as const,
    reason: null,
    carrierSid: 'x',
    startTimeMs: null,
    endTimeMs: null,
    duration: 1,
    digits: null,
    recordingUrl: null,
  };

  it('a staged dial sends when a live call settles, and is withdrawn unsent on pause', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 1 });
    const cid = await campaign(acct, 3);
    const placed: Placed[] = [];
    const act = createAttemptActivities({
      db: database.db,
      carriers: recordingCarrier(placed),
      publicUrl: 'http://127.0.0.1:9',
    });
    const now = Date.now();
    const begin = async (position: number) => {
      await act.beginAttempt({ campaignId: cid, position, attemptNumber: 1, nowMs: now });
      const b = await act.beginAttempt({ campaignId: cid, position, attemptNumber: 1, nowMs: now + 1000 });
      if (b.kind !== 'dial') throw new Error(`position ${position} was not granted: ${JSON.stringify(b)}`);
      return b;
    };
    const first = await begin(0);
    expect(await act.dialAttempt({ callSid: first.callSid })).toMatchObject({ kind: 'accepted' });
    // One release so far tells the gate how long calls hold: it may stage one more than the channels.
    await database.db
      .update(dialGates)
      .set({ holdMs: 10_000 })
      .where(eq(dialGates.key, `account:${acct}`));
    const second = await begin(1);
    const staged = act.dialAttempt({ callSid: second.callSid });
    await new Promise((r) => setTimeout(r, 300));
    expect(placed).toHaveLength(1); // the only channel is live
    const settledAt = Date.now();
    await act.settleAttempt({
      callSid: first.callSid,
      outcome: completed,
      retryDelayMs: null,
      jitterMs: 0,
      nowMs: settledAt,
    });
    expect(await staged).toMatchObject({ kind: 'accepted' });
    expect(placed[1]!.atMs).toBeGreaterThanOrEqual(settledAt);

    // The third is staged behind the live second, and its campaign is paused meanwhile.
    const third = await begin(2);
    const withdrawn = act.dialAttempt({ callSid: third.callSid });
    await new Promise((r) => setTimeout(r, 300));
    await database.db.update(campaigns).set({ status: 'Paused' }).where(eq(campaigns.id, cid));
    expect(await withdrawn).toEqual({ kind: 'withdrawn' });
    expect(placed).toHaveLength(2);
    // Undone as if never begun: no attempt row, the number pending again, the lease a waiter again.
    expect(await database.db.select().from(attempts).where(eq(attempts.callSid, third.callSid))).toEqual([]);
    const [n] = await database.db
      .select()
      .from(campaignNumbers)
      .where(and(eq(campaignNumbers.campaignId, cid), eq(campaignNumbers.position, 2)));
    expect(n).toMatchObject({ status: 'pending', attempts: 0, firstAttemptAt: null, lastAttemptAt: null });
    const [w] = await database.db
      .select()
      .from(dialWaiters)
      .where(eq(dialWaiters.id, waiterId(cid, 2, 1)));
    expect(w).toMatchObject({ grantedAt: null, sentAt: null });
    // A retried activity finds nothing to dial; the number hands itself back on its next begin.
    expect(await act.dialAttempt({ callSid: third.callSid })).toEqual({ kind: 'withdrawn' });
    expect(await act.beginAttempt({ campaignId: cid, position: 2, attemptNumber: 1, nowMs: Date.now() })).toEqual({
      kind: 'hold',
    });
  });

  it('a callback records the status and frees the channel; the number settles later with it', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 1 });
    const cid = await campaign(acct, 1);
    const act = createAttemptActivities({
      db: database.db,
      carriers: recordingCarrier([]),
      publicUrl: 'http://127.0.0.1:9',
    });
    await act.beginAttempt({ campaignId: cid, position: 0, attemptNumber: 1, nowMs: Date.now() });
    const b = await act.beginAttempt({ campaignId: cid, position: 0, attemptNumber: 1, nowMs: Date.now() + 1000 });
    if (b.kind !== 'dial') throw new Error(JSON.stringify(b));
    expect(await act.dialAttempt({ callSid: b.callSid })).toMatchObject({ kind: 'accepted' });
    const busy = {
      carrierSid: 'sim_1',
      status: 'busy' as const,
      reason: null,
      startTimeMs: null,
      endTimeMs: null,
      duration: 0,
      digits: null,
      recordingUrl: null,
    };
    const recordedAt = Date.now();
    expect(await recordCallOutcome(database.db, { token: b.token, outcome: busy, nowMs: recordedAt })).toMatchObject({
      kind: 'recorded',
      campaignId: cid,
      position: 0,
    });
    // SPEC §4.5: live until the final status is recorded, and no longer: the lease is gone.
    expect(await leases(acct)).toEqual([]);
    const [a] = await database.db.select().from(attempts).where(eq(attempts.callSid, b.callSid));
    expect(a).toMatchObject({ status: 'busy', carrierSid: 'sim_1' });
    expect(a!.settledAt!.getTime()).toBe(recordedAt);
    const number = async () =>
      (await database.db.select().from(campaignNumbers).where(eq(campaignNumbers.campaignId, cid)))[0]!;
    expect((await number()).status).toBe('in-progress');
    // The carrier delivers the callback again: still the number's to settle, the channel freed once.
    expect(
      await recordCallOutcome(database.db, { token: b.token, outcome: busy, nowMs: recordedAt + 500 }),
    ).toMatchObject({ kind: 'recorded' });
    // A lookup racing the callback brought another answer: the recorded one settles the number.
    const settled = await act.settleAttempt({
      callSid: b.callSid,
      outcome: { ...completed, carrierSid: 'sim_1' },
      retryDelayMs: 60_000,
      jitterMs: 0,
      nowMs: recordedAt + 800,
    });
    expect(settled.next).toEqual({ kind: 'retry', atMs: recordedAt + 800 + 60_000 });
    expect(await number()).toMatchObject({ status: 'retry', lastStatus: 'busy' });
    const [after] = await database.db.select().from(attempts).where(eq(attempts.callSid, b.callSid));
    expect(after!.settledAt!.getTime()).toBe(recordedAt);
    // Settled: a late callback changes nothing; an unknown token is told so.
    expect(await recordCallOutcome(database.db, { token: b.token, outcome: busy, nowMs: recordedAt + 900 })).toEqual({
      kind: 'settled',
    });
    expect(await recordCallOutcome(database.db, { token: '1_nope', outcome: busy, nowMs: recordedAt })).toEqual({
      kind: 'unknown_token',
    });
  });

  it('a withdrawn retry goes back to `retry` at its place among retries', async () => {
    const acct = await account({ calls_per_minute: 600, channels: 1 });
    const cid = await campaign(acct, 1);
    const act = createAttemptActivities({
      db: database.db,
      carriers: recordingCarrier([]),
      publicUrl: 'http://127.0.0.1:9',
    });
    const dueAt = new Date(Date.now() - 5000);
    await database.db
      .update(campaignNumbers)
      .set({ status: 'retry', attempts: 1, nextAttemptAt: dueAt })
      .where(eq(campaignNumbers.campaignId, cid));
    const b = await act.beginAttempt({ campaignId: cid, position: 0, attemptNumber: 2, nowMs: Date.now() });
    expect(b.kind).toBe('dial');
    if (b.kind !== 'dial') return;
    await database.db.update(campaigns).set({ status: 'Paused' }).where(eq(campaigns.id, cid));
    expect(await act.dialAttempt({ callSid: b.callSid })).toEqual({ kind: 'withdrawn' });
    const [n] = await database.db.select().from(campaignNumbers).where(eq(campaignNumbers.campaignId, cid));
    expect(n).toMatchObject({ status: 'retry', attempts: 1 });
    expect(n!.nextAttemptAt!.getTime()).toBe(dueAt.getTime());
  });
});
