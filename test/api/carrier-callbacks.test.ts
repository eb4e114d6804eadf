/**
 * SPEC §2 `/carriers/...`, §7: inbound carrier callbacks and the greeting fetch, against a real
 * database. A callback is accepted only when its token and its CallSid match an attempt awaiting its
 * status; every refusal is the same 403, logged, and reaches no engine (issue 11, finding 1).
 */
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppEnv } from '../../api/context';
import { EngineUnavailableError, type AppDeps, type CampaignEngine } from '../../api/deps';
import { renderError } from '../../api/envelope';
import { requestLogger } from '../../api/middleware/logger';
import { requestId } from '../../api/middleware/request-id';
import { createCarrierRoutes } from '../../api/routes/carrier-callbacks';
import { upsertAccount } from '../../db/queries/accounts';
import { attempts, campaignNumbers, campaigns } from '../../db/schema';
import { attemptToken, newSid } from '../../domain/ids';
import { freshDatabase, type TestDatabase } from '../support/db';

type ReportInput = Parameters<CampaignEngine['reportCallStatus']>[0];

let database: TestDatabase;
let app: Hono<AppEnv>;
let reports: ReportInput[] = [];
let engineAnswer: () => Promise<'delivered' | 'unknown_token' | 'already_settled'>;
let logged: string[] = [];
const log = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      logged.push(chunk.toString('utf8'));
      done();
    },
  }),
);
/** The `reason` of every "... refused" line logged since the test began. */
const refusals = () =>
  logged
    .map((l) => JSON.parse(l) as { msg: string; reason?: string })
    .filter((l) => l.msg.endsWith('refused'))
    .map((l) => l.reason);

/** The envelope, loosely typed for assertions. */
interface Envelope {
  request_id: string;
  http_code: number;
  response: Array<{ status: string; data?: { result?: string }; error_data?: { code: number; description: string } }>;
}
const envelope = async (res: Response) => (await res.json()) as Envelope;

const engine: CampaignEngine = {
  startCampaign: async () => {},
  reportCallStatus: async (input) => {
    reports.push(input);
    return engineAnswer();
  },
  ping: async () => true,
  controlCampaign: async () => {
    throw new Error('carrier callbacks never control a campaign');
  },
  archiveCampaign: async () => {
    throw new Error('carrier callbacks never archive a campaign');
  },
  replayWebhook: async () => {
    throw new Error('carrier callbacks never replay a webhook');
  },
};

async function insertCampaign(over: Partial<typeof campaigns.$inferInsert> = {}): Promise<string> {
  const id = newSid();
  const now = new Date();
  await database.db.insert(campaigns).values({
    id,
    accountSid: 'cb',
    name: 'callbacks',
    callerId: '08047112345',
    retries: {
      number_of_retries: 0,
      interval_mins: null,
      mechanism: 'Linear',
      on_status: ['busy', 'no-answer', 'failed'],
    },
    status: 'InProgress',
    dateCreated: now,
    dateUpdated: now,
    ...over,
  });
  return id;
}

let nextPosition = 0;

async function insertAttempt(
  campaignId: string,
  over: Partial<typeof attempts.$inferInsert> = {},
): Promise<{ token: string; callSid: string }> {
  const token = attemptToken(1, newSid());
  const callSid = newSid();
  await database.db.insert(attempts).values({
    callSid,
    campaignId,
    position: nextPosition++,
    attemptNumber: 1,
    number: '+919800000011',
    callerId: '08047112345',
    token,
    carrierSid: 'c0ffee00c0ffee00c0ffee00c0ffee00',
    dialStartedAt: new Date(),
    dateCreated: new Date(),
    ...over,
  });
  return { token, callSid };
}

let greetingCampaign: string;
let flowCampaign: string;

