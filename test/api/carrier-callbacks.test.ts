/** SPEC §2 `/carriers/...`, §7: inbound carrier callbacks and the greeting fetch, against a real database. */
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
const log = pino({ level: 'silent' });

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

async function insertAttempt(campaignId: string): Promise<{ token: string; callSid: string }> {
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
  });
  return { token, callSid };
}

let greetingCampaign: string;
let flowCampaign: string;

beforeAll(async () => {
  database = await freshDatabase();
  await upsertAccount(database.db, { sid: 'cb', api_key: 'cb-key', api_token: 'cb-token' });
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
          carrierSid: callback.CallSid,
          status: 'completed',
          startTime: new Date('2024-01-15T03:30:00Z'),
          endTime: new Date('2024-01-15T03:30:07Z'),
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

  it('answers 200 to a repeat for an attempt that is already settled', async () => {
    const { token } = await insertAttempt(flowCampaign);
    engineAnswer = async () => 'already_settled';
    const res = await post(token, JSON.stringify(callback), 'application/json');
    expect(res.status).toBe(200);
    expect((await envelope(res)).response[0]!.data!.result).toBe('already_settled');
  });

  it.each([
    ['an unknown token', attemptToken(1, newSid())],
    ['a malformed token', 'nope'],
    ['no token', null],
  ])('answers 404 for %s without calling the engine', async (_what, token) => {
    const res = await post(token, JSON.stringify(callback), 'application/json');
    const json = await envelope(res);
    expect(res.status).toBe(404);
    expect(json).toMatchObject({
      http_code: 404,
      response: [{ code: 404, status: 'failure', error_data: { code: 3000 } }],
    });
    expect(reports).toHaveLength(0);
  });

  it('answers 404 when the engine does not know the token either', async () => {
    const { token } = await insertAttempt(flowCampaign);
    engineAnswer = async () => 'unknown_token';
    expect((await post(token, JSON.stringify(callback), 'application/json')).status).toBe(404);
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

  it('answers 404 for an unknown token and for a flow campaign', async () => {
    expect((await app.request(`/carriers/exotel/greeting?CustomField=${attemptToken(1, newSid())}`)).status).toBe(404);
    expect((await app.request('/carriers/exotel/greeting')).status).toBe(404);
    const { token } = await insertAttempt(flowCampaign);
    expect((await app.request(`/carriers/exotel/greeting?CustomField=${token}`)).status).toBe(404);
  });
});
