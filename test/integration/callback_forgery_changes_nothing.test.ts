/**
 * SPEC §7: a carrier status callback is accepted only when its token and CallSid match the attempt. On the real stack a
 * wrong CallSid, a wrong token, another account's token and a replayed callback are each 403 and change nothing
 * (attempt, number, stats, webhooks); the real callback still settles the call.
 */
import { and, count, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, campaignNumbers, webhookDeliveries } from '../../db/schema';
import { campaignHttp, controlAccount, sleep, type CampaignHttp, type Json } from '../support/campaign-http';
import { startTestStack, type TestStack } from '../support/stack';

const A = controlAccount('forgery_a');
const B = controlAccount('forgery_b');
const FLOW = 'https://flows.example.com/start_voice/926';
const TALK_MS = 12_000;

let stack: TestStack;
let a: CampaignHttp;
let b: CampaignHttp;

beforeAll(async () => {
  // Answered calls talk for 12 s, so a live call can be forged against before its real callback.
  stack = await startTestStack({ OUTCALL_ACCOUNTS: JSON.stringify([A, B]), OUTCALL_SIM_TALK_MS: String(TALK_MS) });
  a = campaignHttp(stack, A);
  b = campaignHttp(stack, B);
});
afterAll(async () => {
  await stack?.stop();
});

/** The campaign's one attempt, once the carrier has accepted its dial (its CallSid is known). */
async function dialledAttempt(campaignId: string): Promise<{ token: string; carrierSid: string }> {
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(100)) {
    const [row] = await stack.db.select().from(attempts).where(eq(attempts.campaignId, campaignId));
    if (row?.carrierSid) return { token: row.token, carrierSid: row.carrierSid };
  }
  throw new Error(`campaign ${campaignId} was never dialled`);
}

/** Everything a forged callback could change, for the campaigns given. */
async function state(ids: string[]) {
  const [attemptRows, numberRows, [hooks]] = await Promise.all([
    stack.db.select().from(attempts).where(inArray(attempts.campaignId, ids)).orderBy(attempts.callSid),
    stack.db
      .select()
      .from(campaignNumbers)
      .where(inArray(campaignNumbers.campaignId, ids))
      .orderBy(campaignNumbers.campaignId, campaignNumbers.position),
    stack.db
      .select({ n: count() })
      .from(webhookDeliveries)
      .where(and(inArray(webhookDeliveries.campaignId, ids))),
  ]);
  const stats = await Promise.all(ids.map(async (id) => ((await (id === ids[0] ? a : b).get(id)) as Json).stats));
  return { attemptRows, numberRows, hooks: hooks!.n, stats };
}

function forge(token: string | null, CallSid: string, Status = 'busy') {
  const q = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  return fetch(`${stack.baseUrl}/carriers/exotel/status${q}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ CallSid, EventType: 'terminal', Status, DateUpdated: '2026-01-15 09:00:07' }),
  });
}

describe('§7 forged carrier callbacks are refused and change nothing', () => {
  it('refuses wrong CallSids, wrong and foreign tokens on a live call, and a replay once it is settled', async () => {
    const ca = await a.create({ from: ['+919811000011'], caller_id: '08047112233', url: FLOW });
    const cb = await b.create({ from: ['+919822000021'], caller_id: '08047112233', url: FLOW });
    const ids = [ca.id as string, cb.id as string];
    const [atA, atB] = await Promise.all([dialledAttempt(ca.id), dialledAttempt(cb.id)]);

    // While both calls are live.
    const before = await state(ids);
    expect(before.attemptRows.map((r) => r.status)).toEqual([null, null]);
    const live: Array<[string, string | null, string]> = [
      ['a made-up CallSid', atA.token, 'deadbeefdeadbeefdeadbeefdeadbeef'],
      ['another account’s CallSid', atA.token, atB.carrierSid],
      ['a made-up token', '1_0123456789abcdef0123456789abcdef', atA.carrierSid],
      ['another account’s token', atB.token, atA.carrierSid],
      ['no token', null, atA.carrierSid],
    ];
    for (const [what, token, callSid] of live) {
      const res = await forge(token, callSid);
      expect(res.status, `${what}: ${await res.clone().text()}`).toBe(403);
      expect(((await res.json()) as Json).response[0].error_data.code).toBe(2003);
    }
    expect(await state(ids)).toEqual(before);

    // The real callback still settles both calls as the simulator decided: completed.
    const [doneA] = await Promise.all([
      a.waitForStatus(ca.id, 'Completed', TALK_MS + 60_000),
      b.waitForStatus(cb.id, 'Completed', TALK_MS + 60_000),
    ]);
    expect(doneA.stats).toMatchObject({ completed: 1, failed: 0 });
    expect((await a.calls(ca.id)).map((c: Json) => c.status)).toEqual(['completed']);

    // A replay of A's own token and CallSid, reporting busy, once the attempt is settled.
    const settled = await state(ids);
    const replay = await forge(atA.token, atA.carrierSid, 'busy');
    expect(replay.status, await replay.clone().text()).toBe(403);
    expect(await state(ids)).toEqual(settled);
    expect((await a.calls(ca.id)).map((c: Json) => c.status)).toEqual(['completed']);
  });
});
