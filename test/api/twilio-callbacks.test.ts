/**
 * SPEC §2 `/carriers/twilio/...`, §7 `twilio`: Twilio's status callback and greeting fetch through the whole app on a
 * real database. A request is accepted only with Twilio's X-Twilio-Signature for the URL Outcall handed out and the
 * form parameters (signed here by Twilio's own helper library), and a status only with the attempt's CallSid and
 * AccountSid; anything else is 403 and changes nothing. Hostile bodies are 4xx.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import twilio from 'twilio';
import { createApp } from '../../api/app';
import type { CampaignEngine } from '../../api/deps';
import { upsertAccount } from '../../db/queries/accounts';
import { attempts, campaignNumbers, campaigns } from '../../db/schema';
import { attemptToken, newSid } from '../../domain/ids';
import { formatTwilioTime } from '../../domain/twilio-call';
import { fakeEngine, testDeps, type App } from '../support/api';
import { freshDatabase, type TestDatabase } from '../support/db';

type ReportInput = Parameters<CampaignEngine['reportCallStatus']>[0];

const ACCOUNT_SID = `AC${'abcdef0123456789'.repeat(2)}`;
const AUTH_TOKEN = 'twilio-auth-token-for-tests';
const CARRIER_SID = `CA${'0123456789abcdef'.repeat(2)}`;

let database: TestDatabase;
let app: App;
let publicUrl: string;
let reports: ReportInput[] = [];
/** Tokens whose attempt the engine reports as already settled (a replayed callback). */
const settled = new Set<string>();

beforeAll(async () => {
  database = await freshDatabase();
  const engine: CampaignEngine = {
    ...fakeEngine(),
    reportCallStatus: async (input) => {
      if (settled.has(input.token)) return 'already_settled';
      reports.push(input);
      return 'delivered';
    },
  };
  const deps = testDeps(database.db, engine);
  publicUrl = deps.publicUrl;
  app = createApp(deps);
  await upsertAccount(database.db, {
    sid: 'tw',
    api_key: 'tw_key',
    api_token: 'tw_token',
    carrier: { type: 'twilio', account_sid: ACCOUNT_SID, auth_token: AUTH_TOKEN },
  });
  await upsertAccount(database.db, { sid: 'ex', api_key: 'ex_key', api_token: 'ex_token' });
});
afterAll(async () => {
  await database?.drop();
});
beforeEach(() => {
  reports = [];
});

let position = 0;

/** A campaign of `account` with one attempt; `carrierSid` as the dial's answer stored it. */
async function anAttempt(
  opts: { account?: string; carrierSid?: string | null; readViaText?: string | null; status?: string } = {},
): Promise<string> {
  const id = newSid();
  const now = new Date();
  await database.db.insert(campaigns).values({
    id,
    accountSid: opts.account ?? 'tw',
    name: 'twilio callbacks',
    callerId: '+14155550100',
    readViaText: opts.readViaText ?? null,
    campaignType: 'dynamic',
    retries: { number_of_retries: 0, interval_mins: null, mechanism: 'Linear', on_status: ['busy'] },
    status: 'InProgress',
    dateCreated: now,
    dateUpdated: now,
  });
  const token = attemptToken(1, newSid());
  const p = position++;
  await database.db.insert(campaignNumbers).values({
    campaignId: id,
    position: p,
    number: '+919800000011',
    status: 'in-progress',
    vars: { first_name: 'Asha <&>' },
  });
  await database.db.insert(attempts).values({
    callSid: newSid(),
    campaignId: id,
    position: p,
    attemptNumber: 1,
    number: '+919800000011',
    callerId: '+14155550100',
    token,
    carrierSid: opts.carrierSid === undefined ? CARRIER_SID : opts.carrierSid,
    status: opts.status ?? null,
    dialStartedAt: now,
    dateCreated: now,
  });
  return token;
}

