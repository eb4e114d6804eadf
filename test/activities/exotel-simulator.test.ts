/**
 * SPEC §7: the exotel adapter against the simulator carrier on a real local HTTP server, with the
 * simulator's state in a real PostgreSQL database and its callbacks arriving at a local receiver.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { ApplicationFailure } from '@temporalio/common';
import { Hono } from 'hono';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCarrierFactory, simulatorGreetingFlowUrl } from '../../activities/carriers';
import type { Carrier, PlaceCallInput } from '../../activities/carriers/carrier';
import { createExotelCarrier } from '../../activities/carriers/exotel';
import { createSimulatorApp, simulatorCredentials, startSimulatorDispatcher } from '../../simulator';
import { SIMULATOR_RECORDS_COMPLETE_MS } from '../../simulator/contract';
import { HIDDEN_TOKEN } from '../../simulator/records';
import { upsertAccount } from '../../db/queries/accounts';
import { parseExotelStatusCallback } from '../../domain/exotel-callback';
import { attemptToken, newSid } from '../../domain/ids';
import { freshDatabase, type TestDatabase } from '../support/db';

const RING_MS = 300;
const TALK_MS = 1200;
/** The deployment secret the simulator's per-account credentials derive from. */
const SECRET = 'simulator-test-secret-0123456789';
/** The Outcall account whose calls the adapter places (sid `acme`), and its API credentials. */
const ACME = { sid: 'acme', api_key: 'acme-key', api_token: 'acme-token-0123456789abcdef01' };
const acmeAuth = `Basic ${Buffer.from(`${ACME.api_key}:${ACME.api_token}`).toString('base64')}`;

interface Callback {
  token: string | null;
  body: Record<string, unknown>;
}

let database: TestDatabase;
let server: ServerType;
let publicUrl: string;
let carrier: Carrier;
let dispatcher: { stop(): Promise<void> };
const callbacks: Callback[] = [];
const log = pino({ level: 'silent' });

function startDispatcher() {
  return startSimulatorDispatcher({
    db: database.db,
    log,
    ringMs: RING_MS,
    talkMs: TALK_MS,
    secret: SECRET,
    publicUrl,
    pollMs: 50,
  });
}

beforeAll(async () => {
  database = await freshDatabase();
  // One server plays the whole public URL: the simulator under /simulator, Outcall's greeting
  // endpoint (a stand-in serving a fixed text) and the status-callback receiver.
  const app = new Hono();
  await upsertAccount(database.db, ACME);
  app.route(
    '/simulator',
    createSimulatorApp({ db: database.db, log, ringMs: RING_MS, talkMs: TALK_MS, secret: SECRET }),
  );
  // The greeting flow asks with the call's sid and the attempt token, as an Exotel applet does.
  app.get('/carriers/exotel/greeting', (c) =>
    c.text(`Hello ${c.req.query('CallSid')} (${c.req.query('CustomField')?.length ?? 0} characters of token)`),
  );
  app.post('/hooks/status', async (c) => {
    callbacks.push({ token: c.req.query('token') ?? null, body: await c.req.json() });
    return c.text('ok');
  });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  carrier = createCarrierFactory({ publicUrl, simulatorSecret: SECRET })({ type: 'simulator' }, 'acme');
  dispatcher = startDispatcher();
});

afterAll(async () => {
  await dispatcher?.stop();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await database?.drop();
});

function newToken(attempt = 1): string {
  return attemptToken(attempt, newSid());
}

