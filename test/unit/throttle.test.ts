import { describe, expect, it } from 'vitest';
import {
  autoHeadroom,
  compareWaiters,
  dialIntervalMs,
  fairShares,
  GRANT_HORIZON_MS,
  MAX_POLL_MS,
  MIN_POLL_MS,
  nextHoldMs,
  nextSlotMs,
  PACING_GUARD,
  perSecondPeak,
  planDial,
  projectSlots,
  type GateAccount,
  type GateCampaign,
  type GateWaiter,
} from '../../domain/throttle';

const NOW = 1_800_000_000_000;

function waiter(id: string, campaignId: string, position: number, extra: Partial<GateWaiter> = {}): GateWaiter {
  return { id, campaignId, isRetry: false, position, sinceMs: NOW, nextPollAtMs: NOW, ...extra };
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

  it('smooths the hold time', () => {
    expect(nextHoldMs(0, 10_000)).toBe(10_000);
    expect(nextHoldMs(10_000, 20_000)).toBe(12_000);
  });
});

describe('§4.5 order of service', () => {
  it('puts a campaign’s retries before its first attempts, first attempts by position', () => {
    const ws = [
      waiter('f2', 'c', 2),
      waiter('r-late', 'c', 9, { isRetry: true, sinceMs: NOW + 5 }),
      waiter('f1', 'c', 1, { sinceMs: NOW + 50 }),
      waiter('r-early', 'c', 7, { isRetry: true }),
    ];
    expect([...ws].sort(compareWaiters).map((w) => w.id)).toEqual(['r-early', 'r-late', 'f1', 'f2']);
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
    expect(projectSlots({ firstSlotMs: NOW, gapMs: 1000, campaigns: cs, waiters: ws }).map((s) => s.id)).toEqual(['a0', 'b0', 'b1', 'b2']);
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
    const order = projectSlots({ firstSlotMs: NOW, gapMs: 1000, campaigns: cs, waiters: [waiter('x0', 'x', 0), waiter('x1', 'x', 1)] });
    expect(order.map((s) => s.atMs - NOW)).toEqual([1500, 1500 + dialIntervalMs(30)]);
  });
});

