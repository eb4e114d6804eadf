/**
 * SPEC §7 "every attempt is settled — in minutes": the number workflow waits for its call's outcome,
 * from the carrier's callback or, when it does not come, by lookups on the ladder of
 * domain/settle-ladder.ts (first within a minute of a dial of unknown fate, from `ring_timeout_s` + 1
 * minute for a call that was accepted; a call never found ends `failed` / `dial_unknown`).
 */
import { condition } from '@temporalio/workflow';
import { REASONS } from '../domain/attempt-status';
import { failedWithoutCall, type CallOutcome } from '../domain/call-outcome';
import { afterLookup, firstLookup } from '../domain/settle-ladder';
import type { GateWake } from '../activities/dial-gate';
import type { CallStatusInput } from './definitions';
import { store } from './options';

/** The callback's outcome (recorded already by the API, which `settleAttempt` prefers). */
export function fromCallback({ token: _token, ...o }: CallStatusInput): CallOutcome {
  return { ...o, reason: null };
}

export interface AwaitedCall {
  callSid: string;
  token: string;
  /** `accepted`: the carrier created the call; `ambiguous`: the request may have placed one. */
  dial: 'accepted' | 'ambiguous';
  ringTimeoutMs: number;
}

/** Waits for the callback, looking the call up on the ladder meanwhile; `wake` passes on freed channels. */
export async function awaitOutcomeInMinutes(
  call: AwaitedCall,
  callbacks: Map<string, CallStatusInput>,
  wake: (w: GateWake) => void,
): Promise<CallOutcome> {
  const arrived = () => callbacks.has(call.token);
  let ladder = firstLookup(call.dial, call.ringTimeoutMs);
  for (;;) {
    if (await condition(arrived, ladder.waitMs)) return fromCallback(callbacks.get(call.token)!);
    const found = await store
      .lookupAttempt({ callSid: call.callSid, nowMs: Date.now() })
      .catch((err: unknown) => ({ kind: 'error' as const, message: String(err) }));
    if ((found.kind === 'final' || found.kind === 'not_found') && found.wake) wake(found.wake);
    if (found.kind === 'final') return found.outcome;
    const next = afterLookup(ladder, found.kind, Date.now());
    if (next.kind === 'unknown') return failedWithoutCall(REASONS.dialUnknown);
    ladder = next.state;
  }
}
