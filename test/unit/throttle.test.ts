import { describe, expect, it } from 'vitest';
import {
  autoHeadroom,
  compareWaiters,
  firstInCampaign,
  dialIntervalMs,
  fairShares,
  GRANT_HORIZON_MS,
  leaseCap,
  leaseLimitMs,
  MAX_POLL_MS,
  MIN_POLL_MS,
  nextHoldMs,
  nextInLine,
  nextSlotMs,
  PACING_GUARD,
  STAGE_LEAD_MS,
  perSecondPeak,
  planDial,
  pollAfterMs,
  projectSlots,
  REGISTER_WAIT_MS,
  type GateAccount,
  type GateCampaign,
  type GateWaiter,
} from '../../domain/throttle';
import { LONG_SLEEP_MS, sleepUntilTurnMs } from '../../domain/gate-sleep';

const NOW = 1_800_000_000_000;

function waiter(id: string, campaignId: string, position: number, extra: Partial<GateWaiter> = {}): GateWaiter {
  return { id, campaignId, isRetry: false, position, orderAtMs: NOW, dueAtMs: NOW, lapseAtMs: NOW + 5000, ...extra };
}

function campaigns(...cs: Array<Partial<GateCampaign> & { id: string }>): Map<string, GateCampaign> {
  return new Map(cs.map((c) => [c.id, { throttle: null, nextDialAtMs: 0, lastGrantAtMs: null, ...c }]));
}

function account(extra: Partial<GateAccount> = {}): GateAccount {
  return { callsPerMinute: 60, channels: 60, live: 0, nextDialAtMs: 0, holdMs: 0, ...extra };
}

describe('§4.5 pacing arithmetic', () => {
  it('spaces dials 60/cpm seconds apart, stretched by the guard', () => {
    expect(dialIntervalMs(60)).toBeCloseTo(1000 * (1 + PACING_GUARD));
    expect(dialIntervalMs(600)).toBeCloseTo(100 * (1 + PACING_GUARD));
    expect(dialIntervalMs(30)).toBeCloseTo(2000 * (1 + PACING_GUARD));
    expect(() => dialIntervalMs(0)).toThrow(RangeError);
  });

  it('so no 60-second window holds more than cpm dials and no second more than ⌈cpm/60⌉', () => {
    for (const cpm of [1, 7, 30, 59, 60, 61, 120, 599, 600, 3600]) {
      const gap = dialIntervalMs(cpm);
      // cpm + 1 consecutive dials span cpm gaps: more than a minute.
      expect(cpm * gap, `cpm ${cpm}`).toBeGreaterThan(60_000);
      // ⌈cpm/60⌉ + 1 consecutive dials span more than a second.
      expect(perSecondPeak(cpm) * gap, `cpm ${cpm}`).toBeGreaterThan(1000);
    }
    expect([perSecondPeak(60), perSecondPeak(61), perSecondPeak(600), perSecondPeak(30)]).toEqual([1, 2, 10, 1]);
  });

  it('takes the latest of now, the account slot and a custom campaign slot', () => {
    expect(nextSlotMs(100, 50, null)).toBe(100);
    expect(nextSlotMs(100, 150, null)).toBe(150);
    expect(nextSlotMs(100, 150, 170)).toBe(170);
    expect(nextSlotMs(100, 50, 20)).toBe(100);
  });

  it('leaves auto campaigns what the custom throttles do not take', () => {
    expect(autoHeadroom(60, [])).toBe(60);
    expect(autoHeadroom(60, [30, 20])).toBe(10);
    expect(autoHeadroom(60, [70])).toBe(0);
  });

  it('splits capacity equally, giving what one cannot use to the others', () => {
    expect(fairShares(60, [Infinity, Infinity])).toEqual([30, 30]);
    expect(fairShares(60, [10, Infinity, Infinity])).toEqual([10, 25, 25]);
    expect(fairShares(60, [0, Infinity])).toEqual([0, 60]);
    expect(fairShares(60, [5, 5])).toEqual([5, 5]);
    expect(fairShares(60, [])).toEqual([]);
  });

  it('takes a lease back only after a call can no longer be live nor be looked for (ring + limit + 35 min)', () => {
    expect(leaseLimitMs(30, 3600)).toBe((30 + 3600) * 1000 + 35 * 60_000);
  });

  it('grants the channels plus the calls they settle in STAGE_LEAD_MS (staged), at most twice the channels', () => {
    expect(STAGE_LEAD_MS).toBe(10_000);
    expect(leaseCap(40, 0)).toBe(40); // no call has settled yet: nothing to go by
    expect(leaseCap(40, 20_000)).toBe(60); // 40 channels free 20 calls in 10 s
    expect(leaseCap(40, 10_000)).toBe(80); // ... or 40, the most staged
    expect(leaseCap(40, 3_600_000)).toBe(41); // hour-long calls: one staged
    expect(leaseCap(2, 1000)).toBe(4); // short calls: at most twice the channels
  });

  it('stays away half of the estimated wait, within bounds', () => {
    expect(pollAfterMs(10_000)).toBe(5000);
    expect(pollAfterMs(100)).toBe(MIN_POLL_MS);
    expect(pollAfterMs(-5)).toBe(MIN_POLL_MS);
    expect(pollAfterMs(10 * 60_000)).toBe(MAX_POLL_MS);
  });

  it('smooths the hold time', () => {
    expect(nextHoldMs(0, 10_000)).toBe(10_000);
    expect(nextHoldMs(10_000, 20_000)).toBe(12_000);
  });
});

