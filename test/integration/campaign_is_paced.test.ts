/**
 * SPEC §4.5 end to end over HTTP: a custom campaign keeps its throttle and `from` order, an account's channels cap its
 * live calls, throttles over the headroom are refused at create. Spacing is judged at the instants Outcall sent each
 * dial; order, spacing, never wall-clock speed (docs/tests.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, inArray } from 'drizzle-orm';
import { attempts, simCalls } from '../../db/schema';
import { client, startTestStack, type TestStack } from '../support/stack';

const PACED = {
  sid: 'paced',
  api_key: 'paced_key',
  api_token: 'paced_token_0123456789',
  calling_window: '00:00-24:00',
  calls_per_minute: 60,
  channels: 60,
};
const NARROW = {
  sid: 'narrow',
  api_key: 'narrow_key',
  api_token: 'narrow_token_0123456789',
  calling_window: '00:00-24:00',
  calls_per_minute: 600,
  channels: 2,
};

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    OUTCALL_ACCOUNTS: JSON.stringify([PACED, NARROW]),
    OUTCALL_SIM_RING_MS: '100',
    OUTCALL_SIM_TALK_MS: '1500',
  });
});
afterAll(async () => {
  await stack?.stop();
});

type Account = typeof PACED;
const api = (a: Account) => client(stack.baseUrl, a.api_key, a.api_token);

async function create(a: Account, body: Record<string, unknown>) {
  return api(a)('POST', `/v2/accounts/${a.sid}/campaigns`, {
    caller_id: '08012345678',
    url: 'http://my.exotel.com/acme/exoml/start_voice/926',
    ...body,
  });
}

async function waitForStatus(a: Account, id: string, status: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = (await api(a)('GET', `/v2/accounts/${a.sid}/campaigns/${id}`)).json.response[0].data;
    if (c.status === status) return c;
    if (Date.now() > deadline)
      throw new Error(`campaign ${id} still ${c.status} after ${timeoutMs} ms: ${JSON.stringify(c.stats)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The most intervals [start, end) open at once. */
function maxOverlap(intervals: Array<[number, number]>): number {
  const edges = intervals
    .flatMap(([s, e]) => [[s, 1] as const, [e, -1] as const])
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let best = 0;
  for (const [, d] of edges) best = Math.max(best, (open += d));
  return best;
}

/** `n` distinct Indian mobile numbers ending in 1 (the simulator completes them). */
const numbers = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `+91987${prefix}${String(i).padStart(4, '0')}1`);

describe('§4.5 pacing over HTTP', () => {
  it('paces a custom campaign at its throttle, in from order, while the account’s channels cap another', async () => {
    // Headroom is checked first, through the API: 60/min − 1 leaves 59 for custom campaigns.
    const over = await create(PACED, { from: ['+919876543210'], mode: 'custom', throttle: 60 });
    expect(over.status).toBe(400);
    expect(over.json.response[0].error_data).toMatchObject({ code: 1004 });
    expect(over.json.response[0].error_data.description).toMatch(
      /throttle 60 exceeds the headroom of 59 calls per minute/,
    );

    const pacedNumbers = numbers('10', 5);
    const narrowNumbers = numbers('20', 6);
    const paced = await create(PACED, { from: pacedNumbers, mode: 'custom', throttle: 20, name: 'paced at 20/min' });
    expect(paced.status, paced.text).toBe(200);
    const narrow = await create(NARROW, { from: narrowNumbers, name: 'two channels' });
    expect(narrow.status, narrow.text).toBe(200);
    const pacedId = paced.json.response[0].data.id as string;
    const narrowId = narrow.json.response[0].data.id as string;

    await waitForStatus(NARROW, narrowId, 'Completed', 120_000);
    const done = await waitForStatus(PACED, pacedId, 'Completed', 120_000);
    expect(done.stats).toMatchObject({ created: 5, completed: 5 });

    // The custom campaign: one dial per number, sent in from order at least 60/20 = 3 s apart.
    const sent = (await stack.db.select().from(attempts).where(eq(attempts.campaignId, pacedId))).sort(
      (x, y) => x.dialStartedAt!.getTime() - y.dialStartedAt!.getTime(),
    );
    expect(sent.map((a) => a.number)).toEqual(pacedNumbers);
    for (let i = 1; i < sent.length; i++) {
      expect(
        sent[i]!.dialStartedAt!.getTime() - sent[i - 1]!.dialStartedAt!.getTime(),
        `gap before dial ${i}`,
      ).toBeGreaterThanOrEqual(3000);
    }
    // The carrier received exactly those requests, in that order.
    const dialled = await stack.db
      .select()
      .from(simCalls)
      .where(inArray(simCalls.to, pacedNumbers))
      .orderBy(asc(simCalls.createdAt));
    expect(dialled.map((d) => d.to)).toEqual(pacedNumbers);

    // The two-channel account: never more than 2 calls live, from dial request to final status
    // recorded, nor at the carrier; the numbers still went out in order.
    const rows = await stack.db.select().from(attempts).where(eq(attempts.campaignId, narrowId));
    expect(rows).toHaveLength(6);
    expect(maxOverlap(rows.map((r) => [r.dialStartedAt!.getTime(), r.settledAt!.getTime()]))).toBeLessThanOrEqual(2);
    const calls = await stack.db
      .select()
      .from(simCalls)
      .where(inArray(simCalls.to, narrowNumbers))
      .orderBy(asc(simCalls.createdAt));
    expect(maxOverlap(calls.map((c) => [c.startTime!.getTime(), c.endTime!.getTime()]))).toBeLessThanOrEqual(2);
    // In from order, up to dials sent within one hand-off of each other: on two channels two requests
    // can leave 60/600 s apart, and a loaded machine may deliver the second first.
    expect([...calls.map((c) => c.to)].sort()).toEqual([...narrowNumbers].sort());
    const arrived = new Map(calls.map((c) => [c.to, c.createdAt.getTime()]));
    for (let i = 0; i < narrowNumbers.length; i++) {
      for (let j = i + 1; j < narrowNumbers.length; j++) {
        const early = arrived.get(narrowNumbers[i]!)! - arrived.get(narrowNumbers[j]!)!;
        expect(early, `${narrowNumbers[j]} reached the carrier ${early} ms before ${narrowNumbers[i]}`).toBeLessThan(
          1000,
        );
      }
    }
  });
});
