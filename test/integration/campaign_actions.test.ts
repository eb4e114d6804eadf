/**
 * SPEC §4.1, §4.7, §4.8 over real HTTP on the real stack: every PUT action through the campaign workflow, every 409 and
 * 400, partial and whole-object updates, DELETE before and after start, the drain of `complete`. Calls talk for 4 s
 * with at most two numbers live, so a test can act while calls are live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack';
import {
  campaignHttp,
  controlAccount,
  failure,
  inMs,
  okData,
  sleep,
  type CampaignHttp,
  type Json,
} from '../support/campaign-http';

const ACCOUNT = controlAccount('acme_actions');
// SPEC §7 simulator: 0–5 completed, 6 busy.
const COMPLETES = ['+919876543210', '+919876543211', '+919876543212', '+919876543213'];
const BUSY = '+919876543216';
const FLOW = 'http://my.exotel.com/acme/exoml/start_voice/926';

let stack: TestStack;
let http: CampaignHttp;

beforeAll(async () => {
  stack = await startTestStack({
    OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]),
    OUTCALL_SIM_TALK_MS: '4000',
    OUTCALL_MAX_LIVE_NUMBERS: '2',
  });
  http = campaignHttp(stack, ACCOUNT);
});
afterAll(async () => {
  await stack?.stop();
});

const campaign = (overrides: Record<string, unknown> = {}) =>
  http.create({ from: COMPLETES.slice(0, 2), caller_id: '08012345678', url: FLOW, ...overrides });
const act = (id: string, action: string) => http.put(id, { action });

/** A 409 STATE_CONFLICT naming the status and the allowed actions. */
function conflict(res: Parameters<typeof failure>[0], status: string, allowed: string): string {
  const e = failure(res, 409, 4001);
  expect(e.description).toContain(`while the campaign is ${status}`);
  expect(e.description).toContain(`allowed: ${allowed}`);
  return e.description;
}

describe('§4.1 actions before start, and §4.8 DELETE', () => {
  it('pauses and resumes a Created campaign (back to Created while send_at is ahead), then deletes it', async () => {
    const c = await campaign({ schedule: { send_at: inMs(3600_000) } });
    expect(c.status).toBe('Created');

    expect(okData(await act(c.id, 'pause'))).toMatchObject({ id: c.id, status: 'Paused', date_started: null });
    expect((await http.get(c.id)).status).toBe('Paused');
    // A repeat is 200 with no change, in any casing.
    const again = okData(await act(c.id, 'PAUSE'));
    expect(again.status).toBe('Paused');

    expect(okData(await act(c.id, 'resume')).status).toBe('Created');
    expect((await http.get(c.id)).status).toBe('Created');
    expect(okData(await act(c.id, 'resume')).status).toBe('Created');

    conflict(await act(c.id, 'complete'), 'Created', 'pause, delete');
    conflict(await act(c.id, 'archive'), 'Created', 'pause, delete');

    expect(okData(await act(c.id, 'pause')).status).toBe('Paused');
    const deleted = okData(await http.del(c.id));
    expect(deleted).toMatchObject({ status: 'Deleted', date_started: null });
    const after = await http.get(c.id);
    expect(after.status).toBe('Deleted');
    expect(after.stats).toMatchObject({ created: 2, pending: 0 });

    // Deleted is terminal: every action and a second DELETE are 409, allowing nothing.
    conflict(await http.del(c.id), 'Deleted', 'none');
    conflict(await act(c.id, 'resume'), 'Deleted', 'none');
    // Out of lists unless asked for.
    const listed = await http.api('GET', `${http.base}?limit=500`);
    expect(listed.json.response.map((i: Json) => i.data.id)).not.toContain(c.id);
    const asked = await http.api('GET', `${http.base}?status=Deleted&limit=500`);
    expect(asked.json.response.map((i: Json) => i.data.id)).toContain(c.id);
    expect(await http.calls(c.id)).toEqual([]);
  });

  it('resumes a campaign paused before start whose send_at has passed straight into InProgress', async () => {
    const c = await campaign({ schedule: { send_at: inMs(3000) } });
    expect(okData(await act(c.id, 'pause')).status).toBe('Paused');
    await sleep(4500);
    // send_at passed while paused: nothing started.
    const paused = await http.get(c.id);
    expect(paused).toMatchObject({ status: 'Paused', date_started: null });
    expect(await http.calls(c.id)).toEqual([]);
    const resumed = okData(await act(c.id, 'resume'));
    expect(resumed.status).toBe('InProgress');
    expect(resumed.date_started).not.toBeNull();
    const done = await http.waitForStatus(c.id, 'Completed');
    expect(done.stats).toMatchObject({ created: 2, completed: 2 });
  });
});