function dial(to: string, token: string, over: Partial<PlaceCallInput> = {}): PlaceCallInput {
  return {
    to,
    callerId: '08047112345',
    url: 'https://flows.example/start_voice/1',
    customField: 'campaign-cf',
    ringTimeoutS: 30,
    callTimeLimitS: 3600,
    statusCallbackUrl: `${publicUrl}/hooks/status?token=${token}`,
    ...over,
  };
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const callbackFor = (token: string) => waitFor(() => callbacks.find((c) => c.token === token));

async function simulatorView(number: string) {
  const res = await fetch(`${publicUrl}/simulator/calls?number=${encodeURIComponent(number)}`, {
    headers: { authorization: acmeAuth },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { number: string; requests: Array<Record<string, unknown>> };
}

async function placeAccepted(input: PlaceCallInput): Promise<string> {
  const r = await carrier.placeCall(input);
  if (r.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(r)}`);
  expect(r.carrierSid).toMatch(/^[0-9a-f]{32}$/);
  return r.carrierSid;
}

describe('§7 simulator through the exotel adapter', () => {
  it.each([
    ['+919800000011', 'completed', 1],
    ['+919800000016', 'busy', 0],
    ['+919800000017', 'no-answer', 0],
    ['+919800000018', 'failed', 0],
  ])('dials %s: accepted, then a %s status callback and lookup', async (number, status, duration) => {
    const token = newToken();
    const sid = await placeAccepted(dial(number, token));
    const cb = await callbackFor(token);
    expect(cb.body).toMatchObject({
      CallSid: sid,
      Status: status,
      EventType: 'terminal',
      From: number,
      CustomField: 'campaign-cf',
    });
    const parsed = parseExotelStatusCallback(cb.body);
    expect(parsed.ok && parsed.value).toMatchObject({ carrierSid: sid, status, duration });
    if (parsed.ok) {
      expect(parsed.value.startTimeMs).toEqual(expect.any(Number));
      const callMs = parsed.value.endTimeMs! - parsed.value.startTimeMs!;
      // Whole seconds on the wire: ring (+ talk) rounded either way.
      expect(Math.abs(callMs - (status === 'completed' ? RING_MS + TALK_MS : RING_MS))).toBeLessThanOrEqual(1000);
    }

    const byId = await carrier.lookupCall({
      carrierSid: sid,
      to: number,
      after: new Date(Date.now() - 60_000),
      before: new Date(),
      token,
    });
    expect(byId).toMatchObject({ kind: 'final', outcome: { carrierSid: sid, status, duration } });

    const view = await simulatorView(number);
    expect(view.requests).toHaveLength(1);
    expect(view.requests[0]).toMatchObject({
      kind: 'call',
      call_sid: sid,
      to: number,
      caller_id: '08047112345',
      url: 'https://flows.example/start_voice/1',
      custom_field: 'campaign-cf',
      attempt_number: 1,
      outcome: status,
      status,
      duration,
      greeting_fetched: false,
    });
    expect(view.requests[0]!.callback_sent_at).not.toBeNull();
  });

  it('answers busy on attempt 1 and completed on attempt 2 for a number ending in 9', async () => {
    const number = '+919800000019';
    const first = newToken(1);
    const second = newToken(2);
    await placeAccepted(dial(number, first));
    await placeAccepted(dial(number, second));
    expect((await callbackFor(first)).body.Status).toBe('busy');
    expect((await callbackFor(second)).body.Status).toBe('completed');
    const view = await simulatorView(number);
    expect(view.requests.map((r) => [r.attempt_number, r.outcome])).toEqual([
      [1, 'busy'],
      [2, 'completed'],
    ]);
  });

  it('refuses a dial from a caller id ending in 000 with a 400 the adapter reads as caller-id refusal', async () => {
    const number = '+919800001011';
    const r = await carrier.placeCall(dial(number, newToken(1), { callerId: '08047112000' }));
    expect(r).toMatchObject({ kind: 'refused', httpStatus: 400, accountLevel: false, callerIdRefused: true });
    expect(r.kind === 'refused' && r.message).toContain('CallerId 08047112000');
    expect((await simulatorView(number)).requests).toEqual([
      expect.objectContaining({ kind: 'refused', http_status: 400, call_sid: null }),
    ]);
  });

  it('refuses a number ending in 000 with HTTP 400 and places no call', async () => {
    const number = '+919800001000';
    const token = newToken(2);
    const r = await carrier.placeCall(dial(number, token));
    expect(r).toMatchObject({ kind: 'refused', httpStatus: 400, accountLevel: false, callerIdRefused: false });
    const view = await simulatorView(number);
    expect(view.requests).toEqual([
      expect.objectContaining({
        kind: 'refused',
        http_status: 400,
        to: number,
        attempt_number: 2,
        outcome: 'refused',
        call_sid: null,
      }),
    ]);
    const lookup = await carrier.lookupCall({
      to: number,
      after: new Date(Date.now() - 60_000),
      before: new Date(Date.now() + 1000),
      token,
    });
    expect(lookup).toEqual({ kind: 'not_found' });
  });

  it('reports a call that is still ringing or talking as live', async () => {
    const number = '+919800000021';
    const token = newToken();
    const sid = await placeAccepted(dial(number, token));
    const r = await carrier.lookupCall({
      carrierSid: sid,
      to: number,
      after: new Date(Date.now() - 60_000),
      before: new Date(),
      token,
    });
    expect(r).toEqual({ kind: 'live', carrierSid: sid });
    await callbackFor(token);
  });

  it('finds a call by number and window, matching the attempt token', async () => {
    const number = '+919800000031';
    const after = new Date();
    const t1 = newToken(1);
    const t2 = newToken(2);
    const sid1 = await placeAccepted(dial(number, t1));
    const sid2 = await placeAccepted(dial(number, t2));
    await callbackFor(t1);
    await callbackFor(t2);
    const before = new Date();
    expect(await carrier.lookupCall({ to: number, after, before, token: t1 })).toMatchObject({
      kind: 'final',
      outcome: { carrierSid: sid1 },
    });
    expect(await carrier.lookupCall({ to: number, after, before, token: t2 })).toMatchObject({
      kind: 'final',
      outcome: { carrierSid: sid2 },
    });
    // A token no call carries, and a window before the calls: nothing.
    expect(await carrier.lookupCall({ to: number, after, before, token: newToken(3) })).toEqual({ kind: 'not_found' });
    expect(
      await carrier.lookupCall({
        to: number,
        after: new Date(after.getTime() - 120_000),
        before: new Date(after.getTime() - 60_000),
        token: t1,
      }),
    ).toEqual({ kind: 'not_found' });
  });

  it('answers an unknown sid with not_found', async () => {
    const r = await carrier.lookupCall({
      carrierSid: newSid(),
      to: '+919800000041',
      after: new Date(),
      before: new Date(),
      token: newToken(),
    });
    expect(r).toEqual({ kind: 'not_found' });
  });

  it('says never_placed for a call missing once its records are complete, not_found before', async () => {
    const number = '+919800000042';
    const token = newToken();
    const lookup = (sentAgoMs: number) =>
      carrier.lookupCall({
        to: number,
        after: new Date(Date.now() - sentAgoMs - 60_000),
        before: new Date(Date.now() + 60_000),
        token,
        sentAt: new Date(Date.now() - sentAgoMs),
      });
    // A dial that may have left 5 s ago may still be recorded; 31 s ago it cannot be any more.
    expect(await lookup(5_000)).toEqual({ kind: 'not_found' });
    expect(await lookup(SIMULATOR_RECORDS_COMPLETE_MS + 1_000)).toEqual({ kind: 'never_placed' });
    // A call it did place is found, however long ago it was sent.
    const sid = await placeAccepted(dial(number, token));
    expect(await lookup(SIMULATOR_RECORDS_COMPLETE_MS + 1_000)).toEqual({ kind: 'live', carrierSid: sid });
    await callbackFor(token);
    // The real Exotel adapter (records that may lag) never says never_placed.
    const exotel = createExotelCarrier({
      baseUrl: `${publicUrl}/simulator`,
      accountSid: 'acme',
      ...simulatorCredentials('acme', SECRET),
    });
    const missing = {
      to: '+919800000043',
      after: new Date(Date.now() - 3_600_000),
      before: new Date(),
      token: newToken(),
      sentAt: new Date(Date.now() - 3_600_000),
    };
    expect(await exotel.lookupCall(missing)).toEqual({ kind: 'not_found' });
  });

  it('fetches the greeting when a greeting-flow call is answered', async () => {
    const number = '+919800000051';
    const token = newToken();
    const sid = await placeAccepted(
      dial(number, token, { url: simulatorGreetingFlowUrl(publicUrl), customField: token }),
    );
    await callbackFor(token);
    const [call] = (await simulatorView(number)).requests;
    // The view never shows the attempt token the greeting call carries as CustomField.
    expect(call).toMatchObject({
      greeting: `Hello ${sid} (${token.length} characters of token)`,
      greeting_fetched: true,
      custom_field: HIDDEN_TOKEN,
    });
    expect(new Date(call!.greeting_fetched_at as string).getTime()).toBeGreaterThanOrEqual(
      new Date(call!.date_created as string).getTime() + RING_MS,
    );
  });

  it('does not fetch a greeting for an unanswered greeting-flow call', async () => {
    const number = '+919800000056';
    const token = newToken();
    await placeAccepted(dial(number, token, { url: simulatorGreetingFlowUrl(publicUrl), customField: token }));
    await callbackFor(token);
    expect((await simulatorView(number)).requests[0]).toMatchObject({
      greeting: null,
      greeting_fetched: false,
      outcome: 'busy',
    });
  });

  it('still sends a pending callback after the dispatcher restarts', async () => {
    await dispatcher.stop();
    const number = '+919800000061';
    const token = newToken();
    const sid = await placeAccepted(dial(number, token));
    await new Promise((r) => setTimeout(r, RING_MS + TALK_MS + 300));
    expect(callbacks.find((c) => c.token === token)).toBeUndefined();
    // The call itself has ended at the carrier even though nobody was told yet.
    expect(
      await carrier.lookupCall({ carrierSid: sid, to: number, after: new Date(0), before: new Date(), token }),
    ).toMatchObject({
      kind: 'final',
      outcome: { status: 'completed' },
    });
    dispatcher = startDispatcher();
    expect((await callbackFor(token)).body).toMatchObject({ CallSid: sid, Status: 'completed' });
  });

  it('on a private network, reaches the public URL at its callback base (docker compose)', async () => {
    // Outcall's public URL does not resolve from where this simulator runs; the API is reached at
    // `callbackBaseUrl` instead, and workers reach the simulator at `simulatorUrl`.
    const outside = 'http://outcall.invalid';
    await dispatcher.stop();
    dispatcher = startSimulatorDispatcher({
      db: database.db,
      log,
      ringMs: RING_MS,
      talkMs: TALK_MS,
      secret: SECRET,
      publicUrl: outside,
      callbackBaseUrl: publicUrl,
      pollMs: 50,
    });
    try {
      const privateCarrier = createCarrierFactory({
        publicUrl: outside,
        simulatorUrl: `${publicUrl}/simulator`,
        simulatorSecret: SECRET,
      })({ type: 'simulator' }, 'acme');
      const number = '+919800000071';
      const token = newToken();
      const r = await privateCarrier.placeCall(
        dial(number, token, {
          url: simulatorGreetingFlowUrl(outside),
          customField: token,
          statusCallbackUrl: `${outside}/hooks/status?token=${token}`,
        }),
      );
      expect(r.kind).toBe('accepted');
      expect((await callbackFor(token)).body).toMatchObject({ Status: 'completed' });
      const [call] = (await simulatorView(number)).requests;
      // The greeting was fetched through the callback base; the view hides the attempt token.
      const shown = new URL(`${outside}/hooks/status`);
      shown.searchParams.set('token', HIDDEN_TOKEN);
      expect(call).toMatchObject({
        greeting: `Hello ${String(call!.call_sid)} (${token.length} characters of token)`,
        status_callback: shown.toString(),
      });
    } finally {
      await dispatcher.stop();
      dispatcher = startDispatcher();
    }
  });
});

describe('§7 exotel adapter error mapping', () => {
  const input = dial('+919800000071', newToken());
  const fake = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    createExotelCarrier({
      baseUrl: 'https://exotel.test',
      accountSid: 'acme',
      apiKey: 'k',
      apiToken: 't',
      fetch: (async () =>
        new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers })) as typeof fetch,
    });

  const hanging = () =>
    createExotelCarrier({
      baseUrl: 'https://exotel.test',
      accountSid: 'a',
      apiKey: 'k',
      apiToken: 't',
      timeoutMs: 50,
      fetch: ((_url: string, init: RequestInit) =>
        new Promise((_resolve, reject) =>
          init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
        )) as typeof fetch,
    });

  it('sends the connect form Exotel documents, with Basic auth', async () => {
    let seen: { url: string; init: RequestInit } | undefined;
    const c = createExotelCarrier({
      baseUrl: 'https://exotel.test/',
      accountSid: 'acme',
      apiKey: 'key',
      apiToken: 'tok',
      fetch: (async (url: string, init: RequestInit) => {
        seen = { url, init };
        return new Response(JSON.stringify({ Call: { Sid: 'abc' } }), { status: 200 });
      }) as typeof fetch,
    });
    expect(await c.placeCall(input)).toEqual({ kind: 'accepted', carrierSid: 'abc' });
    expect(seen!.url).toBe('https://exotel.test/v1/Accounts/acme/Calls/connect.json');
    expect((seen!.init.headers as Record<string, string>).authorization).toBe(
      `Basic ${Buffer.from('key:tok').toString('base64')}`,
    );
    const form = new URLSearchParams(seen!.init.body as string);
    expect(Object.fromEntries(form)).toEqual({
      From: input.to,
      CallerId: input.callerId,
      Url: input.url,
      CustomField: 'campaign-cf',
      TimeOut: '30',
      TimeLimit: '3600',
      StatusCallback: input.statusCallbackUrl,
      'StatusCallbackEvents[0]': 'terminal',
      StatusCallbackContentType: 'application/json',
    });
  });

  it('maps 429 to rate_limited honouring Retry-After', async () => {
    expect(
      await fake(429, { RestException: { Message: 'slow down' } }, { 'retry-after': '7' }).placeCall(input),
    ).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 7000,
    });
  });

  it.each([
    [400, false],
    [401, true],
    [402, true],
    [403, true],
    [404, false],
  ])('maps HTTP %i to refused (accountLevel %s) with Exotel’s message', async (status, accountLevel) => {
    expect(await fake(status, { RestException: { Status: status, Message: 'nope' } }).placeCall(input)).toEqual({
      kind: 'refused',
      httpStatus: status,
      message: 'nope',
      accountLevel,
      callerIdRefused: false,
    });
  });

  it.each([
    [400, 'CallerId 08047112000 is not a valid ExoPhone', true],
    [400, 'Caller Id is required', true],
    [400, 'From +91ABC is not a valid phone number', false],
    [403, 'CallerId not allowed for this account', false],
  ])('reads HTTP %i "%s" as a caller-id refusal: %s', async (status, message, callerIdRefused) => {
    expect(await fake(status, { RestException: { Status: status, Message: message } }).placeCall(input)).toMatchObject({
      kind: 'refused',
      callerIdRefused,
    });
  });

  it('reports a dial request the carrier did not answer as a result with its cause, never a throw', async () => {
    expect(await fake(503, 'down').placeCall(input)).toMatchObject({ kind: 'not_sent' });
    expect(await fake(200, 'not json').placeCall(input)).toMatchObject({ kind: 'unknown' });
    const refusedPort = createExotelCarrier({
      baseUrl: 'http://127.0.0.1:1',
      accountSid: 'a',
      apiKey: 'k',
      apiToken: 't',
    });
    expect(await refusedPort.placeCall(input)).toMatchObject({ kind: 'not_sent' });
    expect(await hanging().placeCall(input)).toMatchObject({ kind: 'unknown' });
  });

  it('throws a retryable CarrierUnavailable from a lookup on 5xx, a network error and a timeout', async () => {
    const expectUnavailable = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'CarrierUnavailable', nonRetryable: false });
    };
    const lookup = { carrierSid: 'x', to: input.to, after: new Date(), before: new Date(), token: 't' };
    await expectUnavailable(fake(502, 'bad').lookupCall(lookup));
    await expectUnavailable(
      createExotelCarrier({ baseUrl: 'http://127.0.0.1:1', accountSid: 'a', apiKey: 'k', apiToken: 't' }).lookupCall(
        lookup,
      ),
    );
    await expectUnavailable(hanging().lookupCall(lookup));
  });

  it('refuses the simulator’s API with the wrong credentials as an account-level 401', async () => {
    const c = createExotelCarrier({
      baseUrl: `${publicUrl}/simulator`,
      accountSid: 'acme',
      apiKey: 'simulator',
      apiToken: 'wrong',
    });
    expect(await c.placeCall(dial('+919800000081', newToken()))).toMatchObject({
      kind: 'refused',
      httpStatus: 401,
      accountLevel: true,
    });
  });
});
