/**
 * SPEC §4.2–§4.4, §7: one number of a campaign, from its next attempt to its final status: begin (state, window, dial
 * gate) → dial (at most once, at the spacer's instant) → the carrier's callback or a lookup → settle → webhooks →
 * durable retry timer. A pause hands the number back to the campaign, which restarts it on resume.
 */
import {
  condition,
  getExternalWorkflowHandle,
  log,
  patched,
  setHandler,
  sleep,
  workflowInfo,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { AttemptStatus } from '../domain/attempt-status';
import { afterAttempt, type RetryPolicy } from '../domain/retry-schedule';
import { notSentBackoffMs } from '../domain/dial-backoff';
import { failedWithoutCall, type CallOutcome } from '../domain/call-outcome';
import {
  accountFailureSignal,
  callStatusSignal,
  gateWakeSignal,
  numberAwakeSignal,
  numberDeliveringSignal,
  numberFinishedSignal,
  numberSleepingSignal,
  numberStatusQuery,
  type CallStatusInput,
  type NumberStatusOutput,
} from './definitions';
import { deliverInOrder, dialer, store } from './options';
import { awaitOutcomeInMinutes, fromCallback } from './await-outcome';
import { numberWorkflowId } from '../domain/ids';
import type { GateWake } from '../activities/dial-gate';

export interface NumberWorkflowInput {
  campaignId: string;
  position: number;
  /** E.164; numbers arrive normalised so the workflow bundle never loads phone metadata. */
  number: string;
  retries: RetryPolicy;
  /** The campaign workflow's id, signalled (without run id) when this number is final or held. */
  parentWorkflowId: string;
  /** The attempt to make first (1 = a fresh number; more when a held number is restarted). */
  firstAttempt?: number;
  /**
   * The deployment's main task queue, when this number runs on its own (`numberTaskQueue`): the dial
   * and webhook queues are named after it. Numbers started before that run on the main queue itself.
   */
  mainTaskQueue?: string;
}

export interface NumberWorkflowOutput {
  attempts: number;
  lastStatus: AttemptStatus | null;
  /** Why the number stopped without a final outcome here (`held`, `campaign_closing`, …), or null. */
  stopped: string | null;
}

/** Before issue 10 (SPEC §7 then): after the settle timeout, look the call up every 5 minutes for an hour. */
const LOOKUP_EVERY_MS = 5 * 60_000;
const LOOKUPS = 12;
/** SPEC §4.4: work moved to the next window opening gets 0–60 s of jitter. */
const MAX_JITTER_MS = 60_000;
/** Issue 10: events still undelivered this long after a number is done dialling free its slot. */
const DELIVERY_GRACE_MS = 10_000;
/** An attempt begun before `ringTimeoutMs` was reported waits as if the default ring timeout applied. */
const DEFAULT_RING_TIMEOUT_MS = 30_000;

export async function numberWorkflow(input: NumberWorkflowInput): Promise<NumberWorkflowOutput> {
  const callbacks = new Map<string, CallStatusInput>();
  const state: NumberStatusOutput = {
    position: input.position,
    number: input.number,
    attempt: 0,
    phase: 'waiting',
    lastStatus: null,
  };
  setHandler(callStatusSignal, (s) => void callbacks.set(s.token, s));
  /** The last wake's `askInMs`, and how many wakes came (a wake during `beginAttempt` still counts). */
  const gate = { askInMs: null as number | null, wakes: 0 };
  setHandler(gateWakeSignal, ({ askInMs }) => {
    gate.askInMs = askInMs;
    gate.wakes++;
  });
  setHandler(numberStatusQuery, () => state);
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const mainQueue = input.mainTaskQueue ?? workflowInfo().taskQueue;
  const jitter = () => Math.floor(Math.random() * (MAX_JITTER_MS + 1)); // the workflow's seeded random
  /** Reports to the campaign (its workflow id reaches whichever run is current); false when it cannot be reached. */
  async function tell<T>(signal: SignalDefinition<[T]>, arg: T): Promise<boolean> {
    try {
      await parent.signal(signal, arg);
      return true;
    } catch (err) {
      log.warn('Campaign workflow not reachable to report a number', {
        position: input.position,
        signal: signal.name,
        error: String(err),
      });
      return false;
    }
  }

  let webhookChain: Promise<void> = Promise.resolve();
  /** Webhook events emitted and not yet delivered (or abandoned). */
  let undelivered = 0;
  let stopped: string | null = null;
  let heldAt: number | null = null;
  /** Dial requests of this number not sent in a row (SPEC §7), for the back-off. */
  let notSentInARow = 0;
  // Issue 15 (SPEC §4.4 ext): with the account's `recipient_local_time`, the begin and the settle
  // apply the window in the recipient's own zone; a number outside it sleeps to its opening (the
  // begin's `window` answer), one whose zones share no window ends `failed`, reason `no_window`.
  const recipientWindow = patched('15-recipient-window');

  for (let attempt = input.firstAttempt ?? 1; ;) {
    state.attempt = attempt;
    state.phase = 'dialling';
    // Issue 10 (waiting costs nothing): short waits for a slot are spent inside the activity and a
    // long one is slept to its computed turn or until woken, so waiting adds no history per poll.
    const inActivity = patched('10-wait-in-activity');
    const wakesBefore = gate.wakes;
    const begun = await store.beginAttempt({
      campaignId: input.campaignId,
      position: input.position,
      attemptNumber: attempt,
      nowMs: Date.now(),
      ...(inActivity && { waitInActivity: true }),
      ...(recipientWindow && { recipientWindow: true }),
    });
    if (begun.kind === 'window') {
      if (begun.nextOpenMs === null) {
        stopped = 'no_calling_day';
        break;
      }
      state.phase = 'waiting';
      await sleep(Math.max(0, begun.nextOpenMs - Date.now()) + jitter());
      continue;
    }
    if (begun.kind === 'hold') {
      stopped = 'held';
      heldAt = attempt;
      break;
    }
    if (begun.kind === 'stop') {
      stopped = begun.reason;
      break;
    }
    if (begun.kind === 'wait') {
      // SPEC §4.5: the account's dial gate has no slot for this number yet (rate, channels, its
      // turn). Wait without holding a channel until the number served before it (or a freed
      // channel) wakes it, or for the activity's answer: since issue 10 a sleep to the computed
      // turn (its short waits spent inside the activity), before it half the estimated turn.
      state.phase = 'waiting';
      // SPEC §4.5 `from` order: the slot it asked for went to numbers ahead of it; they collect it.
      // Histories from before this branch never hold `wakes`; the marker records it anyway.
      if (begun.wakes && patched('gate-grants-in-order')) begun.wakes.forEach(wakeNumber);
      if (inActivity) {
        if (await condition(() => gate.wakes > wakesBefore, begun.retryInMs)) {
          const askInMs = gate.askInMs ?? 0;
          if (askInMs > 0) await sleep(askInMs);
        }
        continue;
      }
      gate.askInMs = null;
      if (await condition(() => gate.askInMs !== null, begun.retryInMs)) {
        const askInMs = gate.askInMs ?? 0;
        if (askInMs > 0) await sleep(askInMs);
      }
      continue;
    }
    if (begun.wake) wakeNumber(begun.wake);
    if (begun.wakes && patched('gate-grants-in-order')) begun.wakes.forEach(wakeNumber);
    // The slot may be up to two seconds ahead: the dial waits for the spacer's instant.
    let dial = await dialer(mainQueue).dialAttempt({ callSid: begun.callSid });
    while (dial.kind === 'wait') {
      // The carrier rate-limited the request, or the spacer is booked far ahead (no call made either
      // way): back off, keeping the channel.
      await sleep(dial.retryInMs);
      dial = await dialer(mainQueue).dialAttempt({ callSid: begun.callSid });
    }
    // SPEC §4.5: a staged dial that was not sent (its campaign stopped dialling, or no channel came
    // free in time) was undone by the activity: the same attempt begins again at the gate. Histories
    // from before this branch never hold a `withdrawn` result; the marker records it anyway.
    if (dial.kind === 'withdrawn' && patched('dial-withdraws-unsent')) continue;
    // SPEC §7: a request that provably never left is not a call. The activity withdrew the attempt
    // (its channel is free); the same attempt begins again after a back-off, consuming no retry.
    // Results recorded before this branch never say `not_sent`.
    if (dial.kind === 'not_sent' && patched('10-not-sent-redials')) {
      state.phase = 'waiting';
      await sleep(notSentBackoffMs(++notSentInARow, dial.retryAfterMs));
      continue;
    }
    notSentInARow = 0;
    let outcome: CallOutcome;
    if (dial.kind === 'refused') {
      // Replay-safe without patched(): `reason` comes from the activity's recorded result, and
      // results recorded before it existed carry none, so they take the same branch as before.
      outcome = failedWithoutCall(
        dial.reason ?? (dial.accountLevel ? `carrier_${dial.httpStatus}` : 'carrier_refused'),
      );
      if (dial.accountLevel) {
        // SPEC §4.1: an account-level carrier error stops the whole campaign at once.
        await parent.signal(accountFailureSignal, { reason: outcome.reason! }).catch(() => undefined);
      }
    } else {
      state.phase = 'awaiting_outcome';
      // SPEC §7 (issue 10): settled in minutes; histories from before keep the hour-long ladder.
      outcome =
        (dial.kind === 'accepted' || dial.kind === 'ambiguous') && patched('10-settle-in-minutes')
          ? await awaitOutcomeInMinutes(
              {
                callSid: begun.callSid,
                token: begun.token,
                dial: dial.kind,
                ringTimeoutMs: begun.ringTimeoutMs ?? DEFAULT_RING_TIMEOUT_MS,
              },
              callbacks,
              wakeNumber,
            )
          : await awaitOutcome(begun.callSid, begun.token, begun.settleTimeoutMs, callbacks);
    }
    state.lastStatus = outcome.status;
    const rule = afterAttempt(input.retries, attempt, outcome.status);
    const settled = await store.settleAttempt({
      callSid: begun.callSid,
      outcome,
      retryDelayMs: rule.kind === 'retry' ? rule.delayMs : null,
      jitterMs: jitter(),
      nowMs: Date.now(),
      ...(recipientWindow && { recipientWindow: true }),
    });
    if (settled.wake) wakeNumber(settled.wake);
    // Events of one number are delivered in order, without holding up the next attempt.
    const ids = settled.deliveryIds;
    undelivered += ids.length;
    webhookChain = webhookChain.then(() => deliverInOrder(ids, mainQueue)).then(() => void (undelivered -= ids.length));
    if (settled.next.kind === 'final') break;
    state.phase = 'retry_wait';
    // A number asleep for a retry gives its dialling slot back (workflows/number-window.ts).
    await tell(numberSleepingSignal, { position: input.position, untilMs: settled.next.atMs });
    await sleep(Math.max(0, settled.next.atMs - Date.now()));
    await tell(numberAwakeSignal, { position: input.position });
    attempt++;
  }

  state.phase = 'webhooks';
  // Issue 10: done dialling, a number whose events take long to deliver (a receiver that is down)
  // gives its slot back meanwhile, so it never holds up the campaign's dials. A held number keeps its way.
  if (heldAt === null && patched('10-delivering-frees-slot')) {
    if (!(await condition(() => undelivered === 0, DELIVERY_GRACE_MS)))
      await tell(numberDeliveringSignal, { position: input.position });
  }
  await webhookChain;
  state.phase = 'done';
  const reported = await tell(numberFinishedSignal, {
    position: input.position,
    ...(heldAt !== null && { heldAtAttempt: heldAt }),
  });
  // Marked only once the campaign has counted the hand-back, so its claim of the row always matches.
  if (heldAt !== null && reported)
    await store.markNumberHeld({ campaignId: input.campaignId, position: input.position, attempt: heldAt });
  return { attempts: state.attempt, lastStatus: state.lastStatus, stopped };
}

/** Baton passing (SPEC §4.5): tells the number whose turn comes next to ask the gate; best effort. */
function wakeNumber(w: GateWake): void {
  void getExternalWorkflowHandle(numberWorkflowId(w.campaignId, w.position))
    .signal(gateWakeSignal, { askInMs: w.askInMs })
    .catch(() => undefined); // it finished or was never started: nothing to wake
}

/**
 * Before issue 10: waits for the carrier's callback; when none arrives within the settle timeout,
 * asks the carrier every 5 minutes for an hour, then gives up as `failed` / `dial_unknown`. Kept for
 * histories recorded before `10-settle-in-minutes`.
 */
async function awaitOutcome(
  callSid: string,
  token: string,
  settleTimeoutMs: number,
  callbacks: Map<string, CallStatusInput>,
): Promise<CallOutcome> {
  if (await condition(() => callbacks.has(token), settleTimeoutMs)) return fromCallback(callbacks.get(token)!);
  for (let i = 0; i < LOOKUPS; i++) {
    // A carrier that rejects the lookup outright (non-retryable) is treated as "not found yet".
    const found = await store
      .lookupAttempt({ callSid, nowMs: Date.now() })
      .catch(() => ({ kind: 'not_found' as const }));
    if (found.kind === 'final') return found.outcome;
    if (await condition(() => callbacks.has(token), LOOKUP_EVERY_MS)) return fromCallback(callbacks.get(token)!);
  }
  return failedWithoutCall('dial_unknown');
}
