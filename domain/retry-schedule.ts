/**
 * SPEC §4.3 retries [C-8, C-9]. The gap before retry k (k = 1..3) is `interval_mins` (Linear) or
 * `interval_mins · 2^(k−1)` (Exponential), measured from the moment the previous attempt's final
 * status is known. `completed` is never retried.
 */
import type { AttemptStatus } from './attempt-status';

export type RetryMechanism = 'Linear' | 'Exponential';
export type RetryableStatus = Exclude<AttemptStatus, 'completed'>;

export interface RetryPolicy {
  numberOfRetries: number;
  intervalMins: number | null;
  mechanism: RetryMechanism;
  onStatus: RetryableStatus[];
}

/** Milliseconds to wait before retry `k` (1-based). */
export function retryDelayMs(policy: RetryPolicy, k: number): number {
  if (k < 1 || k > policy.numberOfRetries) throw new RangeError(`retry ${k} is outside 1..${policy.numberOfRetries}`);
  const interval = policy.intervalMins ?? 0;
  const mins = policy.mechanism === 'Exponential' ? interval * 2 ** (k - 1) : interval;
  return mins * 60_000;
}

/** Due times of every retry when each attempt settles the instant it starts (for docs and tests). */
export function retryOffsetsMins(policy: RetryPolicy): number[] {
  const out: number[] = [];
  let total = 0;
  for (let k = 1; k <= policy.numberOfRetries; k++) {
    total += retryDelayMs(policy, k) / 60_000;
    out.push(total);
  }
  return out;
}

export type AfterAttempt =
  { kind: 'retry'; retryNumber: number; delayMs: number } | { kind: 'final'; numberStatus: 'completed' | 'failed' };

/**
 * What follows attempt `attemptNumber` (1 = first) that ended with `status`: a retry after a delay,
 * or the number's final status.
 */
export function afterAttempt(policy: RetryPolicy, attemptNumber: number, status: AttemptStatus): AfterAttempt {
  if (status === 'completed') return { kind: 'final', numberStatus: 'completed' };
  const retryNumber = attemptNumber; // retry k follows attempt k
  if (retryNumber <= policy.numberOfRetries && policy.onStatus.includes(status)) {
    return { kind: 'retry', retryNumber, delayMs: retryDelayMs(policy, retryNumber) };
  }
  return { kind: 'final', numberStatus: 'failed' };
}
