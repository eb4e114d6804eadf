/**
 * SPEC §4.1 `Failed` over real HTTP on the real stack: every dial refused ends `Failed`, one accepted makes it
 * `Completed`; a real account-level carrier error (Exotel adapter, rejected credentials) stops a campaign at once, and
 * so does a refused caller id at the 20th dial in a row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulatorBaseUrl } from '../../simulator/contract';
import { startTestStack, type TestStack } from '../support/stack';
import {
  campaignHttp,
  controlAccount,
  expectStatsInvariant,
  type CampaignHttp,
  type Json,
} from '../support/campaign-http';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

const ACCOUNT = controlAccount('acme_failed');
const BAD_CARRIER = controlAccount('acme_bad_carrier');
const REFUSED = ['+919876543000', '+919876541000'];
const COMPLETES = '+919876543210';
const BUSY = '+919876543216';
const FLOW = 'http://my.exotel.com/acme/exoml/start_voice/926';

let stack: TestStack;
let http: CampaignHttp;

beforeAll(async () => {
  // At most two numbers live per campaign, so "stops at once" leaves numbers never dialled.
  stack = await startTestStack({ OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]), OUTCALL_MAX_LIVE_NUMBERS: '2' });
  http = campaignHttp(stack, ACCOUNT);
});
afterAll(async () => {
  await stack?.stop();
});

/** The per-number report (SPEC §4.10) as rows keyed by its header. */
async function report(h: CampaignHttp, id: string): Promise<Array<Record<string, string>>> {
  const res = await h.api('GET', `${h.base}/${id}/report.csv`);
  expect(res.status, res.text).toBe(200);
  const [header, ...lines] = res.text.trim().split('\r\n');
  const cols = header!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i]!, v])));
}

describe('§4.1 the carrier accepts no dial', () => {
  it('ends Failed when every dial request was refused, with every number failed carrier_refused', async () => {
    const c = await http.create({ from: REFUSED, caller_id: '08012345678', url: FLOW });
    const done = await http.waitFor(c.id, (x) => x.date_ended !== null, 60_000, 'an end');
    expect(done.status).toBe('Failed');
    expect(done.stats).toMatchObject({ created: 2, failed: 2, completed: 0 });
    const calls = await http.calls(c.id);
    expect(calls.map((r: Json) => [r.status, r.reason])).toEqual([
      ['failed', 'carrier_refused'],
      ['failed', 'carrier_refused'],
    ]);
    expect((await report(http, c.id)).map((r) => [r.status, r.reason])).toEqual([
      ['failed', 'carrier_refused'],
      ['failed', 'carrier_refused'],
    ]);
    // Failed is terminal: no action applies, and only a Completed campaign can be archived.
    for (const action of ['pause', 'resume', 'complete', 'archive']) {
      const res = await http.put(c.id, { action });
      expect(res.status, res.text).toBe(409);
      expect(res.json.response[0].error_data.description).toContain('while the campaign is Failed; allowed: none');
    }
  });

  it('ends Completed when at least one dial was accepted, even if that call was busy', async () => {
    const c = await http.create({ from: [REFUSED[0], BUSY], caller_id: '08012345678', url: FLOW });
    const done = await http.waitFor(c.id, (x) => x.date_ended !== null, 60_000, 'an end');
    expect(done.status).toBe('Completed');
    expect(done.stats).toMatchObject({ created: 2, failed: 2, completed: 0, busy: 1 });
  });
});