describe('§4.5 planDial', () => {
  it('grants a free account at once and moves its next slot on', () => {
    const plan = planDial({ nowMs: NOW, account: account(), campaigns: campaigns({ id: 'a' }), waiters: [waiter('w', 'a', 0)], callerId: 'w', holdsLease: false });
    expect(plan).toEqual({ kind: 'granted', atMs: NOW, accountNextMs: NOW + dialIntervalMs(60), campaignNextMs: null });
  });

  it('grants the next slot when it is within the horizon, not beyond', () => {
    const cs = campaigns({ id: 'a' });
    const near = planDial({ nowMs: NOW, account: account({ nextDialAtMs: NOW + 1500 }), campaigns: cs, waiters: [waiter('w', 'a', 0)], callerId: 'w', holdsLease: false });
    expect(near).toMatchObject({ kind: 'granted', atMs: NOW + 1500 });
    const far = planDial({ nowMs: NOW, account: account({ nextDialAtMs: NOW + GRANT_HORIZON_MS + 3000 }), campaigns: cs, waiters: [waiter('w', 'a', 0)], callerId: 'w', holdsLease: false });
    expect(far).toMatchObject({ kind: 'wait', reason: 'pacing' });
    expect(far.kind === 'wait' && far.retryInMs).toBe(4000);
  });

  it('paces a custom campaign by its throttle as well as the account', () => {
    const cs = campaigns({ id: 'x', throttle: 30, nextDialAtMs: NOW + 700 });
    const plan = planDial({ nowMs: NOW, account: account({ nextDialAtMs: NOW + 300 }), campaigns: cs, waiters: [waiter('w', 'x', 0)], callerId: 'w', holdsLease: false });
    expect(plan).toEqual({ kind: 'granted', atMs: NOW + 700, accountNextMs: NOW + 700 + dialIntervalMs(60), campaignNextMs: NOW + 700 + dialIntervalMs(30) });
  });

  it('waits while every channel is held, whatever the rate allows', () => {
    const plan = planDial({ nowMs: NOW, account: account({ channels: 2, live: 2 }), campaigns: campaigns({ id: 'a' }), waiters: [waiter('w', 'a', 0)], callerId: 'w', holdsLease: false });
    expect(plan).toMatchObject({ kind: 'wait', reason: 'channels', retryInMs: MIN_POLL_MS });
  });

  it('lets a caller that already holds a lease through without a channel or a turn', () => {
    const ws = [waiter('ahead', 'a', 0), waiter('w', 'a', 5)];
    const plan = planDial({ nowMs: NOW, account: account({ channels: 1, live: 1 }), campaigns: campaigns({ id: 'a' }), waiters: ws, callerId: 'w', holdsLease: true });
    expect(plan).toMatchObject({ kind: 'granted', atMs: NOW });
  });

  it('makes a first attempt wait while a retry of its campaign is here', () => {
    const ws = [waiter('first', 'a', 0), waiter('retry', 'a', 9, { isRetry: true })];
    const plan = planDial({ nowMs: NOW, account: account({ channels: 1 }), campaigns: campaigns({ id: 'a' }), waiters: ws, callerId: 'first', holdsLease: false });
    expect(plan).toMatchObject({ kind: 'wait', reason: 'turn' });
    const retry = planDial({ nowMs: NOW, account: account({ channels: 1 }), campaigns: campaigns({ id: 'a' }), waiters: ws, callerId: 'retry', holdsLease: false });
    expect(retry).toMatchObject({ kind: 'granted' });
  });

  it('does not let a waiter that is away hold the others up', () => {
    const ws = [waiter('away', 'a', 0, { nextPollAtMs: NOW + 20_000 }), waiter('here', 'a', 1)];
    const plan = planDial({ nowMs: NOW, account: account({ channels: 1 }), campaigns: campaigns({ id: 'a' }), waiters: ws, callerId: 'here', holdsLease: false });
    expect(plan).toMatchObject({ kind: 'granted' });
  });

  it('hands the slots within the horizon to as many present waiters as fit', () => {
    // 600/min: about 19 slots within 2 s; the 5th in line gets one, the 30th does not.
    const ws = Array.from({ length: 40 }, (_, i) => waiter(`w${i}`, 'a', i));
    const acct = account({ callsPerMinute: 600, channels: 100 });
    expect(planDial({ nowMs: NOW, account: acct, campaigns: campaigns({ id: 'a' }), waiters: ws, callerId: 'w5', holdsLease: false })).toMatchObject({ kind: 'granted', atMs: NOW });
    expect(planDial({ nowMs: NOW, account: acct, campaigns: campaigns({ id: 'a' }), waiters: ws, callerId: 'w30', holdsLease: false })).toMatchObject({ kind: 'wait', reason: 'turn' });
  });

  it('tells a waiter to come back about when its turn comes, within bounds', () => {
    const ws = Array.from({ length: 100 }, (_, i) => waiter(`w${i}`, 'a', i));
    const cs = campaigns({ id: 'a' });
    const at = (id: string) => {
      const p = planDial({ nowMs: NOW, account: account(), campaigns: cs, waiters: ws, callerId: id, holdsLease: false });
      return p.kind === 'wait' ? p.retryInMs : 0;
    };
    // The 10th in line is served about 10 slots from now; it comes back 1 s (half the horizon) early.
    expect(at('w10')).toBe(Math.round(10 * dialIntervalMs(60) - GRANT_HORIZON_MS / 2));
    expect(at('w3')).toBe(Math.round(3 * dialIntervalMs(60) - GRANT_HORIZON_MS / 2));
    expect(at('w99')).toBe(MAX_POLL_MS);
  });

  it('estimates turns at the channel-bound rate when calls hold their channels longer', () => {
    // 40 channels, calls held 10 s: one slot every 250 ms, slower than 600/min allows.
    const ws = Array.from({ length: 100 }, (_, i) => waiter(`w${i}`, 'a', i));
    const acct = account({ callsPerMinute: 600, channels: 40, live: 40, holdMs: 10_000 });
    const p = planDial({ nowMs: NOW, account: acct, campaigns: campaigns({ id: 'a' }), waiters: ws, callerId: 'w20', holdsLease: false });
    expect(p).toEqual({ kind: 'wait', reason: 'channels', retryInMs: 20 * 250 - GRANT_HORIZON_MS / 2 });
  });

  it('refuses a caller that is not among the waiters', () => {
    expect(() => planDial({ nowMs: NOW, account: account(), campaigns: campaigns(), waiters: [], callerId: 'w', holdsLease: false })).toThrow(/must be among/);
  });
});