function completed(over: Record<string, string> = {}): Record<string, string> {
  return {
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    CallSid: CARRIER_SID,
    CallStatus: 'completed',
    CallDuration: '7',
    Timestamp: formatTwilioTime(new Date('2024-01-15T09:00:07Z')),
    To: '+919800000011',
    From: '+14155550100',
    Direction: 'outbound-api',
    ...over,
  };
}

/** POSTs `params` form-encoded to `path?token=…`, signed by Twilio's helper library with `signWith`. */
async function post(
  path: string,
  token: string,
  params: Record<string, string>,
  opts: { signWith?: string | null; signedParams?: Record<string, string>; headers?: Record<string, string> } = {},
) {
  const url = `${publicUrl}${path}?token=${token}`;
  const signWith = opts.signWith === undefined ? AUTH_TOKEN : opts.signWith;
  const signature =
    signWith === null ? undefined : twilio.getExpectedTwilioSignature(signWith, url, opts.signedParams ?? params);
  const res = await app.request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature !== undefined && { 'x-twilio-signature': signature }),
      ...opts.headers,
    },
    body: new URLSearchParams(params).toString(),
  });
  const text = await res.text();
  return { status: res.status, text, headers: res.headers };
}

describe('§7 Twilio status callback', () => {
  it('hands a signed callback whose token, CallSid and AccountSid match to the engine', async () => {
    const token = await anAttempt();
    const res = await post('/carriers/twilio/status', token, completed());
    expect(res.status, res.text).toBe(200);
    expect(JSON.parse(res.text).response[0].data).toMatchObject({ status: 'completed', result: 'delivered' });
    expect(reports).toEqual([
      {
        token,
        outcome: {
          carrierSid: CARRIER_SID,
          status: 'completed',
          reason: null,
          startTimeMs: Date.parse('2024-01-15T09:00:00Z'),
          endTimeMs: Date.parse('2024-01-15T09:00:07Z'),
          duration: 7,
          digits: null,
          recordingUrl: null,
        },
      },
    ]);
  });

  it('maps busy, no-answer, failed and canceled', async () => {
    for (const [twilioStatus, status] of [
      ['busy', 'busy'],
      ['no-answer', 'no-answer'],
      ['failed', 'failed'],
      ['canceled', 'failed'],
    ]) {
      const token = await anAttempt();
      const res = await post(
        '/carriers/twilio/status',
        token,
        completed({ CallStatus: twilioStatus!, CallDuration: '0' }),
      );
      expect(res.status, res.text).toBe(200);
      expect(reports.at(-1)!.outcome).toMatchObject({ status, duration: 0, startTimeMs: null });
    }
  });

  it('refuses (409) a callback for an attempt whose dial answer was never stored (no CallSid to match)', async () => {
    const token = await anAttempt({ carrierSid: null });
    const res = await post('/carriers/twilio/status', token, completed());
    expect(res.status, res.text).toBe(409);
    expect(JSON.parse(res.text).response[0].error_data.description).toMatch(/^CallSid: /);
    expect(reports).toEqual([]);
  });

  it('refuses with 403 a replayed callback of an attempt already settled', async () => {
    const token = await anAttempt();
    settled.add(token);
    const res = await post('/carriers/twilio/status', token, completed());
    expect(res.status, res.text).toBe(403);
    expect(reports).toEqual([]);
  });

  it('refuses with 403, and hands nothing on, a missing, forged or stale signature', async () => {
    const token = await anAttempt();
    const cases = [
      await post('/carriers/twilio/status', token, completed(), { signWith: null }),
      await post('/carriers/twilio/status', token, completed(), { signWith: 'not-the-auth-token' }),
      // Signed for other parameters than those sent (a tampered status).
      await post('/carriers/twilio/status', token, completed({ CallStatus: 'busy' }), { signedParams: completed() }),
      await post('/carriers/twilio/status', token, completed(), { headers: { 'x-twilio-signature': 'bm9wZQ==' } }),
    ];
    for (const res of cases) {
      expect(res.status, res.text).toBe(403);
      expect(JSON.parse(res.text).response[0].error_data).toMatchObject({ code: 2003 });
    }
    expect(reports).toEqual([]);
  });

  it('refuses with 403 a signed callback for another CallSid or AccountSid, or an account not on Twilio', async () => {
    const token = await anAttempt();
    const otherSid = await post('/carriers/twilio/status', token, completed({ CallSid: `CA${'f'.repeat(32)}` }));
    expect(otherSid.status).toBe(403);
    expect(JSON.parse(otherSid.text).response[0].error_data.description).toMatch(/^CallSid: /);
    const otherAccount = await post('/carriers/twilio/status', token, completed({ AccountSid: `AC${'e'.repeat(32)}` }));
    expect(otherAccount.status).toBe(403);
    const exotelToken = await anAttempt({ account: 'ex' });
    expect((await post('/carriers/twilio/status', exotelToken, completed())).status).toBe(403);
    expect(reports).toEqual([]);
  });

  it('answers 403 to an unknown token and 4xx to hostile bodies, handing nothing on', async () => {
    expect((await post('/carriers/twilio/status', attemptToken(1, newSid()), completed())).status).toBe(403);
    expect((await post('/carriers/twilio/status', 'garbage', completed())).status).toBe(403);
    const token = await anAttempt();
    const json = await app.request(`${publicUrl}/carriers/twilio/status?token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(completed()),
    });
    expect(json.status).toBe(415);
    const live = await post('/carriers/twilio/status', token, completed({ CallStatus: 'ringing' }));
    expect(live.status).toBe(400);
    expect(JSON.parse(live.text).response[0].error_data.description).toMatch(/^CallStatus must be/);
    const nul = await post('/carriers/twilio/status', token, completed({ CallDuration: '7\u0000' }));
    expect(nul.status).toBe(400);
    const big = await post('/carriers/twilio/status', token, completed({ Padding: 'x'.repeat(70_000) }));
    expect(big.status).toBe(413);
    expect(reports).toEqual([]);
  });
});

describe('§7 Twilio greeting fetch', () => {
  it('answers a signed fetch with the rendered greeting as escaped <Say> TwiML', async () => {
    const token = await anAttempt({ readViaText: 'Hello @@first_name' });
    const params = { CallSid: CARRIER_SID, AccountSid: ACCOUNT_SID, CallStatus: 'in-progress' };
    const res = await post('/carriers/twilio/greeting', token, params);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(res.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello Asha &lt;&amp;&gt;</Say></Response>',
    );
    const get = await app.request(`${publicUrl}/carriers/twilio/greeting?token=${token}`, {
      headers: {
        'x-twilio-signature': twilio.getExpectedTwilioSignature(
          AUTH_TOKEN,
          `${publicUrl}/carriers/twilio/greeting?token=${token}`,
          {},
        ),
      },
    });
    expect(get.status).toBe(200);
  });

  it('refuses an unsigned fetch (403) and a flow campaign (404)', async () => {
    const token = await anAttempt({ readViaText: 'Hello' });
    expect((await post('/carriers/twilio/greeting', token, { CallSid: CARRIER_SID }, { signWith: null })).status).toBe(
      403,
    );
    const flow = await anAttempt();
    expect((await post('/carriers/twilio/greeting', flow, { CallSid: CARRIER_SID })).status).toBe(404);
  });

  it('refuses (403) a signed fetch for another CallSid, or for an attempt that is no longer live', async () => {
    const token = await anAttempt({ readViaText: 'Hello' });
    const otherSid = await post('/carriers/twilio/greeting', token, { CallSid: `CA${'f'.repeat(32)}` });
    expect(otherSid.status, otherSid.text).toBe(403);
    const done = await anAttempt({ readViaText: 'Hello', status: 'completed' });
    const replay = await post('/carriers/twilio/greeting', done, { CallSid: CARRIER_SID });
    expect(replay.status, replay.text).toBe(403);
    expect(replay.text).not.toContain('Hello');
  });
});
