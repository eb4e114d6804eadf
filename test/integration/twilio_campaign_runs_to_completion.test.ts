/**
 * SPEC §7 `twilio` end to end over HTTP: accounts with a `twilio` carrier pointed at the simulator's Twilio contract
 * complete a flow campaign over every outcome through signed callbacks; greetings go as `<Say>` TwiML or by `Url`; a
 * wrong auth token fails the campaign at once (401); a number Twilio calls invalid (21211) fails at once, no retry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { upsertAccount } from '../../db/queries/accounts';
import { attempts, simCalls } from '../../db/schema';
import { signingSecret } from '../../bin/outcall';
import { simulatorTwilioAuthToken, simulatorTwilioBaseUrl } from '../../simulator';
import { client, startTestStack, type TestStack } from '../support/stack';

const TWILIO_SID = `AC${'7e57'.repeat(8)}`;
const ACCOUNT = {
  sid: 'twilio_e2e',
  api_key: 'twilio_e2e_key',
  api_token: 'twilio_e2e_token_0123456789',
  calling_window: '00:00-24:00',
  calls_per_minute: 6000,
  channels: 50,
};
const WRONG = { ...ACCOUNT, sid: 'twilio_wrong', api_key: 'twilio_wrong_key' };
const CALLER_ID = '+14155550100';
// Last digits 0..9, then one the carrier calls invalid (Twilio 21211).
const NUMBERS = [...Array.from({ length: 10 }, (_, d) => `+91987650001${d}`), '+919876500000'];

let stack: TestStack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startTestStack({ OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT, WRONG]), OUTCALL_SIM_TALK_MS: '300' });
  api = client(stack.baseUrl, ACCOUNT.api_key, ACCOUNT.api_token);
  // What `npm run ops -- accounts upsert '{"sid":…,"carrier":{"type":"twilio",…}}'` writes.
  const base_url = simulatorTwilioBaseUrl(stack.config.OUTCALL_PUBLIC_URL);
  await upsertAccount(stack.db, {
    ...ACCOUNT,
    carrier: {
      type: 'twilio',
      base_url,
      account_sid: TWILIO_SID,
      auth_token: simulatorTwilioAuthToken(TWILIO_SID, signingSecret(stack.config)),
    },
  });
  await upsertAccount(stack.db, {
    ...WRONG,
    carrier: { type: 'twilio', base_url, account_sid: TWILIO_SID, auth_token: 'not-the-auth-token' },
  });
});
afterAll(async () => {
  await stack?.stop();
});

async function waitForStatus(as: ReturnType<typeof client>, sid: string, id: string, statuses: string[]) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const c = (await as('GET', `/v2/accounts/${sid}/campaigns/${id}`)).json.response[0].data;
    const s = c.stats;
    expect(s.created).toBe(s.pending + s['in-progress'] + s.retry + s.completed + s.failed + s.canceled + s.suppressed);
    if (statuses.includes(c.status)) return c;
    if (Date.now() > deadline) throw new Error(`campaign ${id} still ${c.status}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const expected = (n: string) =>
  n.endsWith('000')
    ? { status: 'failed', attempt: 'failed', reason: 'invalid_number' }
    : Number(n.at(-1)) <= 5
      ? { status: 'completed', attempt: 'completed', reason: null }
      : { status: 'failed', attempt: ['busy', 'no-answer', 'failed', 'busy'][Number(n.at(-1)) - 6]!, reason: null };

describe('§7 a campaign through the twilio adapter and the simulator', () => {
  it('completes with every outcome mapped, each attempt settled by a verified Twilio callback', async () => {
    const created = await api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, {
      from: NUMBERS,
      caller_id: CALLER_ID,
      url: 'https://flows.example.com/twiml/welcome',
      name: 'Twilio every outcome',
    });
    expect(created.status, created.text).toBe(200);
    const id = created.json.response[0].data.id;
    const done = await waitForStatus(api, ACCOUNT.sid, id, ['Completed']);
    expect(done.stats).toMatchObject({ created: 11, completed: 6, failed: 5, busy: 2, no_answer: 1 });

    const details = await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}/call-details?limit=100`);
    const records = details.json.response as Array<Record<string, unknown>>;
    expect(records).toHaveLength(NUMBERS.length);
    for (const n of NUMBERS) {
      const r = records.find((x) => x.number === n)!;
      expect({ status: r.status, reason: r.reason ?? null }, n).toEqual({
        status: expected(n).attempt,
        reason: expected(n).reason,
      });
    }
    // Every accepted dial went to the simulator's Twilio contract, with Twilio's own callback URL,
    // and settled from its signed callback (a refused signature would leave the attempt to lookups).
    const rows = await stack.db.select().from(attempts).where(eq(attempts.campaignId, id));
    const dialled = rows.filter((a) => a.carrierSid !== null);
    expect(dialled).toHaveLength(10);
    const calls = await stack.db
      .select()
      .from(simCalls)
      .where(
        inArray(
          simCalls.sid,
          dialled.map((a) => a.carrierSid!),
        ),
      );
    expect(calls).toHaveLength(10);
    for (const call of calls) {
      const attempt = dialled.find((a) => a.carrierSid === call.sid)!;
      expect(call).toMatchObject({ api: 'twilio', accountSid: TWILIO_SID, callerId: CALLER_ID, to: attempt.number });
      expect(call.statusCallback).toBe(
        `${stack.config.OUTCALL_PUBLIC_URL}/carriers/twilio/status?token=${attempt.token}`,
      );
      expect(call.callbackSentAt).not.toBeNull();
      expect(attempt.settledAt!.getTime() - call.callbackSentAt!.getTime()).toBeLessThan(60_000);
    }
  });

  it('reads a greeting as <Say> TwiML, and fetches one too long for Twilio by Url, as written', async () => {
    const short = 'Your parcel & "gift" arrive <today>';
    const long = `${'&'.repeat(1000)} end`;
    const ids: Array<[string, string, string]> = [];
    for (const [text, number] of [
      [short, '+919876500021'],
      [long, '+919876500031'],
    ] as const) {
      const created = await api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, {
        from: [number],
        caller_id: CALLER_ID,
        read_via_text: text,
      });
      expect(created.status, created.text).toBe(200);
      ids.push([created.json.response[0].data.id, number, text]);
    }
    for (const [id, number, text] of ids) {
      const done = await waitForStatus(api, ACCOUNT.sid, id, ['Completed']);
      expect(done.stats).toMatchObject({ completed: 1 });
      const [call] = await stack.db.select().from(simCalls).where(eq(simCalls.to, number));
      expect(call!.greeting).toBe(text);
      expect(call!.url).toEqual(text === long ? expect.stringContaining('/carriers/twilio/greeting?token=') : null);
    }
  });

  it('fails a number Twilio calls invalid (21211) at once, with no retry consumed or scheduled', async () => {
    const created = await api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, {
      from: ['+919876510000', '+919876510001'],
      caller_id: CALLER_ID,
      url: 'https://flows.example.com/twiml/welcome',
      retries: { number_of_retries: 3, interval_mins: 1, on_status: ['failed', 'busy'] },
    });
    expect(created.status, created.text).toBe(200);
    const id = created.json.response[0].data.id;
    // A scheduled retry would keep the campaign InProgress for at least the minute's interval.
    const done = await waitForStatus(api, ACCOUNT.sid, id, ['Completed']);
    expect(done.stats).toMatchObject({ created: 2, completed: 1, failed: 1, retry: 0 });
    const numbers = await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}/numbers`);
    const invalid = numbers.json.response
      .map((i: { data: Record<string, unknown> }) => i.data)
      .find((n: { number: string }) => n.number === '+919876510000');
    expect(invalid).toMatchObject({ status: 'failed', reason: 'invalid_number', attempts: 1 });
    const details = await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}/call-details`);
    const records = details.json.response as Array<Record<string, unknown>>;
    expect(records.filter((r) => r.number === '+919876510000')).toEqual([
      expect.objectContaining({ status: 'failed', reason: 'invalid_number' }),
    ]);
    const rows = await stack.db.select().from(attempts).where(eq(attempts.number, '+919876510000'));
    expect(rows.map((a) => [a.attemptNumber, a.carrierSid])).toEqual([[1, null]]);
  });

  it('fails the campaign at once when Twilio refuses the credentials (401, account-level)', async () => {
    const wrong = client(stack.baseUrl, WRONG.api_key, WRONG.api_token);
    const created = await wrong('POST', `/v2/accounts/${WRONG.sid}/campaigns`, {
      from: ['+919876500041', '+919876500042', '+919876500043'],
      caller_id: CALLER_ID,
      url: 'https://flows.example.com/twiml/welcome',
    });
    expect(created.status, created.text).toBe(200);
    const done = await waitForStatus(wrong, WRONG.sid, created.json.response[0].data.id, ['Failed']);
    expect(done.stats).toMatchObject({ created: 3, failed: 3, completed: 0 });
    const numbers = await wrong('GET', `/v2/accounts/${WRONG.sid}/campaigns/${done.id}/numbers`);
    expect(new Set(numbers.json.response.map((i: { data: { reason: string } }) => i.data.reason))).toEqual(
      new Set(['carrier_401']),
    );
  });
});