beforeAll(async () => {
  database = await freshDatabase();
  await upsertAccount(database.db, { sid: 'cb', api_key: 'cb-key', api_token: 'cb-token-0123456789abcdef' });
  greetingCampaign = await insertCampaign({
    readViaText: 'Hello @@first_name, your order ships today.',
    flowType: 'greeting',
  });
  flowCampaign = await insertCampaign({ url: 'https://flows.example/1', flowType: 'ivr' });
  const deps: AppDeps = {
    db: database.db,
    engine,
    log,
    publicUrl: 'http://127.0.0.1:3000',
    signingSecret: 'x'.repeat(32),
    allowLoopbackWebhooks: true,
    allowPrivateWebhooks: false,
  };
  app = new Hono<AppEnv>()
    .use(requestId())
    .use(requestLogger(log))
    .onError((err, c) => renderError(c, err))
    .route('/', createCarrierRoutes(deps));
});

afterAll(async () => {
  await database?.drop();
});

beforeEach(() => {
  reports = [];
  logged = [];
  engineAnswer = async () => 'delivered';
});

const callback = {
  CallSid: 'c0ffee00c0ffee00c0ffee00c0ffee00',
  EventType: 'terminal',
  Status: 'completed',
  DateUpdated: '2024-01-15 09:00:07',
  StartTime: '2024-01-15 09:00:00',
  EndTime: '2024-01-15 09:00:07',
  ConversationDuration: 5,
  RecordingUrl: null,
  CustomField: 'cf',
};

function post(token: string | null, body: string, contentType?: string) {
  const q = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  return app.request(`/carriers/exotel/status${q}`, {
    method: 'POST',
    body,
    headers: contentType ? { 'content-type': contentType } : {},
  });
}