describe('§4.1 actions on a running campaign', () => {
  it('refuses complete and DELETE while running, pauses, resumes, then completes with a drain', async () => {
    // Two numbers complete after 4 s; the busy one waits a minute for its retry.
    const c = await campaign({ from: [COMPLETES[0], BUSY], retries: { number_of_retries: 1, interval_mins: 1 } });
    await http.waitFor(
      c.id,
      (x) => x.stats.retry === 1 && x.stats.completed === 1,
      30_000,
      'one completed, one waiting for a retry',
    );

    const why = conflict(await act(c.id, 'complete'), 'InProgress', 'pause');
    expect(why).toContain('pause it first');
    const del = conflict(await http.del(c.id), 'InProgress', 'pause');
    expect(del).toContain('has started');
    expect(okData(await act(c.id, 'resume')).status).toBe('InProgress'); // a repeat

    expect(okData(await act(c.id, 'pause')).status).toBe('Paused');
    expect(okData(await act(c.id, 'pause')).status).toBe('Paused');
    expect((await http.get(c.id)).status).toBe('Paused');
    conflict(await http.del(c.id), 'Paused', 'resume, complete');
    expect(okData(await act(c.id, 'resume')).status).toBe('InProgress');
    expect(okData(await act(c.id, 'pause')).status).toBe('Paused');

    const completing = okData(await act(c.id, 'complete'));
    expect(completing.status === 'Paused' ? completing.closing : true).toBe(true);
    const done = await http.waitForStatus(c.id, 'Completed', 30_000);
    // The number waiting for its retry is failed; the completed one keeps its outcome.
    expect(done.stats).toMatchObject({ created: 2, completed: 1, failed: 1, retry: 0 });
    expect(done.date_ended).not.toBeNull();
    expect(await http.calls(c.id)).toHaveLength(2);
  });

  it('complete drains: live calls settle, never-dialled numbers become failed, then archive', async () => {
    const c = await campaign({ from: COMPLETES });
    await http.waitFor(c.id, (x) => x.stats['in-progress'] === 2, 30_000, 'two live calls');
    expect(okData(await act(c.id, 'pause')).status).toBe('Paused');

    const completing = okData(await act(c.id, 'complete'));
    // SPEC §4.1: 200 with the campaign as it is at that moment, and closing: true.
    expect(completing).toMatchObject({ status: 'Paused', closing: true });
    expect(completing.date_ended).toBeNull();
    // During the drain every action is 409, naming the drain; only callbacks may change.
    expect(conflict(await act(c.id, 'resume'), 'Paused and ending', 'none')).toContain('drain');
    conflict(await act(c.id, 'complete'), 'Paused and ending', 'none');
    conflict(await http.del(c.id), 'Paused and ending', 'none');
    expect(failure(await http.put(c.id, { name: 'renamed while draining' }), 409, 4002).description).toContain('name');
    expect(okData(await http.put(c.id, { status_callback: 'http://127.0.0.1:9/status' })).status_callback).toBe(
      'http://127.0.0.1:9/status',
    );
    expect((await http.get(c.id)).status).toBe('Paused');

    const done = await http.waitForStatus(c.id, 'Completed', 30_000);
    expect(done.stats).toMatchObject({ created: 4, completed: 2, failed: 2, pending: 0, 'in-progress': 0 });
    expect(done.date_ended).not.toBeNull();
    const calls = await http.calls(c.id);
    expect(calls.map((r: Json) => r.status)).toEqual(['completed', 'completed']);

    conflict(await act(c.id, 'pause'), 'Completed', 'archive');
    const archived = okData(await act(c.id, 'archive'));
    expect(archived.status).toBe('Archived');
    const final = await http.get(c.id);
    expect(final.status).toBe('Archived');
    expect(final.stats).toEqual(done.stats);
    conflict(await act(c.id, 'archive'), 'Archived', 'none');
    expect(failure(await http.put(c.id, { status_callback: 'http://127.0.0.1:9/x' }), 409, 4002).description).toContain(
      'never changes again',
    );
  });
});

