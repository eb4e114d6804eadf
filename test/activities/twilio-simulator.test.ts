/**
 * SPEC §7 `twilio`: the twilio adapter against the simulator's Twilio contract on a real local HTTP
 * server, the simulator's state in a real PostgreSQL database, its signed callbacks and greeting
 * fetches arriving at a local receiver, where Twilio's own Node helper library (`validateRequest`)
 * checks their X-Twilio-Signature.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import pino from 'pino';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCarrierFactory, simulatorGreetingFlowUrl } from '../../activities/carriers';
import type { Carrier, PlaceCallInput } from '../../activities/carriers/carrier';
import { eq } from 'drizzle-orm';
import { simCalls, simRequests, type CarrierConfig } from '../../db/schema';
import { attemptToken, newSid } from '../../domain/ids';
import { parseTwilioStatusCallback } from '../../domain/twilio-call';
import { sayTwiml } from '../../domain/twiml';
import {
  createTwilioSimulatorApp,
  SIMULATOR_TWILIO_MOUNT_PATH,
  simulatorTwilioApiKeySecret,
  simulatorTwilioAuthToken,
  simulatorTwilioBaseUrl,
  startSimulatorDispatcher,
} from '../../simulator';
import { freePort } from '../../bin/services';
import { freshDatabase, type TestDatabase } from '../support/db';

const RING_MS = 300;
const TALK_MS = 1200;
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
/** The deployment secret the simulated Twilio account's auth token derives from. */
const SECRET = 'twilio-simulator-test-secret-0123';
const AUTH_TOKEN = simulatorTwilioAuthToken(ACCOUNT_SID, SECRET);
const KEY_SID = `SK${'ab'.repeat(16)}`;

interface Received {
  path: string;
  url: string;
  token: string | null;
  signature: string | null;
  params: Record<string, string>;
}

let database: TestDatabase;
let server: ServerType;
let publicUrl: string;
let dispatcher: { stop(): Promise<void> };
const received: Received[] = [];
const greetings = new Map<string, string>();
const log = pino({ level: 'silent' });

function twilioConfig(over: Partial<Extract<CarrierConfig, { type: 'twilio' }>> = {}): CarrierConfig {
  return {
    type: 'twilio',
    baseUrl: simulatorTwilioBaseUrl(publicUrl),
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    apiKey: null,
    ...over,
  };
}

const carrierFor = (config: CarrierConfig): Carrier =>
  createCarrierFactory({
    publicUrl,
    simulatorSecret: 'unused',
    greetingText: async (token) => greetings.get(token) ?? null,
  })(config, 'acme');

beforeAll(async () => {
  database = await freshDatabase();
  // One server plays the whole public URL: the simulator's Twilio contract, and a receiver standing in
  // for Outcall's Twilio routes that records every request with its signature.
  const app = new Hono();
  const deps = { db: database.db, log, ringMs: RING_MS, talkMs: TALK_MS, secret: SECRET };
  app.route(SIMULATOR_TWILIO_MOUNT_PATH, createTwilioSimulatorApp(deps));
  app.post('/carriers/twilio/*', async (c) => {
    const params = Object.fromEntries(new URLSearchParams(await c.req.text()));
    const url = `${publicUrl}${c.req.path}${new URL(c.req.url).search}`;
    received.push({
      path: c.req.path,
      url,
      token: c.req.query('token') ?? null,
      signature: c.req.header('x-twilio-signature') ?? null,
      params,
    });
    if (c.req.path.endsWith('/greeting')) return c.body(sayTwiml(`Long hello for ${c.req.query('token')}`), 200);
    return c.text('ok');
  });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dispatcher = startSimulatorDispatcher({ ...deps, publicUrl, pollMs: 50 });
});

afterAll(async () => {
  await dispatcher?.stop();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await database?.drop();
});

const newToken = (attempt = 1) => attemptToken(attempt, newSid());

