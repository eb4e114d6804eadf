/**
 * SPEC §4.1 "Who decides" on the real stack: a request racing `send_at` or the last number's completion sees one
 * consistent state that the response, later GETs and the calls agree on. Each race runs at staggered offsets; which
 * side an offset lands on is not asserted, only that each outcome is whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack';
import {
  campaignHttp,
  controlAccount,
  failure,
  okData,
  sleep,
  type CampaignHttp,
  type Json,
} from '../support/campaign-http';

// Many campaigns dial at once here: pacing (SPEC §4.5, 60/min by default) must not space them out.
const ACCOUNT = controlAccount('acme_races', { calls_per_minute: 6000, channels: 200 });
const FLOW = 'http://my.exotel.com/acme/exoml/start_voice/926';
const COMPLETES = '+919876543210';

let stack: TestStack;
let http: CampaignHttp;

beforeAll(async () => {
  stack = await startTestStack({ OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]), OUTCALL_SIM_TALK_MS: '2000' });
  http = campaignHttp(stack, ACCOUNT);
});
afterAll(async () => {
  await stack?.stop();
});

/** Waits until wall-clock `atMs`. */
const until = (atMs: number) => sleep(Math.max(0, atMs - Date.now()));

/** `n` offsets from `fromMs` to `toMs`, evenly spaced. */
const spread = (n: number, fromMs: number, toMs: number) =>
  Array.from({ length: n }, (_, i) => Math.round(fromMs + ((toMs - fromMs) * i) / (n - 1)));

/** The statuses a campaign goes through in the next `ms`, sampled by GET. */
async function watch(id: string, ms: number): Promise<string[]> {
  const seen: string[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const s = (await http.get(id)).status as string;
    if (seen.at(-1) !== s) seen.push(s);
    await sleep(200);
  }
  return seen;
}

describe('§4.1 an action racing send_at', () => {
  const OFFSETS = spread(9, -1500, 1500);

  it('DELETE wins (Deleted, nothing dialled) or loses to the start (409 naming InProgress, it runs)', async () => {
    const sendAtMs = Math.ceil(Date.now() / 1000) * 1000 + 8000;
    const sendAt = new Date(sendAtMs).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < OFFSETS.length; i++)
      ids.push(
        (await http.create({ from: [COMPLETES], caller_id: '08012345678', url: FLOW, schedule: { send_at: sendAt } }))
          .id,
      );
    const answers = await Promise.all(
      ids.map(async (id, i) => {
        await until(sendAtMs + OFFSETS[i]!);
        return http.del(id);
      }),
    );
    const outcomes: string[] = [];
    for (const [i, res] of answers.entries()) {
      const id = ids[i]!;
      if (res.status === 200) {
        outcomes.push('deleted');
        expect(okData(res)).toMatchObject({ status: 'Deleted', date_started: null });
        expect(await watch(id, 1500)).toEqual(['Deleted']);
        expect(await http.calls(id)).toEqual([]);
      } else {
        outcomes.push('started');
        const e = failure(res, 409, 4001);
        expect(e.description).toContain('while the campaign is InProgress');
        const done = await http.waitForStatus(id, 'Completed', 30_000);
        expect(done.date_started).not.toBeNull();
        expect(done.stats).toMatchObject({ created: 1, completed: 1 });
        expect(await http.calls(id)).toHaveLength(1);
      }
    }
    process.stdout.write(`DELETE racing send_at, offsets ${OFFSETS.join(',')} ms: ${outcomes.join(',')}\n`);
    // Far enough before send_at a DELETE always wins; far enough after it always loses.
    expect(outcomes[0]).toBe('deleted');
    expect(outcomes.at(-1)).toBe('started');
  });

  it('pause lands before the start (Paused, never started) or after it (Paused, started); resume ends it', async () => {
    const sendAtMs = Math.ceil(Date.now() / 1000) * 1000 + 8000;
    const sendAt = new Date(sendAtMs).toISOString();
    const ids: string[] = [];
    for (let i = 0; i < OFFSETS.length; i++)
      ids.push(
        (await http.create({ from: [COMPLETES], caller_id: '08012345678', url: FLOW, schedule: { send_at: sendAt } }))
          .id,
      );
    const answers = await Promise.all(
      ids.map(async (id, i) => {
        await until(sendAtMs + OFFSETS[i]!);
        return http.put(id, { action: 'pause' });
      }),
    );
    const outcomes: string[] = [];
    for (const [i, res] of answers.entries()) {
      const id = ids[i]!;
      const paused = okData(res);
      expect(paused.status).toBe('Paused');
      const started = paused.date_started !== null;
      outcomes.push(started ? 'after' : 'before');
      expect(await watch(id, 1000)).toEqual(['Paused']);
      const later = await http.get(id);
      expect(later.date_started !== null).toBe(started);
      if (!started) expect(await http.calls(id)).toEqual([]);
      // send_at has passed either way: resume goes to InProgress and the campaign completes.
      expect(okData(await http.put(id, { action: 'resume' })).status).toBe('InProgress');
    }
    for (const id of ids) {
      const done = await http.waitForStatus(id, 'Completed', 30_000);
      expect(done.stats).toMatchObject({ created: 1, completed: 1 });
      // At most once per number whichever side the pause landed on.
      expect(await http.calls(id)).toHaveLength(1);
    }
    process.stdout.write(`pause racing send_at, offsets ${OFFSETS.join(',')} ms: ${outcomes.join(',')}\n`);
    expect(outcomes[0]).toBe('before');
    expect(outcomes.at(-1)).toBe('after');
  });
});