describe('§4.5 order of service', () => {
  it('puts a campaign’s retries before its first attempts: longest due first, first attempts by position', () => {
    const ws = [
      waiter('f2', 'c', 2),
      waiter('r-late', 'c', 9, { isRetry: true, orderAtMs: NOW + 5 }),
      waiter('f1', 'c', 1, { orderAtMs: NOW + 50 }),
      waiter('r-early', 'c', 7, { isRetry: true }),
    ];
    expect([...ws].sort(compareWaiters).map((w) => w.id)).toEqual(['r-early', 'r-late', 'f1', 'f2']);
  });

  it('finds a campaign’s first in line, present or not, ignoring other campaigns', () => {
    const ws = [
      waiter('f1', 'c', 1),
      waiter('other-r', 'd', 0, { isRetry: true }),
      waiter('f0-asleep', 'c', 0, { dueAtMs: NOW + 60_000 }),
      waiter('f3', 'c', 3),
    ];
    expect(firstInCampaign(ws, 'c')?.id).toBe('f0-asleep');
    expect(firstInCampaign([...ws, waiter('r', 'c', 9, { isRetry: true })], 'c')?.id).toBe('r');
    expect(firstInCampaign(ws, 'd')?.id).toBe('other-r');
    expect(firstInCampaign(ws, 'e')).toBeNull();
  });

  it('alternates between auto campaigns, starting with the one served longest ago', () => {
    const cs = campaigns({ id: 'a', lastGrantAtMs: NOW - 10 }, { id: 'b', lastGrantAtMs: NOW - 20 });
    const ws = [0, 1, 2].flatMap((i) => [waiter(`a${i}`, 'a', i), waiter(`b${i}`, 'b', i)]);
    const order = projectSlots({ firstSlotMs: NOW, gapMs: 1000, campaigns: cs, waiters: ws });
    expect(order.map((s) => s.id)).toEqual(['b0', 'a0', 'b1', 'a1', 'b2', 'a2']);
    expect(order.map((s) => s.atMs - NOW)).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
  });

  it('gives the rest to the campaign that still has work (work conserving)', () => {
    const cs = campaigns({ id: 'a' }, { id: 'b' });
    const ws = [waiter('a0', 'a', 0), waiter('b0', 'b', 0), waiter('b1', 'b', 1), waiter('b2', 'b', 2)];
    expect(projectSlots({ firstSlotMs: NOW, gapMs: 1000, campaigns: cs, waiters: ws }).map((s) => s.id)).toEqual([
      'a0',
      'b0',
      'b1',
      'b2',
    ]);
  });

  it('serves a custom campaign whenever its own slot has come, auto campaigns in between', () => {
    // Account 60/min; custom campaign at 30/min: every other account slot.
    const cs = campaigns({ id: 'x', throttle: 30, nextDialAtMs: NOW }, { id: 'a' });
    const ws = [0, 1, 2].flatMap((i) => [waiter(`x${i}`, 'x', i), waiter(`a${i}`, 'a', i)]);
    const order = projectSlots({ firstSlotMs: NOW, gapMs: dialIntervalMs(60), campaigns: cs, waiters: ws });
    expect(order.map((s) => s.id)).toEqual(['x0', 'a0', 'x1', 'a1', 'x2', 'a2']);
  });

  it('jumps to a custom campaign’s slot when nothing else waits', () => {
    const cs = campaigns({ id: 'x', throttle: 30, nextDialAtMs: NOW + 1500 });
    const order = projectSlots({
      firstSlotMs: NOW,
      gapMs: 1000,
      campaigns: cs,
      waiters: [waiter('x0', 'x', 0), waiter('x1', 'x', 1)],
    });
    expect(order.map((s) => s.atMs - NOW)).toEqual([1500, 1500 + dialIntervalMs(30)]);
  });

  it('converges on the water-filling shares over many slots', () => {
    // Account 60/min, custom campaign at 20/min, two auto campaigns: 20 + 20 + 20.
    const cs = campaigns({ id: 'x', throttle: 20, nextDialAtMs: NOW }, { id: 'a' }, { id: 'b' });
    const ws = Array.from({ length: 100 }, (_, i) => ['x', 'a', 'b'].map((c) => waiter(`${c}${i}`, c, i))).flat();
    const order = projectSlots({ firstSlotMs: NOW, gapMs: dialIntervalMs(60), campaigns: cs, waiters: ws }).filter(
      (s) => s.atMs < NOW + 60_000,
    );
    const per = (c: string) => order.filter((s) => s.campaignId === c).length;
    const [x, a, b] = fairShares(60, [20, Infinity, Infinity]);
    for (const [c, share] of [
      ['x', x],
      ['a', a],
      ['b', b],
    ] as const)
      expect(Math.abs(per(c) - share! / (1 + PACING_GUARD)), c).toBeLessThanOrEqual(1);
  });
});