describe('§7 POST /carriers/exotel/status', () => {
  it('hands a JSON callback to the engine and answers 200 once it is durable', async () => {
    const { token, callSid } = await insertAttempt(flowCampaign);
    const res = await post(token, JSON.stringify(callback), 'application/json');
    const json = await envelope(res);
    expect(res.status, JSON.stringify(json)).toBe(200);
    expect(json).toMatchObject({
      http_code: 200,
      response: [
        { code: 200, status: 'success', data: { call_sid: callSid, status: 'completed', result: 'delivered' } },
      ],
    });
    expect(json.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(reports).toEqual([
      {
        token,
        outcome: {
          status: 'completed',
          reason: null,
          carrierSid: callback.CallSid,
          startTimeMs: Date.parse('2024-01-15T03:30:00Z'),
          endTimeMs: Date.parse('2024-01-15T03:30:07Z'),
          duration: 5,
          digits: null,
          recordingUrl: null,
        },
      },
    ]);
  });

  it('accepts a JSON body sent as text/plain or without a Content-Type', async () => {
    const { token } = await insertAttempt(flowCampaign);
    expect((await post(token, JSON.stringify(callback), 'text/plain')).status).toBe(200);
    expect((await post(token, JSON.stringify(callback))).status).toBe(200);
    expect(reports).toHaveLength(2);
  });

  it('accepts a url-encoded form callback', async () => {
    const { token } = await insertAttempt(flowCampaign);
    const form = new URLSearchParams({
      CallSid: callback.CallSid,
      Status: 'no-answer',
      DateUpdated: '2024-01-15 09:00:07',
      RecordingUrl: '',
    });
    const res = await post(token, form.toString(), 'application/x-www-form-urlencoded');
    expect(res.status, await res.clone().text()).toBe(200);
    expect(reports[0]!.outcome).toMatchObject({ status: 'no-answer', duration: 0, recordingUrl: null });
  });

  it('accepts a multipart form callback (Exotel’s default content type)', async () => {
    const { token } = await insertAttempt(flowCampaign);
    const form = new FormData();
    form.set('CallSid', callback.CallSid);
    form.set('Status', 'busy');
    form.set('DateUpdated', '2024-01-15 09:00:07');
    const res = await app.request(`/carriers/exotel/status?token=${token}`, { method: 'POST', body: form });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(reports[0]!.outcome.status).toBe('busy');
  });

  it('answers 403 to a replay for an attempt whose number has moved on, and logs it', async () => {
    const { token } = await insertAttempt(flowCampaign);
    engineAnswer = async () => 'already_settled';
    const res = await post(token, JSON.stringify(callback), 'application/json');
    expect(res.status).toBe(403);
    expect((await envelope(res)).response[0]!.error_data!.code).toBe(2003);
    expect(refusals()).toEqual(['already_settled']);
  });

  it.each([
    ['an unknown token', attemptToken(1, newSid()), 'unknown_token'],
    ['a malformed token', 'nope', 'unknown_token'],
    ['no token', null, 'no_token'],
  ])('answers 403 for %s without calling the engine, and logs it', async (_what, token, reason) => {
    const res = await post(token, JSON.stringify(callback), 'application/json');
    const json = await envelope(res);
    expect(res.status).toBe(403);
    expect(json).toMatchObject({
      http_code: 403,
      response: [{ code: 403, status: 'failure', error_data: { code: 2003 } }],
    });
    expect(reports).toHaveLength(0);
    expect(refusals()).toEqual([reason]);
  });

  it('answers 403 when the CallSid is not the attempt’s call, without calling the engine', async () => {
    const { token } = await insertAttempt(flowCampaign);
    for (const CallSid of ['deadbeefdeadbeefdeadbeefdeadbeef', '', 'c0ffee00c0ffee00c0ffee00c0ffee0']) {
      const res = await post(token, JSON.stringify({ ...callback, CallSid }), 'application/json');
      expect(res.status, CallSid).toBeGreaterThanOrEqual(400);
    }
    const res = await post(token, JSON.stringify({ ...callback, CallSid: 'deadbeefdeadbeefdeadbeefdeadbeef' }));
    expect(res.status).toBe(403);
    // The refusal says nothing about which check failed.
    expect((await envelope(res)).response[0]!.error_data!.description).toBe(
      'CallSid: the token and CallSid do not match a call attempt awaiting its status',
    );
    expect(reports).toHaveLength(0);
    expect(refusals()).toContain('call_sid_mismatch');
  });

  it('waits for a carrier call sid the dial is about to record, then matches it', async () => {
    const { token, callSid } = await insertAttempt(flowCampaign, { carrierSid: null });
    // The dial records its carrier call sid 300 ms after the callback arrived (a drizzle query runs when awaited).
    const recorded = new Promise((r) => setTimeout(r, 300)).then(() =>
      database.db.update(attempts).set({ carrierSid: callback.CallSid }).where(eq(attempts.callSid, callSid)),
    );
    expect((await post(token, JSON.stringify(callback), 'application/json')).status).toBe(200);
    await recorded;
    expect(reports).toHaveLength(1);
  });

  it('answers 409 when no carrier call sid is ever recorded (a lookup settles such a call)', async () => {
    const { token } = await insertAttempt(flowCampaign, { carrierSid: null });
    const res = await post(token, JSON.stringify(callback), 'application/json');
    expect(res.status).toBe(409);
    expect(reports).toHaveLength(0);
    expect(refusals()).toEqual(['carrier_sid_not_known']);
  });

  it('answers 403 when the engine does not know the token either', async () => {
    const { token } = await insertAttempt(flowCampaign);
    engineAnswer = async () => 'unknown_token';
    expect((await post(token, JSON.stringify(callback), 'application/json')).status).toBe(403);
  });

  it('refuses a NUL byte in a callback field with a 400 naming it', async () => {
    const { token } = await insertAttempt(flowCampaign);
    const res = await post(token, JSON.stringify({ ...callback, RecordingUrl: 'http://x/\u0000' }));
    expect(res.status).toBe(400);
    expect((await envelope(res)).response[0]!.error_data!.description).toContain('RecordingUrl');
    expect(reports).toHaveLength(0);
  });

  it.each([
    ['malformed JSON', '{"CallSid": ', 'body'],
    ['a missing Status', JSON.stringify({ CallSid: callback.CallSid }), 'Status'],
    ['a non-terminal Status', JSON.stringify({ ...callback, Status: 'ringing' }), 'Status'],
    ['a bad StartTime', JSON.stringify({ ...callback, StartTime: 'noon' }), 'StartTime'],
    ['an empty body', '', 'body'],
  ])('answers 400 naming the field for %s', async (_what, body, field) => {
    const { token } = await insertAttempt(flowCampaign);
    const res = await post(token, body, 'application/json');
    const json = await envelope(res);
    expect(res.status, JSON.stringify(json)).toBe(400);
    expect(json.response[0]!.error_data!.description).toContain(field);
    expect(reports).toHaveLength(0);
  });

  it('answers 503 when the engine cannot take the status, so the carrier retries', async () => {
    const { token } = await insertAttempt(flowCampaign);
    engineAnswer = async () => {
      throw new EngineUnavailableError(new Error('connection refused'));
    };
    const res = await post(token, JSON.stringify(callback), 'application/json');
    expect(res.status).toBe(503);
    engineAnswer = async () => {
      throw new Error('deadline exceeded');
    };
    expect((await post(token, JSON.stringify(callback), 'application/json')).status).toBe(503);
  });

  it('answers 404 for a carrier Outcall does not know', async () => {
    const { token } = await insertAttempt(flowCampaign);
    const res = await app.request(`/carriers/acme-telecom/status?token=${token}`, {
      method: 'POST',
      body: JSON.stringify(callback),
    });
    expect(res.status).toBe(404);
    expect((await envelope(res)).response[0]!.status).toBe('failure');
    expect(reports).toHaveLength(0);
  });
});

describe('§7 GET /carriers/exotel/greeting', () => {
  it('serves the campaign’s read_via_text as text/plain, @@tokens left as written', async () => {
    const { token } = await insertAttempt(greetingCampaign);
    const res = await app.request(`/carriers/exotel/greeting?CustomField=${token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('Hello @@first_name, your order ships today.');
  });

  it('renders a dynamic campaign’s @@columns from the contact’s snapshot, a missing value as empty', async () => {
    const campaignId = await insertCampaign({
      campaignType: 'dynamic',
      readViaText: 'Hi @@first_name, pay @@Amount by @@due_date. @@first_name',
      flowType: 'greeting',
    });
    await database.db.insert(campaignNumbers).values({
      campaignId,
      position: nextPosition,
      number: '+919800000011',
      status: 'in-progress',
      vars: { first_name: 'Asha', Amount: '₹500' },
    });
    const { token } = await insertAttempt(campaignId);
    expect(await (await app.request(`/carriers/exotel/greeting?CustomField=${token}`)).text()).toBe(
      'Hi Asha, pay ₹500 by . Asha',
    );
  });

  it('caps the greeting at 4,000 characters', async () => {
    const campaignId = await insertCampaign({ readViaText: 'ab'.repeat(2500) });
    const { token } = await insertAttempt(campaignId);
    const text = await (await app.request(`/carriers/exotel/greeting?CustomField=${token}`)).text();
    expect(text).toHaveLength(4000);
  });

  it('answers 403 for an unknown or settled token or another call’s CallSid; 404 for a flow campaign', async () => {
    const greeting = (q: string) => app.request(`/carriers/exotel/greeting?${q}`);
    expect((await greeting(`CustomField=${attemptToken(1, newSid())}`)).status).toBe(403);
    expect((await greeting('')).status).toBe(403);
    const settled = await insertAttempt(greetingCampaign, { status: 'completed', settledAt: new Date() });
    expect((await greeting(`CustomField=${settled.token}`)).status).toBe(403);
    const live = await insertAttempt(greetingCampaign);
    expect((await greeting(`CallSid=deadbeefdeadbeefdeadbeefdeadbeef&CustomField=${live.token}`)).status).toBe(403);
    expect((await greeting(`CallSid=${callback.CallSid}&CustomField=${live.token}`)).status).toBe(200);
    expect(refusals()).toEqual(['unknown_token', 'unknown_token', 'settled', 'call_sid_mismatch']);
    const { token } = await insertAttempt(flowCampaign);
    expect((await greeting(`CustomField=${token}`)).status).toBe(404);
  });
});