describe('§4.7 updates through the workflow', () => {
  it('before start: any field may change under the create rules; the new numbers and send_at run', async () => {
    const c = await campaign({ schedule: { send_at: inMs(3600_000) } });
    const bad = failure(await http.put(c.id, { from: ['+919876543210', 'not-a-number'] }), 400, 1002);
    expect(bad.description).toContain('not-a-number');
    expect(failure(await http.put(c.id, { name: 'ab' }), 400, 1000).description).toContain('name');
    expect(failure(await http.put(c.id, { retries: { number_of_retries: 2 } }), 400, 1000).description).toContain(
      'interval_mins',
    );
    expect(
      failure(await http.put(c.id, { schedule: { send_at: '2001-01-01T00:00:00Z' } }), 400, 1000).description,
    ).toContain('schedule.send_at');
    expect(failure(await http.put(c.id, { mode: 'custom', throttle: 100_000 }), 400, 1004).description).toContain(
      'throttle',
    );
    expect((await http.get(c.id)).from).toEqual(COMPLETES.slice(0, 2));

    const updated = okData(
      await http.put(c.id, {
        name: 'Rolled forward',
        from: ['09876543212', '+919876543213', '+919876543213'],
        retries: { number_of_retries: 1, interval_mins: 5 },
        schedule: { send_at: inMs(2000) },
      }),
    );
    expect(updated).toMatchObject({
      status: 'Created',
      name: 'Rolled forward',
      from: ['+919876543212', '+919876543213'],
    });
    expect(updated.stats).toMatchObject({ created: 2, pending: 2 });
    expect(updated.retries).toMatchObject({ number_of_retries: 1, interval_mins: 5 });

    // The re-armed send_at starts it within seconds, with the new numbers.
    const done = await http.waitForStatus(c.id, 'Completed', 30_000);
    expect(done.stats).toMatchObject({ created: 2, completed: 2 });
    expect((await http.calls(c.id)).map((r: Json) => r.number).sort()).toEqual(['+919876543212', '+919876543213']);
  });

  it('the whole object PUT back succeeds when it changes only what is allowed, before and after start', async () => {
    const c = await campaign({ schedule: { send_at: inMs(3600_000) } });
    const before = await http.get(c.id);
    const renamed = okData(await http.put(c.id, { ...before, name: 'Whole object before start' }));
    expect(renamed.name).toBe('Whole object before start');

    const started = okData(await http.put(c.id, { ...renamed, schedule: { send_at: inMs(1500), end_at: null } }));
    expect(started.status).toBe('Created');
    const running = await http.waitFor(
      c.id,
      (x) => x.status === 'InProgress' || x.status === 'Completed',
      20_000,
      'started',
    );
    const withCallback = okData(await http.put(c.id, { ...running, status_callback: 'http://127.0.0.1:9/status' }));
    expect(withCallback.status_callback).toBe('http://127.0.0.1:9/status');
    const refused = failure(await http.put(c.id, { ...running, name: 'Renamed after start' }), 409, 4002);
    expect(refused.description).toMatch(/^name cannot be updated/);
    expect((await http.get(c.id)).name).toBe('Whole object before start');
  });

  it('after start: name and numbers are 409 naming the field; schedule only while Paused; bad value 400', async () => {
    const c = await campaign({ from: [BUSY], retries: { number_of_retries: 1, interval_mins: 1 } });
    await http.waitFor(c.id, (x) => x.stats.retry === 1, 30_000, 'a number waiting for its retry');
    expect(failure(await http.put(c.id, { name: 'Too late' }), 409, 4002).description).toMatch(
      /^name cannot be updated.*InProgress/,
    );
    expect(failure(await http.put(c.id, { from: ['+919876543210'] }), 409, 4002).description).toMatch(
      /^from cannot be updated/,
    );
    const endAt = inMs(3600_000);
    expect(failure(await http.put(c.id, { schedule: { end_at: endAt } }), 409, 4002).description).toMatch(
      /^schedule cannot be updated/,
    );
    expect(failure(await http.put(c.id, { call_status_callback: 'ftp://x' }), 400, 1000).description).toContain(
      'call_status_callback',
    );

    expect(okData(await act(c.id, 'pause')).status).toBe('Paused');
    expect(
      failure(await http.put(c.id, { schedule: { end_at: '2001-01-01T00:00:00Z' } }), 400, 1000).description,
    ).toContain('schedule.end_at');
    expect(failure(await http.put(c.id, { name: 'Still too late' }), 409, 4002).description).toMatch(
      /^name cannot be updated.*Paused/,
    );
    const rolled = okData(await http.put(c.id, { schedule: { end_at: endAt } }));
    expect(Date.parse(rolled.schedule.end_at)).toBe(Date.parse(endAt));
    // Fields and action in one request: validated against Paused, then the action applies.
    const resumed = okData(await http.put(c.id, { schedule: { end_at: null }, action: 'resume' }));
    expect(resumed).toMatchObject({ status: 'InProgress', schedule: { end_at: null } });
    // A field refused in the same request as an action: nothing applies.
    expect(failure(await http.put(c.id, { name: 'x y z', action: 'pause' }), 409, 4002).description).toContain('name');
    expect((await http.get(c.id)).status).toBe('InProgress');
    expect(okData(await act(c.id, 'pause')).status).toBe('Paused');
    expect(okData(await act(c.id, 'complete')).status).toMatch(/Paused|Completed/);
    await http.waitForStatus(c.id, 'Completed', 30_000);
  });
});