const plan = (x: Partial<Parameters<typeof planDial>[0]> & { waiters: GateWaiter[]; callerId: string }) =>
  planDial({ nowMs: NOW, account: account(), campaigns: campaigns({ id: 'a' }), callerIsNew: false, ...x });

describe('§4.5 planDial', () => {
  it('grants a free account at once and moves its next slot on', () => {
    expect(plan({ waiters: [waiter('w', 'a', 0)], callerId: 'w' })).toEqual({
      kind: 'granted',
      atMs: NOW,
      accountNextMs: NOW + dialIntervalMs(60),
      campaignNextMs: null,
    });
  });

  it('only registers a first attempt on its first request, so its siblings can line up', () => {
    expect(plan({ waiters: [waiter('w', 'a', 0)], callerId: 'w', callerIsNew: true })).toEqual({
      kind: 'wait',
      reason: 'register',
      retryInMs: REGISTER_WAIT_MS,
    });
    // A retry has its place already (its due time): no registration round.
    expect(plan({ waiters: [waiter('r', 'a', 0, { isRetry: true })], callerId: 'r', callerIsNew: true })).toMatchObject(
      { kind: 'granted' },
    );
  });

  it('grants the next slot when it is within the horizon, not beyond', () => {
    const near = plan({
      account: account({ nextDialAtMs: NOW + 1500 }),
      waiters: [waiter('w', 'a', 0)],
      callerId: 'w',
    });
    expect(near).toMatchObject({ kind: 'granted', atMs: NOW + 1500 });
    const far = plan({
      account: account({ nextDialAtMs: NOW + GRANT_HORIZON_MS + 3000 }),
      waiters: [waiter('w', 'a', 0)],
      callerId: 'w',
    });
    expect(far).toEqual({
      kind: 'wait',
      reason: 'pacing',
      retryInMs: (GRANT_HORIZON_MS + 3000) / 2,
      turnInMs: GRANT_HORIZON_MS + 3000,
    });
  });

  it('paces a custom campaign by its throttle as well as the account', () => {
    const cs = campaigns({ id: 'x', throttle: 30, nextDialAtMs: NOW + 700 });
    const p = plan({
      account: account({ nextDialAtMs: NOW + 300 }),
      campaigns: cs,
      waiters: [waiter('w', 'x', 0)],
      callerId: 'w',
    });
    expect(p).toEqual({
      kind: 'granted',
      atMs: NOW + 700,
      accountNextMs: NOW + 700 + dialIntervalMs(60),
      campaignNextMs: NOW + 700 + dialIntervalMs(30),
    });
  });

  it('waits while every channel is held, whatever the rate allows', () => {
    expect(
      plan({ account: account({ channels: 2, live: 2 }), waiters: [waiter('w', 'a', 0)], callerId: 'w' }),
    ).toMatchObject({ kind: 'wait', reason: 'channels', retryInMs: MIN_POLL_MS });
  });

  it('makes a first attempt wait while a retry of its campaign is here', () => {
    const ws = [waiter('first', 'a', 0), waiter('retry', 'a', 9, { isRetry: true })];
    expect(plan({ account: account({ channels: 1 }), waiters: ws, callerId: 'first' })).toMatchObject({
      kind: 'wait',
      reason: 'turn',
    });
    expect(plan({ account: account({ channels: 1 }), waiters: ws, callerId: 'retry' })).toMatchObject({
      kind: 'granted',
    });
  });

  it('makes a higher position wait for a lower one that is here', () => {
    const ws = [waiter('p0', 'a', 0, { dueAtMs: NOW + 500 }), waiter('p1', 'a', 1)];
    // 20/min: the second slot is 3 s away, beyond the horizon.
    expect(plan({ account: account({ callsPerMinute: 20 }), waiters: ws, callerId: 'p1' })).toMatchObject({
      kind: 'wait',
      reason: 'turn',
    });
  });

  it('does not let a waiter that is away, or gone, hold the others up', () => {
    const away = [waiter('away', 'a', 0, { dueAtMs: NOW + 20_000, lapseAtMs: NOW + 25_000 }), waiter('here', 'a', 1)];
    expect(plan({ account: account({ channels: 1 }), waiters: away, callerId: 'here' })).toMatchObject({
      kind: 'granted',
    });
    const gone = [waiter('gone', 'a', 0, { dueAtMs: NOW - 6000, lapseAtMs: NOW - 1000 }), waiter('here', 'a', 1)];
    expect(
      plan({ account: account({ channels: 1, callsPerMinute: 20 }), waiters: gone, callerId: 'here' }),
    ).toMatchObject({ kind: 'granted' });
  });

  it('hands the slots within the horizon to as many present waiters as fit', () => {
    // 600/min: about 19 slots within 2 s; the 5th in line gets one, the 30th does not.
    const ws = Array.from({ length: 40 }, (_, i) => waiter(`w${i}`, 'a', i));
    const acct = account({ callsPerMinute: 600, channels: 100 });
    expect(plan({ account: acct, waiters: ws, callerId: 'w5' })).toMatchObject({ kind: 'granted', atMs: NOW });
    expect(plan({ account: acct, waiters: ws, callerId: 'w30' })).toMatchObject({ kind: 'wait', reason: 'turn' });
  });

  it('never hands out more slots than there are free channels', () => {
    const ws = Array.from({ length: 10 }, (_, i) => waiter(`w${i}`, 'a', i));
    const acct = account({ callsPerMinute: 600, channels: 5, live: 3 });
    expect(plan({ account: acct, waiters: ws, callerId: 'w1' })).toMatchObject({ kind: 'granted' });
    expect(plan({ account: acct, waiters: ws, callerId: 'w2' })).toMatchObject({ kind: 'wait', reason: 'turn' });
  });

  it('stages grants beyond the channels only once every channel is leased, leaving room for waiters ahead', () => {
    const ws = Array.from({ length: 10 }, (_, i) => waiter(`w${i}`, 'a', i));
    // 5 channels, calls held 10 s: up to 10 leases. With 3 leased, the 2 free channels go first in line.
    const partly = account({ callsPerMinute: 600, channels: 5, live: 3, holdMs: 10_000 });
    expect(plan({ account: partly, waiters: ws, callerId: 'w1' })).toMatchObject({ kind: 'granted' });
    expect(plan({ account: partly, waiters: ws, callerId: 'w2' })).toMatchObject({ kind: 'wait', reason: 'turn' });
    // Every channel leased: staged grants for as many in line as the cap leaves room for.
    const full = account({ callsPerMinute: 600, channels: 5, live: 5, holdMs: 10_000 });
    expect(plan({ account: full, waiters: ws, callerId: 'w4' })).toMatchObject({ kind: 'granted' });
    expect(plan({ account: full, waiters: ws, callerId: 'w5' })).toMatchObject({ kind: 'wait', reason: 'turn' });
    expect(
      plan({
        account: account({ callsPerMinute: 600, channels: 5, live: 10, holdMs: 10_000 }),
        waiters: ws,
        callerId: 'w0',
      }),
    ).toMatchObject({ kind: 'wait', reason: 'channels' });
  });

  it('tells a waiter to come back after half of its estimated turn', () => {
    const ws = Array.from({ length: 300 }, (_, i) => waiter(`w${i}`, 'a', i));
    const at = (id: string) => {
      const p = plan({ waiters: ws, callerId: id });
      return p.kind === 'wait' ? p.retryInMs : 0;
    };
    // The 10th in line is served about 10 slots from now.
    expect(at('w10')).toBe(Math.round((10 * dialIntervalMs(60)) / 2));
    expect(at('w3')).toBe(Math.round((3 * dialIntervalMs(60)) / 2));
    expect(at('w299')).toBe(MAX_POLL_MS);
  });

  it('estimates turns at the channel-bound rate when calls hold their channels longer', () => {
    // 40 channels, calls held 10 s: one slot every 250 ms, slower than 600/min allows.
    const ws = Array.from({ length: 100 }, (_, i) => waiter(`w${i}`, 'a', i));
    // Every lease the gate may grant is held: the 40 channels and 40 staged (40 × 10 s / 10 s).
    const acct = account({ callsPerMinute: 600, channels: 40, live: 80, holdMs: 10_000 });
    expect(plan({ account: acct, waiters: ws, callerId: 'w20' })).toEqual({
      kind: 'wait',
      reason: 'channels',
      retryInMs: (20 * 250) / 2,
      turnInMs: 20 * 250,
    });
  });

  it('refuses a caller that is not among the waiters', () => {
    expect(() => plan({ campaigns: campaigns(), waiters: [], callerId: 'w' })).toThrow(/must be among/);
  });
});