function dial(to: string, token: string, over: Partial<PlaceCallInput> = {}): PlaceCallInput {
  return {
    to,
    callerId: '+14155550100',
    url: 'https://flows.example/twiml/1',
    customField: 'campaign-cf',
    ringTimeoutS: 30,
    callTimeLimitS: 3600,
    // The dial path builds the Exotel-shaped URL; the adapter sends Twilio's own with the same token.
    statusCallbackUrl: `${publicUrl}/carriers/exotel/status?token=${token}`,
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

const requestFor = (token: string, kind: 'status' | 'greeting') =>
  waitFor(() => received.find((r) => r.token === token && r.path.endsWith(`/${kind}`)));

/** The simulator's rows for a number (its store, shared with the Exotel contract). */
async function simulated(number: string) {
  return database.db.select().from(simCalls).where(eq(simCalls.to, number));
}

describe('§7 simulator through the twilio adapter', () => {
  it.each([
    ['+919800000011', 'completed', 1],
    ['+919800000016', 'busy', 0],
    ['+919800000017', 'no-answer', 0],
    ['+919800000018', 'failed', 0],
  ])('dials %s: accepted as CA…, then a signed %s callback and the same lookup', async (number, status, duration) => {
    const carrier = carrierFor(twilioConfig());
    const token = newToken();
    const placed = await carrier.placeCall(dial(number, token));
    if (placed.kind !== 'accepted') throw new Error(JSON.stringify(placed));
    expect(placed.carrierSid).toMatch(/^CA[0-9a-f]{32}$/);
    const live = await carrier.lookupCall({
      carrierSid: placed.carrierSid,
      to: number,
      after: new Date(0),
      before: new Date(),
      token,
    });
    expect(live).toEqual({ kind: 'live', carrierSid: placed.carrierSid });
    const cb = await requestFor(token, 'status');
    expect(cb.url).toBe(`${publicUrl}/carriers/twilio/status?token=${token}`);
    expect(cb.params).toMatchObject({
      CallSid: placed.carrierSid,
      AccountSid: ACCOUNT_SID,
      CallStatus: status,
      To: number,
      From: '+14155550100',
      Direction: 'outbound-api',
      ApiVersion: '2010-04-01',
    });
    const outcome = parseTwilioStatusCallback(cb.params);
    expect(outcome).toMatchObject({ ok: true, value: { carrierSid: placed.carrierSid, status, duration } });
    const found = await carrier.lookupCall({
      carrierSid: placed.carrierSid,
      to: number,
      after: new Date(0),
      before: new Date(),
      token,
    });
    expect(found).toMatchObject({ kind: 'final', outcome: { carrierSid: placed.carrierSid, status, duration } });
    const [row] = await simulated(number).then((rows) => rows.filter((r) => r.sid === placed.carrierSid));
    expect(row).toMatchObject({ api: 'twilio', accountSid: ACCOUNT_SID, url: 'https://flows.example/twiml/1' });
  });

  it("signs its callbacks as Twilio does: Twilio's own validateRequest accepts them, and no other token", async () => {
    const carrier = carrierFor(twilioConfig());
    const token = newToken();
    await carrier.placeCall(dial('+919800000021', token));
    const cb = await requestFor(token, 'status');
    expect(cb.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(twilio.validateRequest(AUTH_TOKEN, cb.signature!, cb.url, cb.params)).toBe(true);
    expect(twilio.validateRequest('another-auth-token', cb.signature!, cb.url, cb.params)).toBe(false);
    expect(twilio.validateRequest(AUTH_TOKEN, cb.signature!, cb.url, { ...cb.params, CallStatus: 'busy' })).toBe(false);
  });

  it('sends a greeting as escaped <Say> TwiML, which the answered call hears as written', async () => {
    const carrier = carrierFor(twilioConfig());
    const token = newToken();
    greetings.set(token, 'Hi Asha & "family" <b>');
    const placed = await carrier.placeCall(
      dial('+919800000031', token, { url: simulatorGreetingFlowUrl(publicUrl), customField: token }),
    );
    if (placed.kind !== 'accepted') throw new Error(JSON.stringify(placed));
    const [row] = await simulated('+919800000031');
    expect(row).toMatchObject({ url: null, greeting: 'Hi Asha & "family" <b>' });
    await requestFor(token, 'status');
    expect(received.some((r) => r.token === token && r.path.endsWith('/greeting'))).toBe(false);
  });

  it('sends a greeting too long for Twiml as Url, fetched (signed) when the call is answered', async () => {
    const carrier = carrierFor(twilioConfig());
    const token = newToken();
    greetings.set(token, '&'.repeat(1000));
    const placed = await carrier.placeCall(
      dial('+919800000041', token, { url: simulatorGreetingFlowUrl(publicUrl), customField: token }),
    );
    if (placed.kind !== 'accepted') throw new Error(JSON.stringify(placed));
    const fetchReq = await requestFor(token, 'greeting');
    expect(fetchReq.url).toBe(`${publicUrl}/carriers/twilio/greeting?token=${token}`);
    expect(fetchReq.params).toMatchObject({ CallSid: placed.carrierSid, CallStatus: 'in-progress' });
    expect(twilio.validateRequest(AUTH_TOKEN, fetchReq.signature!, fetchReq.url, fetchReq.params)).toBe(true);
    await requestFor(token, 'status');
    const [row] = await simulated('+919800000041');
    expect(row!.greeting).toBe(`Long hello for ${token}`);
  });

  it('authenticates with an API key instead of the auth token', async () => {
    const carrier = carrierFor(
      twilioConfig({ apiKey: { sid: KEY_SID, secret: simulatorTwilioApiKeySecret(ACCOUNT_SID, KEY_SID, SECRET) } }),
    );
    expect(await carrier.placeCall(dial('+919800000051', newToken()))).toMatchObject({ kind: 'accepted' });
  });

  it('opens an account only with its own derived credentials, no shared or other account’s (issue 11)', async () => {
    const other = `AC${'fedcba9876543210'.repeat(2)}`;
    const list = (user: string, password: string) =>
      fetch(`${simulatorTwilioBaseUrl(publicUrl)}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
        headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      }).then((r) => r.status);
    // The fixed token every deployment once shared, another account's token, another deployment's.
    expect(await list(ACCOUNT_SID, 'simulator-twilio-auth-token')).toBe(401);
    expect(await list(ACCOUNT_SID, simulatorTwilioAuthToken(other, SECRET))).toBe(401);
    expect(await list(other, simulatorTwilioAuthToken(other, SECRET))).toBe(401);
    expect(await list(ACCOUNT_SID, simulatorTwilioAuthToken(ACCOUNT_SID, 'another-deployment-secret-0123'))).toBe(401);
    expect(await list(KEY_SID, 'simulator-twilio-api-key-secret')).toBe(401);
    expect(await list(KEY_SID, simulatorTwilioApiKeySecret(other, KEY_SID, SECRET))).toBe(401);
    expect(await list(ACCOUNT_SID, AUTH_TOKEN)).toBe(200);
    expect(await list(KEY_SID, simulatorTwilioApiKeySecret(ACCOUNT_SID, KEY_SID, SECRET))).toBe(200);
  });

  it('reads a wrong auth token as account-level (401), a refused number and caller id as refusals', async () => {
    const wrong = carrierFor(twilioConfig({ authToken: 'wrong' }));
    expect(await wrong.placeCall(dial('+919800000061', newToken()))).toMatchObject({
      kind: 'refused',
      httpStatus: 401,
      accountLevel: true,
      callerIdRefused: false,
    });
    const carrier = carrierFor(twilioConfig());
    const refusedNumber = await carrier.placeCall(dial('+919800000000', newToken()));
    expect(refusedNumber).toMatchObject({
      kind: 'refused',
      httpStatus: 400,
      accountLevel: false,
      callerIdRefused: false,
      invalidNumber: true,
    });
    expect(refusedNumber.kind === 'refused' && refusedNumber.message).toMatch(/^Twilio 21211: /);
    const refusedCaller = await carrier.placeCall(dial('+919800000071', newToken(), { callerId: '+14155550000' }));
    expect(refusedCaller).toMatchObject({ kind: 'refused', httpStatus: 400, callerIdRefused: true });
  });

  it('refuses a dial request with a NUL byte in a parameter (400 naming it), recording nothing', async () => {
    const countOf = async () => (await database.db.select().from(simRequests)).length;
    const before = await countOf();
    const calls = (await database.db.select().from(simCalls)).length;
    const res = await fetch(`${simulatorTwilioBaseUrl(publicUrl)}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'To=%2B919800000081&From=%2B14155550123&Twiml=%3CSay%3Ehi%3C%2FSay%3E&StatusCallback=x%00y',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toBe(
      'Parameter "StatusCallback" contains a NUL byte (U+0000)',
    );
    expect(await countOf()).toBe(before);
    expect((await database.db.select().from(simCalls)).length).toBe(calls);
  });

  it('finds a call by number and window when its sid was never stored, and nothing outside the window', async () => {
    const carrier = carrierFor(twilioConfig());
    const token = newToken();
    const before = new Date(Date.now() - 1000);
    const placed = await carrier.placeCall(dial('+919800000081', token));
    if (placed.kind !== 'accepted') throw new Error(JSON.stringify(placed));
    await requestFor(token, 'status');
    const found = await carrier.lookupCall({
      carrierSid: null,
      to: '+919800000081',
      after: before,
      before: new Date(),
      token,
    });
    expect(found).toMatchObject({ kind: 'final', outcome: { carrierSid: placed.carrierSid, status: 'completed' } });
    const old = await carrier.lookupCall({
      carrierSid: null,
      to: '+919800000081',
      after: new Date(Date.now() - 3_600_000),
      before: new Date(Date.now() - 1_800_000),
      token,
    });
    expect(old).toEqual({ kind: 'not_found' });
    expect(
      await carrier.lookupCall({
        carrierSid: `CA${newSid()}`,
        to: '+919800000081',
        after: before,
        before: new Date(),
        token,
      }),
    ).toEqual({
      kind: 'not_found',
    });
  });

  it('answers not_sent, with the cause, when the carrier cannot be reached', async () => {
    const port = await freePort();
    const carrier = carrierFor(twilioConfig({ baseUrl: `http://127.0.0.1:${port}` }));
    const result = await carrier.placeCall(dial('+919800000091', newToken()));
    expect(result).toMatchObject({ kind: 'not_sent' });
    expect(result.kind === 'not_sent' && result.cause).toMatch(/ECONNREFUSED/);
  });
});
