/**
 * SPEC §7 simulator, the asynchronous side of a call: polls `sim_calls` for greetings to fetch and callbacks due,
 * claims rows with `FOR UPDATE SKIP LOCKED` and a lease, and POSTs Exotel's StatusCallback or Twilio's signed form
 * callback. All state is in PostgreSQL, so a restarted dispatcher picks up what was pending.
 */
import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import { simCalls } from '../db/schema';
import { greetingFetchUrl, SIMULATOR_GREETING_FLOW_PATH } from './contract';
import { statusCallbackBody, type SimCallRow } from './records';
import { signedTwilioRequest, twilioStatusCallbackParams, twilioUrlFetchParams } from './twilio-records';
import { simulatorTwilioAuthToken } from './twilio-contract';
import { TWILIO_GREETING_PATH } from '../domain/carrier-urls';
import { spokenText } from '../domain/twiml';
import type { SimulatorAppDeps } from './app';

export interface SimulatorDispatcherDeps extends SimulatorAppDeps {
  /** Base of the URLs the simulated greeting flow fetches from (`OUTCALL_PUBLIC_URL`). */
  publicUrl: string;
  /**
   * Where this simulator reaches Outcall's public URL, when it cannot reach it as is (a private
   * network: docker compose's `http://api:3000`). Callbacks and greeting fetches addressed to
   * `publicUrl` go to this base instead.
   */
  callbackBaseUrl?: string;
  /** How often to look for due work at most; default 200 ms (sooner when a callback falls due sooner). */
  pollMs?: number;
  fetch?: typeof fetch;
}

const BATCH = 50;
/** A claimed callback is not claimed again for this long (covers one send with its timeout). */
const LEASE_MS = 30_000;
const HTTP_TIMEOUT_MS = 10_000;
/** Callback retries back off 1 s, 2 s, 4 s … up to 5 min; after this many tries the simulator gives up. */
const MAX_CALLBACK_TRIES = 50;
const MAX_BACKOFF_MS = 300_000;

const greetingFlowPattern = `%${SIMULATOR_GREETING_FLOW_PATH}%`;
const twilioGreetingPattern = `%${TWILIO_GREETING_PATH}%`;
/** A call whose flow fetches its greeting when answered: the Exotel greeting flow, or a Twilio `Url` to it. */
const fetchesGreeting = sql`((${simCalls.api} = 'exotel' and coalesce(${simCalls.url}, '') like ${greetingFlowPattern})
  or (${simCalls.api} = 'twilio' and coalesce(${simCalls.url}, '') like ${twilioGreetingPattern}))`;
/** An answered greeting call reports only after its flow has asked for the greeting. */
const greetingAsked = sql`not (${simCalls.outcome} = 'completed' and ${fetchesGreeting}
  and ${simCalls.greetingFetchedAt} is null)`;
/** The dispatcher never sleeps less than this between passes. */
const MIN_SLEEP_MS = 10;