describe('§4.5 baton passing', () => {
  it('names the waiter whose turn is next and when it should ask (half the horizon before its slot)', () => {
    const ws = [waiter('p2', 'a', 2, { dueAtMs: NOW + 30_000 }), waiter('p1', 'a', 1, { dueAtMs: NOW + 20_000 })];
    const next = nextInLine({
      nowMs: NOW,
      account: account({ nextDialAtMs: NOW + 3000 }),
      campaigns: campaigns({ id: 'a' }),
      waiters: ws,
    });
    expect(next).toEqual({ id: 'p1', campaignId: 'a', position: 1, askAtMs: NOW + 3000 - GRANT_HORIZON_MS / 2 });
  });

  it('wakes nobody when the next one is due back anyway, nobody waits, or every channel is held', () => {
    const cs = campaigns({ id: 'a' });
    expect(
      nextInLine({
        nowMs: NOW,
        account: account({ nextDialAtMs: NOW + 3000 }),
        campaigns: cs,
        waiters: [waiter('p1', 'a', 1, { dueAtMs: NOW + 500 })],
      }),
    ).toBeNull();
    expect(nextInLine({ nowMs: NOW, account: account(), campaigns: cs, waiters: [] })).toBeNull();
    expect(
      nextInLine({
        nowMs: NOW,
        account: account({ channels: 2, live: 2 }),
        campaigns: cs,
        waiters: [waiter('p1', 'a', 1, { dueAtMs: NOW + 9000 })],
      }),
    ).toBeNull();
  });
});

