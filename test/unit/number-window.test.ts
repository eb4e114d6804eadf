import { describe, expect, it } from 'vitest';
import { NumberWindow, usefulLiveNumbers } from '../../workflows/number-window';

describe('NumberWindow: slots, sleepers and the per-run bound', () => {
  it('frees a slot when a number goes to sleep for a retry, and takes it back when it wakes', () => {
    const w = new NumberWindow(2, 100);
    w.admit(0);
    w.admit(1);
    w.started();
    w.started();
    expect(w.free()).toBe(0);
    expect(w.onSleeping(0)).toBe('ok');
    expect(w.free()).toBe(1);
    expect(w.sleeping).toBe(1);
    w.admit(2);
    w.started();
    expect(w.free()).toBe(0);
    expect(w.onAwake()).toBe('ok');
    // Awake again, the retry holds a slot before any new first attempt: the window is over-full.
    expect(w.busySlots).toBe(3);
    expect(w.free()).toBe(0);
    expect(w.onStopped(0, false)).toBe('ok'); // the retry's outcome was final
    expect(w.retrying).toBe(0);
    expect(w.busySlots).toBe(2);
  });

  it('counts a retry that needs another retry once, and ignores reports it cannot match', () => {
    const w = new NumberWindow(3, 100);
    w.admit(5);
    w.started();
    w.onSleeping(5);
    w.onAwake();
    expect(w.onSleeping(5)).toBe('ok'); // asleep again: leaves `retrying`, not `live`
    expect([w.sleeping, w.retrying, w.live.size]).toEqual([1, 0, 0]);
    expect(w.onStopped(9, false)).toBe('stray');
    expect(w.onAwake()).toBe('ok');
    expect(w.onAwake()).toBe('stray');
    expect([w.sleeping, w.retrying]).toEqual([0, 1]);
  });

  it('bounds the children one run has open, sleepers included, and says when a new run would help', () => {
    const w = new NumberWindow(2, 3);
    for (const p of [0, 1]) {
      w.admit(p);
      w.started();
      w.onSleeping(p);
    }
    w.admit(2);
    w.started();
    // Two slots free of live numbers… but three children of this run are open.
    expect(w.busySlots).toBe(1);
    expect(w.free()).toBe(0);
    expect(w.blockedByRun()).toBe(true);
    // A new run starts from the carry with no open children.
    const next = new NumberWindow(2, 3, w.carry());
    expect(next.free()).toBe(1);
    expect(next.blockedByRun()).toBe(false);
    expect(next.carry()).toEqual({ live: [2], sleeping: 2, retrying: 0, held: 0, restarts: [] });
  });

  it('frees the slot of a start the server refused, and is idle only when nothing waits anywhere', () => {
    const w = new NumberWindow(1, 10);
    w.admit(4);
    w.startFailed(4);
    expect([w.live.size, w.runOpen, w.starting]).toEqual([0, 0, 0]);
    expect(w.idle()).toBe(true);
    w.admit(4);
    w.started();
    expect(w.onStopped(4, true)).toBe('ok'); // handed back by a pause
    expect(w.held).toBe(1);
    expect(w.idle()).toBe(false);
    w.held = 0;
    w.restarts.push([4, 2, '+919876543219']);
    expect(w.idle()).toBe(false);
    w.restarts.length = 0;
    w.childClosed();
    expect(w.idle()).toBe(true);
  });

  it('keeps no more numbers live than the pacing can use: channels plus 15 s of dials and a margin', () => {
    // 60/min on 20 channels: 20 + 15 + 10; a custom throttle of 30/min narrows the rate part.
    expect(usefulLiveNumbers({ callsPerMinute: 60, channels: 20, throttle: null })).toBe(45);
    expect(usefulLiveNumbers({ callsPerMinute: 600, channels: 40, throttle: 30 })).toBe(40 + 8 + 10);
    const w = new NumberWindow(500, 1000);
    w.limitTo(45);
    expect(w.maxLive).toBe(45);
    expect(w.free()).toBe(45);
    // Never wider than the configured window, and null (unknown pacing) restores it.
    w.limitTo(10_000);
    expect(w.maxLive).toBe(500);
    w.limitTo(45);
    w.limitTo(null);
    expect(w.maxLive).toBe(500);
  });

  it('frees the slot of a number done dialling while its webhook events are still delivered (issue 10)', () => {
    const w = new NumberWindow(1, 100);
    w.admit(0);
    w.started();
    expect(w.free()).toBe(0);
    expect(w.onDelivering(0)).toBe('ok');
    // Its slot is free for the next number; the campaign is not idle until the events are delivered.
    expect(w.free()).toBe(1);
    expect(w.idle()).toBe(false);
    const next = new NumberWindow(1, 100, w.carry());
    expect(next.delivering).toEqual(new Set([0]));
    expect(next.onStopped(0, false)).toBe('ok');
    expect(next.idle()).toBe(true);
  });
});