describe('§1 bodies and bad input', () => {
  it('takes a bulk body of one element (200, one item), answers a bulk 409 with 207, other shapes 400', async () => {
    const c = await campaign({ schedule: { send_at: inMs(3600_000) } });
    const bulk = await http.put(c.id, { campaigns: [{ action: 'pause' }] });
    expect(bulk.status, bulk.text).toBe(200);
    expect(bulk.json.response).toEqual([
      expect.objectContaining({ code: 200, status: 'success', data: expect.objectContaining({ status: 'Paused' }) }),
    ]);
    const refused = await http.put(c.id, { campaigns: [{ action: 'archive' }] });
    expect(refused.status, refused.text).toBe(207);
    expect(refused.json.response[0]).toMatchObject({ code: 409, status: 'failure', error_data: { code: 4001 } });
    expect(refused.json.response[0].error_data.description).toContain('allowed: resume, complete, delete');

    failure(await http.put(c.id, { campaigns: [{ action: 'pause' }, { action: 'resume' }] }), 400, 1000);
    failure(await http.put(c.id, { campaigns: [] }), 400, 1000);
    expect(failure(await act(c.id, 'restart'), 400, 1006).description).toContain('"restart"');
    expect(failure(await act(c.id, 'delete'), 400, 1006).description).toContain('DELETE');
    const malformed = await fetch(`${stack.baseUrl}${http.base}/${c.id}`, {
      method: 'PUT',
      headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT.api_key}:${ACCOUNT.api_token}`).toString('base64')}` },
      body: '{"action": "pause"',
    });
    expect(malformed.status).toBe(400);
    failure(await http.put('0123456789abcdef0123456789abcdef', { action: 'pause' }), 404, 3001);
    failure(await http.del('0123456789abcdef0123456789abcdef'), 404, 3001);

    const bulkDelete = await http.del(c.id, { campaigns: [{ id: c.id }] });
    expect(bulkDelete.status, bulkDelete.text).toBe(200);
    expect(bulkDelete.json.response[0]).toMatchObject({ code: 200, data: { status: 'Deleted' } });
    // Nothing ever changed the campaign but the accepted requests.
    expect((await http.get(c.id)).status).toBe('Deleted');
  });
});
