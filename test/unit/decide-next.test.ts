/**
 * SPEC §4.2/§4.3/§4.4 after an attempt settles (`decideNext`, the pure rule `settleAttempt` applies
 * in its transaction): never a retry of `completed` or during a drain; a retry due inside the window
 * keeps its time; one due outside moves to the next opening plus the jitter; one whose deferred time
 * is at or after `end_at` makes the number `failed` at once.
 */
import { describe, expect, it } from 'vitest';
import { decideNext } from '../../domain/attempt-next';
import { callingWindow } from '../../domain/calling-window';

const ALL = [1, 2, 3, 4, 5, 6, 7];
const kolkata = callingWindow('10:30-21:00', 'Asia/Kolkata', ALL);
const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;
// 2024-01-15 20:30 IST.
const NOW = at('2024-01-15T15:00:00Z');

const base = {
  outcome: 'busy' as const,
  retryDelayMs: 10 * MIN,
  jitterMs: 17_000,
  nowMs: NOW,
  draining: false,
  endAtMs: null,
  window: kolkata,
};

describe('§4.3 what follows a settled attempt', () => {
  it('never retries a completed attempt', () => {
    expect(decideNext({ ...base, outcome: 'completed' })).toEqual({ kind: 'final', numberStatus: 'completed' });
  });

  it('ends a number whose retries are used up', () => {
    expect(decideNext({ ...base, retryDelayMs: null })).toEqual({ kind: 'final', numberStatus: 'failed' });
  });

  it('never retries during a drain (SPEC §4.1: the settled outcome is final)', () => {
    expect(decideNext({ ...base, draining: true })).toEqual({ kind: 'final', numberStatus: 'failed' });
    expect(decideNext({ ...base, outcome: 'completed', draining: true })).toEqual({
      kind: 'final',
      numberStatus: 'completed',
    });
  });

  it('keeps a retry due inside the window at its exact time, without jitter', () => {
    expect(decideNext(base)).toEqual({ kind: 'retry', atMs: NOW + 10 * MIN });
  });

  it('moves a retry due outside the window to the next opening plus the jitter', () => {
    // 20:30 + 40 min = 21:10 IST → 10:30 IST the next day (05:00Z) + 17 s.
    expect(decideNext({ ...base, retryDelayMs: 40 * MIN })).toEqual({
      kind: 'retry',
      atMs: at('2024-01-16T05:00:17Z'),
    });
  });

  it('treats a retry due exactly at the close as outside', () => {
    expect(decideNext({ ...base, retryDelayMs: 30 * MIN })).toEqual({
      kind: 'retry',
      atMs: at('2024-01-16T05:00:17Z'),
    });
  });

  it('fails the number at once when the (deferred) retry is at or after end_at', () => {
    expect(decideNext({ ...base, endAtMs: NOW + 10 * MIN })).toEqual({ kind: 'final', numberStatus: 'failed' });
    expect(decideNext({ ...base, endAtMs: NOW + 10 * MIN + 1 })).toEqual({ kind: 'retry', atMs: NOW + 10 * MIN });
    // Due 21:10, deferred to the next morning: end_at at midnight is before that.
    expect(decideNext({ ...base, retryDelayMs: 40 * MIN, endAtMs: at('2024-01-15T18:30:00Z') })).toEqual({
      kind: 'final',
      numberStatus: 'failed',
    });
  });

  it('never retries a number the carrier called invalid (SPEC §7), whatever on_status allows', () => {
    const failed = { ...base, outcome: 'failed' as const };
    expect(decideNext({ ...failed, reason: 'invalid_number' })).toEqual({ kind: 'final', numberStatus: 'failed' });
    expect(decideNext({ ...failed, reason: 'carrier_refused' })).toEqual({ kind: 'retry', atMs: NOW + 10 * MIN });
    expect(decideNext({ ...failed, reason: null })).toEqual({ kind: 'retry', atMs: NOW + 10 * MIN });
  });

  it('fails the number when the account has no calling day at all', () => {
    expect(decideNext({ ...base, window: callingWindow('10:30-21:00', 'Asia/Kolkata', []) })).toEqual({
      kind: 'final',
      numberStatus: 'failed',
    });
  });
});