describe('§4.5 the gate over time (simulated clock)', () => {
  /**
   * Many numbers asking as the gate tells them to, on a simulated clock. A grant is a dial at its slot,
   * or, when every channel is live, at the moment one frees (the send spacer: staged dials take freed
   * channels in grant order, at least 60/cpm s apart); its lease ends when the call does. Proves the
   * pure rules with that spacer keep the limits and serve everyone in order.
   */
  function simulate(opts: {
    cpm: number;
    channels: number;
    holdMs: number;
    campaigns: Map<string, GateCampaign>;
    numbers: Array<{ campaignId: string; position: number }>;
    untilMs: number;
  }) {
    const cs = new Map([...opts.campaigns].map(([k, v]) => [k, { ...v }]));
    const acct: GateAccount = {
      callsPerMinute: opts.cpm,
      channels: opts.channels,
      live: 0,
      nextDialAtMs: 0,
      holdMs: 0,
    };
    const waiting = new Map<string, GateWaiter>();
    const asks: Array<{ atMs: number; id: string; isNew: boolean }> = [];
    for (const n of opts.numbers) asks.push({ atMs: NOW, id: `${n.campaignId}/${n.position}`, isNew: true });
    const info = new Map(opts.numbers.map((n) => [`${n.campaignId}/${n.position}`, n]));
    const releases: Array<{ atMs: number; heldMs: number }> = [];
    const channelFreeAt: number[] = Array.from({ length: opts.channels }, () => Number.NEGATIVE_INFINITY);
    let lastSendMs = Number.NEGATIVE_INFINITY;
    const dials: Array<{ id: string; campaignId: string; position: number; atMs: number }> = [];
    let polls = 0;
    while (asks.length > 0) {
      asks.sort((a, b) => a.atMs - b.atMs || a.id.localeCompare(b.id));
      const ask = asks.shift()!;
      if (ask.atMs > opts.untilMs) break;
      const now = ask.atMs;
      while (releases.length > 0 && releases[0]!.atMs <= now) {
        acct.live--;
        acct.holdMs = nextHoldMs(acct.holdMs, releases.shift()!.heldMs);
      }
      polls++;
      const n = info.get(ask.id)!;
      const me: GateWaiter = waiting.get(ask.id) ?? {
        id: ask.id,
        campaignId: n.campaignId,
        isRetry: false,
        position: n.position,
        orderAtMs: now,
        dueAtMs: now,
        lapseAtMs: now + 5000,
      };
      me.dueAtMs = now;
      me.lapseAtMs = now + 5000;
      waiting.set(ask.id, me);
      const p = planDial({
        nowMs: now,
        account: acct,
        campaigns: cs,
        waiters: [...waiting.values()],
        callerId: ask.id,
        callerIsNew: ask.isNew,
      });
      if (p.kind === 'wait') {
        me.dueAtMs = now + p.retryInMs;
        me.lapseAtMs = me.dueAtMs + 5000;
        asks.push({ atMs: now + p.retryInMs, id: ask.id, isNew: false });
        continue;
      }
      waiting.delete(ask.id);
      acct.live++;
      acct.nextDialAtMs = p.accountNextMs;
      const c = cs.get(n.campaignId)!;
      c.lastGrantAtMs = p.atMs;
      if (p.campaignNextMs !== null) c.nextDialAtMs = p.campaignNextMs;
      const channel = channelFreeAt.indexOf(Math.min(...channelFreeAt));
      const sendMs = Math.max(p.atMs, channelFreeAt[channel]!, lastSendMs + dialIntervalMs(opts.cpm));
      lastSendMs = sendMs;
      channelFreeAt[channel] = sendMs + opts.holdMs;
      dials.push({ id: ask.id, campaignId: n.campaignId, position: n.position, atMs: sendMs });
      releases.push({ atMs: sendMs + opts.holdMs, heldMs: sendMs + opts.holdMs - p.atMs });
      releases.sort((a, b) => a.atMs - b.atMs);
    }
    return { dials: dials.sort((a, b) => a.atMs - b.atMs), polls };
  }

  const maxInWindow = (ts: number[], w: number) => {
    let best = 0;
    for (let i = 0, j = 0; i < ts.length; i++) {
      while (ts[i]! - ts[j]! >= w) j++;
      best = Math.max(best, i - j + 1);
    }
    return best;
  };

  it('one custom campaign: paced at its throttle, in position order, with few polls per number', () => {
    const numbers = Array.from({ length: 60 }, (_, i) => ({ campaignId: 'x', position: i }));
    const { dials, polls } = simulate({
      cpm: 60,
      channels: 60,
      holdMs: 1000,
      campaigns: campaigns({ id: 'x', throttle: 30 }),
      numbers,
      untilMs: NOW + 3 * 60_000,
    });
    expect(dials).toHaveLength(60);
    expect(dials.map((d) => d.position)).toEqual(numbers.map((n) => n.position));
    expect(
      maxInWindow(
        dials.map((d) => d.atMs),
        60_000,
      ),
    ).toBeLessThanOrEqual(30);
    expect(
      maxInWindow(
        dials.map((d) => d.atMs),
        1000,
      ),
    ).toBe(1);
    expect(polls / numbers.length).toBeLessThan(10);
  });

  it('two auto campaigns: equal shares of the account while both have work, then all of it to the one left', () => {
    const numbers = [
      ...Array.from({ length: 40 }, (_, i) => ({ campaignId: 'a', position: i })),
      ...Array.from({ length: 80 }, (_, i) => ({ campaignId: 'b', position: i })),
    ];
    const { dials } = simulate({
      cpm: 60,
      channels: 60,
      holdMs: 1000,
      campaigns: campaigns({ id: 'a' }, { id: 'b' }),
      numbers,
      untilMs: NOW + 5 * 60_000,
    });
    expect(dials).toHaveLength(120);
    const firstMinute = dials.filter((d) => d.atMs < NOW + 60_000);
    const a = firstMinute.filter((d) => d.campaignId === 'a').length;
    const b = firstMinute.filter((d) => d.campaignId === 'b').length;
    expect(Math.abs(a - b)).toBeLessThanOrEqual(2);
    // After a's last dial, b alone gets the whole rate.
    const lastA = Math.max(...dials.filter((d) => d.campaignId === 'a').map((d) => d.atMs));
    const after = dials.filter((d) => d.atMs > lastA).map((d) => d.atMs);
    for (let i = 1; i < after.length; i++) expect(after[i]! - after[i - 1]!).toBeLessThan(dialIntervalMs(60) + 300);
    expect(
      maxInWindow(
        dials.map((d) => d.atMs),
        60_000,
      ),
    ).toBeLessThanOrEqual(60);
  });

  it('channels: never more than `channels` live, and the rate the channels allow is used', () => {
    const numbers = Array.from({ length: 200 }, (_, i) => ({ campaignId: 'a', position: i }));
    const { dials } = simulate({
      cpm: 600,
      channels: 40,
      holdMs: 10_000,
      campaigns: campaigns({ id: 'a' }),
      numbers,
      untilMs: NOW + 10 * 60_000,
    });
    expect(dials).toHaveLength(200);
    let worst = 0;
    for (const d of dials)
      worst = Math.max(worst, dials.filter((e) => e.atMs <= d.atMs && e.atMs + 10_000 > d.atMs).length);
    expect(worst).toBeLessThanOrEqual(40);
    expect(
      maxInWindow(
        dials.map((d) => d.atMs),
        1000,
      ),
    ).toBeLessThanOrEqual(10);
    // 200 calls of 10 s on 40 channels come in 5 waves 10 s apart, each sent at 600/min (39 gaps): the
    // last dial leaves 40 s + 39 gaps after the first at best. Freed channels are reused at once.
    expect(dials.at(-1)!.atMs - dials[0]!.atMs).toBeLessThan((40_000 + 39 * dialIntervalMs(600)) * 1.01);
  });
});

describe('§4.5 waiting costs nothing (issue 10)', () => {
  it('sleeps a long wait for a channel until a release wakes it, at most LONG_SLEEP_MS', () => {
    expect(sleepUntilTurnMs({ kind: 'wait', retryInMs: 30_000, reason: 'channels', turnInMs: 60_000 })).toBe(
      LONG_SLEEP_MS,
    );
  });

  it('sleeps a long wait for its turn or a pacing slot for half of it, however long, up to LONG_SLEEP_MS', () => {
    expect(sleepUntilTurnMs({ kind: 'wait', retryInMs: 45_000, reason: 'turn', turnInMs: 90_000 })).toBe(45_000);
    expect(sleepUntilTurnMs({ kind: 'wait', retryInMs: 60_000, reason: 'turn', turnInMs: 600_000 })).toBe(300_000);
    expect(sleepUntilTurnMs({ kind: 'wait', retryInMs: 60_000, reason: 'pacing', turnInMs: 3_600_000 })).toBe(
      LONG_SLEEP_MS,
    );
  });
});
