import { describe, expect, it } from 'vitest';
import { afterAttempt, retryDelayMs, retryOffsetsMins, type RetryPolicy } from '../../domain/retry-schedule';

const policy = (p: Partial<RetryPolicy> = {}): RetryPolicy => ({
  numberOfRetries: 3,
  intervalMins: 10,
  mechanism: 'Linear',
  onStatus: ['busy', 'no-answer', 'failed'],
  ...p,
});

describe('§4.3 retry schedule [C-8, C-9]', () => {
  it('spaces Linear retries by the interval: +10, +20, +30 minutes', () => {
    expect(retryOffsetsMins(policy())).toEqual([10, 20, 30]);
  });

  it('doubles Exponential gaps: +10, +30, +70 minutes', () => {
    expect(retryOffsetsMins(policy({ mechanism: 'Exponential' }))).toEqual([10, 30, 70]);
    expect([1, 2, 3].map((k) => retryDelayMs(policy({ mechanism: 'Exponential' }), k))).toEqual([
      600_000, 1_200_000, 2_400_000,
    ]);
  });

  it('rejects a retry number outside 1..number_of_retries', () => {
    expect(() => retryDelayMs(policy({ numberOfRetries: 2 }), 3)).toThrow(RangeError);
    expect(() => retryDelayMs(policy(), 0)).toThrow(RangeError);
  });

  it('never retries a completed attempt', () => {
    expect(afterAttempt(policy(), 1, 'completed')).toEqual({ kind: 'final', numberStatus: 'completed' });
  });

  it('retries an outcome in on_status while retries remain', () => {
    expect(afterAttempt(policy(), 1, 'busy')).toEqual({ kind: 'retry', retryNumber: 1, delayMs: 600_000 });
    expect(afterAttempt(policy(), 3, 'no-answer')).toEqual({ kind: 'retry', retryNumber: 3, delayMs: 600_000 });
  });

  it('ends the number failed after the last retry', () => {
    expect(afterAttempt(policy(), 4, 'busy')).toEqual({ kind: 'final', numberStatus: 'failed' });
    expect(afterAttempt(policy({ numberOfRetries: 0, intervalMins: null }), 1, 'failed')).toEqual({
      kind: 'final',
      numberStatus: 'failed',
    });
  });

  it('does not retry an outcome outside on_status', () => {
    expect(afterAttempt(policy({ onStatus: ['busy'] }), 1, 'no-answer')).toEqual({
      kind: 'final',
      numberStatus: 'failed',
    });
    expect(afterAttempt(policy({ onStatus: ['busy'] }), 1, 'failed')).toEqual({
      kind: 'final',
      numberStatus: 'failed',
    });
  });
});