describe('§4.1 the same caller-id refusal on 20 dials in a row', () => {
  it('stops the campaign at the 20th: Failed, no retry, every unfinished number failed caller_id_refused', async () => {
    // The simulator refuses every dial from a caller id ending in 000 (not an ExoPhone of the account).
    const fast = controlAccount('acme_caller_id', { calls_per_minute: 600 });
    await run(
      path.join(root, 'node_modules/.bin/tsx'),
      [path.join(root, 'bin/ops.ts'), 'accounts', 'upsert', JSON.stringify(fast)],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: stack.config.DATABASE_URL!,
          TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS!,
          LOG_LEVEL: 'warn',
        },
      },
    );
    const h = campaignHttp(stack, fast);
    const numbers = Array.from({ length: 30 }, (_, i) => `+91987654${String(i + 1).padStart(4, '0')}`);
    const started = Date.now();
    const c = await h.create({
      from: numbers,
      caller_id: '08012345000',
      url: FLOW,
      retries: { number_of_retries: 3, interval_mins: 1, on_status: ['failed'] },
    });
    const done = await h.waitFor(c.id, (x) => x.date_ended !== null, 60_000, 'an end');
    // At once: before any retry (1 minute) and before the numbers ran out.
    expect(Date.now() - started).toBeLessThan(50_000);
    expect(done.status).toBe('Failed');
    expect(done.stats).toMatchObject({ created: 30, failed: 30, completed: 0 });
    expectStatsInvariant(done);
    const calls = await h.calls(c.id);
    // The 20th refusal stops it; with two numbers live, at most one more dial was already on its way.
    expect(calls.length).toBeGreaterThanOrEqual(20);
    expect(calls.length).toBeLessThanOrEqual(21);
    for (const r of calls) expect(r).toMatchObject({ status: 'failed', attempt_number: 1 });
    // Attempts refused before the run reached 20 are plain refusals; the one that reached it names the caller id.
    expect(calls.filter((r: Json) => r.reason === 'carrier_refused').length).toBeGreaterThanOrEqual(19);
    expect(calls.filter((r: Json) => r.reason === 'caller_id_refused').length).toBeGreaterThanOrEqual(1);
    const rows = await report(h, c.id);
    // Every number was unfinished when it stopped (the refused ones were waiting on a retry): all fail
    // with the campaign's reason.
    expect(rows.map((r) => `${r.status} ${r.reason}`)).toEqual(numbers.map(() => 'failed caller_id_refused'));
  });
});

describe('§4.1 an account-level carrier error', () => {
  it('stops the campaign at once: Failed, no retry, each unfinished number failed with the carrier error', async () => {
    // Provisioned as an operator would: the ops CLI, with a carrier whose credentials are wrong.
    const account = {
      ...BAD_CARRIER,
      carrier: {
        type: 'exotel',
        base_url: simulatorBaseUrl(stack.config.OUTCALL_PUBLIC_URL),
        sid: BAD_CARRIER.sid,
        api_key: 'wrong',
        api_token: 'wrong',
      },
    };
    await run(
      path.join(root, 'node_modules/.bin/tsx'),
      [path.join(root, 'bin/ops.ts'), 'accounts', 'upsert', JSON.stringify(account)],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: stack.config.DATABASE_URL!,
          TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS!,
          LOG_LEVEL: 'warn',
        },
      },
    );
    const bad = campaignHttp(stack, BAD_CARRIER);
    const numbers = [
      '+919876543210',
      '+919876543211',
      '+919876543212',
      '+919876543213',
      '+919876543214',
      '+919876543215',
    ];
    const started = Date.now();
    const c = await bad.create({
      from: numbers,
      caller_id: '08012345678',
      url: FLOW,
      retries: { number_of_retries: 3, interval_mins: 1 },
    });
    const done = await bad.waitFor(c.id, (x) => x.date_ended !== null, 60_000, 'an end');
    // At once: well before the first retry (1 minute) could have been dialled.
    expect(Date.now() - started).toBeLessThan(50_000);
    expect(done.status).toBe('Failed');
    expect(done.stats).toMatchObject({ created: 6, failed: 6 });
    // Only the first window of live numbers was dialled; nothing was retried.
    const calls = await bad.calls(c.id);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(2);
    for (const r of calls) expect(r).toMatchObject({ status: 'failed', reason: 'carrier_401', attempt_number: 1 });
    expect((await report(bad, c.id)).map((r) => [r.status, r.reason])).toEqual(
      numbers.map(() => ['failed', 'carrier_401']),
    );
    // Another account's campaigns are untouched.
    const other = await http.create({ from: [COMPLETES], caller_id: '08012345678', url: FLOW });
    expect((await http.waitFor(other.id, (x) => x.date_ended !== null, 60_000, 'an end')).status).toBe('Completed');
  });
});
