/**
 * SPEC §4.5 (ext) over HTTP (API, worker, dev server, simulator): a campaign through the twilio adapter
 * on a connection of 2 calls per second whose carrier answers 429 (`Retry-After: 1`) to a quarter of
 * the dial requests. Every number completes on its first attempt (no retry consumed by a 429), and
 * after each 429 the connection sends nothing for the second the carrier asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { upsertAccount } from '../../db/queries/accounts';
import { attempts, simCalls, simRequests } from '../../db/schema';
import { signingSecret } from '../../bin/outcall';
import { simulatorTwilioAuthToken, simulatorTwilioBaseUrl } from '../../simulator';
import { client, startTestStack, type TestStack } from '../support/stack';

const TWILIO_SID = `AC${'c0de'.repeat(8)}`;
const ACCOUNT = {
  sid: 'backoff_e2e',
  api_key: 'backoff_e2e_key',
  api_token: 'backoff_e2e_token_0123456789',
  calling_window: '00:00-24:00',
  calls_per_minute: 6000,
  channels: 50,
};
/** Last digits 1..5: the simulator completes them. */
const NUMBERS = Array.from({ length: 8 }, (_, i) => `+919876520${String(i).padStart(2, '0')}${(i % 5) + 1}`);

let stack: TestStack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startTestStack({
    OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]),
    OUTCALL_SIM_TALK_MS: '200',
    OUTCALL_SIM_TWILIO_429_SHARE: '0.25',
  });
  api = client(stack.baseUrl, ACCOUNT.api_key, ACCOUNT.api_token);
  await upsertAccount(stack.db, {
    ...ACCOUNT,
    carrier: {
      type: 'twilio',
      base_url: simulatorTwilioBaseUrl(stack.config.OUTCALL_PUBLIC_URL),
      account_sid: TWILIO_SID,
      auth_token: simulatorTwilioAuthToken(TWILIO_SID, signingSecret(stack.config)),
      cps: 2,
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('§4.5 (ext) a carrier that answers 429 backs its connection off', () => {
  it('completes every number on its first attempt, sending nothing for a second after each 429', async () => {
    const completes = NUMBERS;
    const created = await api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, {
      from: completes,
      caller_id: '+14155550100',
      url: 'https://flows.example.com/twiml/welcome',
      retries: { number_of_retries: 2, interval_mins: 1, on_status: ['busy', 'no-answer', 'failed'] },
    });
    expect(created.status, created.text).toBe(200);
    const id = created.json.response[0].data.id;
    const deadline = Date.now() + 120_000;
    let c: { status: string; stats: Record<string, number> };
    for (;;) {
      c = (await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`)).json.response[0].data;
      if (c.status === 'Completed' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(c.status, JSON.stringify(c.stats)).toBe('Completed');
    expect(c.stats).toMatchObject({ created: completes.length, completed: completes.length, failed: 0 });
    const rows = await stack.db.select().from(attempts).where(eq(attempts.campaignId, id));
    expect(rows.map((a) => a.attemptNumber)).toEqual(completes.map(() => 1));

    const limited = await stack.db.select().from(simRequests).where(inArray(simRequests.to, completes));
    const calls = await stack.db.select().from(simCalls).where(eq(simCalls.accountSid, TWILIO_SID));
    const tooMany = limited.filter((r) => r.httpStatus === 429).map((r) => r.at.getTime());
    // An exact quarter of the requests the carrier received (calls and 429s).
    expect(tooMany.length).toBe(Math.floor((calls.length + tooMany.length) / 4));
    expect(tooMany.length).toBeGreaterThan(0);
    const all = [...calls.map((x) => x.createdAt.getTime()), ...tooMany].sort((a, b) => a - b);
    for (const t of tooMany) {
      const next = all.find((x) => x > t);
      if (next !== undefined)
        expect(next - t, `after the 429 at ${new Date(t).toISOString()}`).toBeGreaterThanOrEqual(1000);
    }
  });
});