describe('§4.1 a pause racing the last number', () => {
  it('pauses (Paused, number final, until resume ends it) or is refused (409) as the campaign completes', async () => {
    // The one call ends about ring (100 ms) + talk (2 s) after it is dialled; the pause is sent at
    // staggered delays after the number is seen in-progress, one campaign at a time.
    const OFFSETS = spread(9, 0, 6000);
    const created: Array<{ id: string }> = [];
    const answers: Array<Awaited<ReturnType<CampaignHttp['put']>>> = [];
    for (const offset of OFFSETS) {
      const c = await http.create({ from: [COMPLETES], caller_id: '08012345678', url: FLOW });
      const dialled = await http.waitFor(
        c.id,
        (x: Json) => x.stats['in-progress'] === 1 || x.stats.completed === 1,
        30_000,
        'the number dialled',
      );
      expect(dialled.stats.completed, 'the call outran the poll').toBe(0);
      await sleep(offset);
      created.push({ id: c.id });
      answers.push(await http.put(c.id, { action: 'pause' }));
    }
    const outcomes: string[] = [];
    for (const [i, res] of answers.entries()) {
      const id = created[i]!.id;
      if (res.status === 200) {
        outcomes.push('paused');
        expect(okData(res).status).toBe('Paused');
        // The live call runs to its end; the campaign stays Paused with final stats.
        const settled = await http.waitFor(id, (x: Json) => x.stats.completed === 1, 30_000, 'the call settled');
        expect(settled.status).toBe('Paused');
        expect(await watch(id, 1000)).toEqual(['Paused']);
        expect(okData(await http.put(id, { action: 'resume' })).status).toMatch(/InProgress|Completed/);
      } else {
        outcomes.push('refused');
        const e = failure(res, 409, 4001);
        expect(e.description).toMatch(/while the campaign is (InProgress and ending|Completed)/);
        // Never Paused afterwards: it only finishes.
        const seen = await watch(id, 1000);
        expect(
          seen.every((s) => s === 'InProgress' || s === 'Completed'),
          seen.join(','),
        ).toBe(true);
      }
      const done = await http.waitForStatus(id, 'Completed', 30_000);
      expect(done.stats).toMatchObject({ created: 1, completed: 1 });
      expect(await http.calls(id)).toHaveLength(1);
    }
    process.stdout.write(`pause racing the last number, offsets ${OFFSETS.join(',')} ms: ${outcomes.join(',')}\n`);
    expect(outcomes[0]).toBe('paused');
    expect(outcomes.at(-1)).toBe('refused');
  });
});
