/**
 * SPEC §7 (issue 11, finding 1): the simulator is closed to strangers. Its Exotel API takes only
 * the account's own simulator credentials (derived from the deployment's secret); its inspection
 * view takes the account's API credentials, lists only that account's calls and never shows a
 * callback token. A real local HTTP server, the simulator's state in a real PostgreSQL database.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCarrierFactory, simulatorGreetingFlowUrl } from '../../activities/carriers';
import type { Carrier, PlaceCallInput } from '../../activities/carriers/carrier';
import { createExotelCarrier } from '../../activities/carriers/exotel';
import { upsertAccount } from '../../db/queries/accounts';
import { simCalls, simRequests } from '../../db/schema';
import { attemptToken, newSid } from '../../domain/ids';
import { createSimulatorApp, simulatorCredentials, startSimulatorDispatcher } from '../../simulator';
import { HIDDEN_TOKEN } from '../../simulator/records';
import { freshDatabase, type TestDatabase } from '../support/db';

const SECRET = 'simulator-test-secret-0123456789';
const ACME = { sid: 'acme', api_key: 'acme-key', api_token: 'acme-token-0123456789abcdef01' };
const acmeAuth = `Basic ${Buffer.from(`${ACME.api_key}:${ACME.api_token}`).toString('base64')}`;
const log = pino({ level: 'silent' });

let database: TestDatabase;
let server: ServerType;
let publicUrl: string;
let carrier: Carrier;
let dispatcher: { stop(): Promise<void> };
const callbacks: Array<{ token: string | null }> = [];

beforeAll(async () => {
  database = await freshDatabase();
  await upsertAccount(database.db, ACME);
  const app = new Hono();
  app.route('/simulator', createSimulatorApp({ db: database.db, log, ringMs: 100, talkMs: 200, secret: SECRET }));
  app.get('/carriers/exotel/greeting', (c) => c.text('Hello'));
  app.post('/hooks/status', (c) => {
    callbacks.push({ token: c.req.query('token') ?? null });
    return c.text('ok');
  });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  publicUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  carrier = createCarrierFactory({ publicUrl, simulatorSecret: SECRET })({ type: 'simulator' }, 'acme');
  dispatcher = startSimulatorDispatcher({
    db: database.db,
    log,
    ringMs: 100,
    talkMs: 200,
    secret: SECRET,
    publicUrl,
    pollMs: 50,
  });
});

afterAll(async () => {
  await dispatcher?.stop();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await database?.drop();
});

const newToken = () => attemptToken(1, newSid());

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

async function placeAccepted(input: PlaceCallInput): Promise<string> {
  const r = await carrier.placeCall(input);
  if (r.kind !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(r)}`);
  return r.carrierSid;
}

async function callbackFor(token: string): Promise<void> {
  for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    if (callbacks.some((c) => c.token === token)) return;
  }
  throw new Error('no callback');
}

describe('§7 the simulator is closed to strangers (issue 11, finding 1)', () => {
  it('accepts dial requests only with the account’s own simulator credentials', async () => {
    const placeWith = (accountSid: string, apiKey: string, apiToken: string) =>
      createExotelCarrier({ baseUrl: `${publicUrl}/simulator`, accountSid, apiKey, apiToken }).placeCall(
        dial('+919800000082', newToken()),
      );
    // The fixed credentials every deployment used to share open nothing.
    expect(await placeWith('acme', 'simulator', 'simulator')).toMatchObject({ kind: 'refused', httpStatus: 401 });
    // Another account's simulator credentials cannot place calls as acme.
    const other = simulatorCredentials('other', SECRET);
    expect(await placeWith('acme', other.apiKey, other.apiToken)).toMatchObject({ kind: 'refused', httpStatus: 401 });
    // Credentials derived under another deployment's secret do not work here.
    const foreign = simulatorCredentials('acme', 'another-deployment-secret-0123');
    expect(await placeWith('acme', foreign.apiKey, foreign.apiToken)).toMatchObject({
      kind: 'refused',
      httpStatus: 401,
    });
    const own = simulatorCredentials('acme', SECRET);
    expect(await placeWith('acme', own.apiKey, own.apiToken)).toMatchObject({ kind: 'accepted' });
  });

  it('refuses a dial request with a NUL byte in a field (400 naming it) and records nothing (SPEC §1)', async () => {
    const own = simulatorCredentials('acme', SECRET);
    const before = [
      (await database.db.select().from(simRequests)).length,
      (await database.db.select().from(simCalls)).length,
    ];
    const res = await fetch(`${publicUrl}/simulator/v1/Accounts/acme/Calls/connect.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${own.apiKey}:${own.apiToken}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'From=%2B919800000085&CallerId=08047112345&Url=https%3A%2F%2Fflows.example%2F1&CustomField=a%00b',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      RestException: { Status: 400, Message: 'Field "CustomField" contains a NUL byte (U+0000)' },
    });
    const after = [
      (await database.db.select().from(simRequests)).length,
      (await database.db.select().from(simCalls)).length,
    ];
    expect(after).toEqual(before);
  });

  it('answers the inspection view only with the account’s API credentials', async () => {
    const number = '+919800000083';
    await placeAccepted(dial(number, newToken()));
    const view = (authorization?: string) =>
      fetch(`${publicUrl}/simulator/calls?number=${encodeURIComponent(number)}`, {
        headers: authorization ? { authorization } : {},
      });
    expect((await view()).status).toBe(401);
    const wrong = `Basic ${Buffer.from(`${ACME.api_key}:not-the-token`).toString('base64')}`;
    expect((await view(wrong)).status).toBe(401);
    expect((await view(acmeAuth)).status).toBe(200);
  });

  it('shows an account only its own calls, and never a callback token', async () => {
    const number = '+919800000084';
    const token = newToken();
    await placeAccepted(dial(number, token, { url: simulatorGreetingFlowUrl(publicUrl), customField: token }));
    // Another account (its own sid at the simulator) dials the same number.
    const otherAccount = { sid: 'other', api_key: 'other-key', api_token: 'other-token-0123456789abcdef' };
    await upsertAccount(database.db, otherAccount);
    const otherCarrier = createCarrierFactory({ publicUrl, simulatorSecret: SECRET })({ type: 'simulator' }, 'other');
    const otherToken = newToken();
    const placed = await otherCarrier.placeCall(dial(number, otherToken));
    expect(placed.kind).toBe('accepted');
    await callbackFor(token);

    const res = await fetch(`${publicUrl}/simulator/calls?number=${encodeURIComponent(number)}`, {
      headers: { authorization: acmeAuth },
    });
    const text = await res.text();
    const body = JSON.parse(text) as { requests: Array<Record<string, unknown>> };
    expect(body.requests).toHaveLength(1);
    expect(body.requests[0]).toMatchObject({ account_sid: 'acme', custom_field: HIDDEN_TOKEN });
    expect(new URL(String(body.requests[0]!.status_callback)).searchParams.get('token')).toBe(HIDDEN_TOKEN);
    for (const secret of [token, otherToken, token.slice(2)]) expect(text).not.toContain(secret);

    const otherAuth = `Basic ${Buffer.from(`${otherAccount.api_key}:${otherAccount.api_token}`).toString('base64')}`;
    const asOther = (await (
      await fetch(`${publicUrl}/simulator/calls?number=${encodeURIComponent(number)}`, {
        headers: { authorization: otherAuth },
      })
    ).json()) as { requests: Array<Record<string, unknown>> };
    expect(asOther.requests.map((r) => r.account_sid)).toEqual(['other']);
  });

  it('hides an attempt token carried in a dial’s Url too (Twilio’s greeting Url form)', async () => {
    const number = '+919800000086';
    const token = newToken();
    await placeAccepted(dial(number, newToken(), { url: `${publicUrl}/carriers/twilio/greeting?token=${token}` }));
    const res = await fetch(`${publicUrl}/simulator/calls?number=${encodeURIComponent(number)}`, {
      headers: { authorization: acmeAuth },
    });
    const text = await res.text();
    expect(text).not.toContain(token);
    const [call] = (JSON.parse(text) as { requests: Array<{ url: string }> }).requests;
    expect(new URL(call!.url).searchParams.get('token')).toBe(HIDDEN_TOKEN);
  });
});