/** Starts polling; `stop()` resolves once the tick in progress (if any) has finished. */
export function startSimulatorDispatcher(deps: SimulatorDispatcherDeps): { stop(): Promise<void> } {
  const { db, log, ringMs, publicUrl } = deps;
  const trim = (u: string) => u.replace(/\/+$/, '');
  /** A URL under the public URL, moved under `callbackBaseUrl` when one is set. */
  const reachable = (url: string) =>
    deps.callbackBaseUrl && url.startsWith(trim(publicUrl))
      ? trim(deps.callbackBaseUrl) + url.slice(trim(publicUrl).length)
      : url;
  const pollMs = deps.pollMs ?? 200;
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  /** The simulated Twilio account's auth token, which signs what the simulator sends for its calls. */
  const authTokenOf = (row: SimCallRow) => simulatorTwilioAuthToken(row.accountSid, deps.secret);

  async function fetchGreetings(): Promise<void> {
    const now = new Date();
    const answeredBefore = new Date(now.getTime() - ringMs);
    const due = db
      .select({ sid: simCalls.sid })
      .from(simCalls)
      .where(
        and(
          isNull(simCalls.greetingFetchedAt),
          eq(simCalls.outcome, 'completed'),
          fetchesGreeting,
          lte(simCalls.createdAt, answeredBefore),
        ),
      )
      .orderBy(asc(simCalls.createdAt))
      .limit(BATCH)
      .for('update', { skipLocked: true });
    // Claiming sets greeting_fetched_at: the flow asks once, as a real greeting applet does.
    const claimed = await db
      .update(simCalls)
      .set({ greetingFetchedAt: now, status: 'in-progress' })
      .where(inArray(simCalls.sid, due))
      .returning();
    await Promise.all(claimed.map(fetchGreeting));
  }

  async function fetchGreeting(row: SimCallRow): Promise<void> {
    // Twilio asks the call's own `Url` for TwiML, signed; Exotel's greeting applet asks Outcall's endpoint.
    // The signature covers the URL as addressed (Outcall checks it against its public URL), not the
    // base the request is sent to.
    const twilio = row.api === 'twilio';
    const addressed = twilio ? (row.url ?? '') : greetingFetchUrl(publicUrl, row.sid, row.customField ?? '');
    const init = twilio ? signedTwilioRequest(addressed, twilioUrlFetchParams(row), authTokenOf(row)) : {};
    const url = reachable(addressed);
    try {
      const res = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      const text = await res.text();
      if (!res.ok) {
        log.warn({ callSid: row.sid, url, httpStatus: res.status }, 'Simulator greeting fetch refused');
        return;
      }
      const body = twilio ? spokenText(text) : text;
      await db.update(simCalls).set({ greeting: body }).where(eq(simCalls.sid, row.sid));
      log.info({ callSid: row.sid, chars: body.length }, 'Simulator fetched greeting');
    } catch (err) {
      log.warn({ callSid: row.sid, url, err: (err as Error).message }, 'Simulator greeting fetch failed');
    }
  }

  async function sendCallbacks(): Promise<void> {
    const now = new Date();
    const due = db
      .select({ sid: simCalls.sid })
      .from(simCalls)
      .where(and(isNull(simCalls.callbackSentAt), lte(simCalls.callbackDueAt, now), greetingAsked))
      .orderBy(asc(simCalls.callbackDueAt))
      .limit(BATCH)
      .for('update', { skipLocked: true });
    const claimed = await db
      .update(simCalls)
      .set({
        callbackDueAt: new Date(now.getTime() + LEASE_MS),
        callbackTries: sql`${simCalls.callbackTries} + 1`,
        status: sql`${simCalls.outcome}`,
      })
      .where(inArray(simCalls.sid, due))
      .returning();
    // Sent in the background, as a carrier would: a slow receiver does not hold up later callbacks.
    for (const row of claimed) {
      const sending: Promise<void> = sendCallback(row)
        .catch((err: unknown) =>
          log.error({ callSid: row.sid, err: (err as Error).message }, 'Simulator status callback failed to record'),
        )
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    }
  }

  /** Milliseconds until the next callback falls due (null: none pending). */
  async function nextDueInMs(): Promise<number | null> {
    const [row] = await db
      .select({ ms: sql<number | null>`extract(epoch from min(${simCalls.callbackDueAt}) - clock_timestamp()) * 1000` })
      .from(simCalls)
      .where(and(isNull(simCalls.callbackSentAt), greetingAsked));
    return row?.ms == null ? null : Number(row.ms);
  }

  async function sendCallback(row: SimCallRow): Promise<void> {
    const markSent = () => db.update(simCalls).set({ callbackSentAt: new Date() }).where(eq(simCalls.sid, row.sid));
    if (!row.statusCallback) {
      await markSent();
      return;
    }
    let failure: string;
    try {
      const request =
        row.api === 'twilio'
          ? signedTwilioRequest(row.statusCallback, twilioStatusCallbackParams(row), authTokenOf(row))
          : {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(statusCallbackBody(row)),
            };
      const res = await fetchImpl(reachable(row.statusCallback), {
        ...request,
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      await res.body?.cancel();
      // A 4xx other than 408/429 is the receiver's final word: a real carrier would not retry it.
      if (res.ok || (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)) {
        await markSent();
        const level = res.ok ? 'info' : 'warn';
        log[level](
          { callSid: row.sid, status: row.outcome, httpStatus: res.status, tries: row.callbackTries },
          'Simulator sent status callback',
        );
        return;
      }
      failure = `HTTP ${res.status}`;
    } catch (err) {
      failure = (err as Error).message;
    }
    if (row.callbackTries >= MAX_CALLBACK_TRIES) {
      await markSent();
      log.error({ callSid: row.sid, tries: row.callbackTries, failure }, 'Simulator gave up on status callback');
      return;
    }
    const backoff = Math.min(1000 * 2 ** (row.callbackTries - 1), MAX_BACKOFF_MS);
    await db
      .update(simCalls)
      .set({ callbackDueAt: new Date(Date.now() + backoff) })
      .where(eq(simCalls.sid, row.sid));
    log.warn(
      { callSid: row.sid, tries: row.callbackTries, failure, retryInMs: backoff },
      'Simulator status callback failed',
    );
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();

  /** One pass; returns how long to sleep: until the next callback is due, at most `pollMs`. */
  const tick = async (): Promise<number> => {
    try {
      await fetchGreetings();
      await sendCallbacks();
      const dueInMs = await nextDueInMs();
      return dueInMs === null ? pollMs : Math.min(pollMs, Math.max(MIN_SLEEP_MS, Math.ceil(dueInMs)));
    } catch (err) {
      log.error({ err: (err as Error).message }, 'Simulator dispatcher tick failed');
      return pollMs;
    }
  };
  const loop = () => {
    if (stopped) return;
    let sleepMs = pollMs;
    running = tick()
      .then((ms) => void (sleepMs = ms))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(loop, sleepMs);
      });
  };
  loop();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await Promise.all(inFlight);
    },
  };
}
