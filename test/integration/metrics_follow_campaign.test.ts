/**
 * SPEC §8 `/metrics` on a real stack: scraped over and over while a paced campaign runs, the worker's
 * dial and attempt counters and the API's read-model gauges (unfinished numbers, live channels and
 * gate waiters of the account) move as the campaign's stats do, and end equal to what call-details
 * and the delivery log show; a CSV import's rows are counted as csv-status counts them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthHeader } from '../support/api';
import { importCsv } from '../support/csv-upload';
import { scrape, total, type Sample } from '../support/prometheus';
import { client, startReceiver, startTestStack, type Receiver, type TestStack } from '../support/stack';

const TOKEN = 'metrics-token-0123456789';
const ACCOUNT = {
  sid: 'metrics',
  api_key: 'metrics_key',
  api_token: 'metrics_token_0123456789',
  calling_window: '00:00-24:00',
  // One dial every 2 s, so the scrapes see the campaign part-way.
  calls_per_minute: 30,
  api_requests_per_minute: 100_000,
};
// completed ×3, busy, no-answer, failed; no retries.
const NUMBERS = ['+919876543210', '+919876543211', '+919876543212', '+919876543216', '+919876543217', '+919876543218'];

let stack: TestStack;
let receiver: Receiver;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  receiver = await startReceiver();
  stack = await startTestStack({ OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]), OUTCALL_METRICS_TOKEN: TOKEN });
  api = client(stack.baseUrl, ACCOUNT.api_key, ACCOUNT.api_token);
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
});

const apiMetrics = () => scrape(`${stack.baseUrl}/metrics`, { authorization: `Bearer ${TOKEN}` });
const dials = (s: Sample[]) => total(s, 'outcall_dials_total', { account_sid: ACCOUNT.sid });
const settled = (s: Sample[]) => total(s, 'outcall_attempt_outcomes_total');
const mine = { account_sid: ACCOUNT.sid };

describe('§8 metrics follow a running campaign', () => {
  it('count dials and attempt outcomes as stats move, and end equal to call-details', async () => {
    const res = await api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, {
      from: NUMBERS,
      caller_id: '08012345678',
      read_via_text: 'Hello',
      status_callback: receiver.url,
      call_status_callback: receiver.url,
    });
    expect(res.status, res.text).toBe(200);
    const id = res.json.response[0].data.id;

    const seen: Array<{
      finished: number;
      dials: number;
      settled: number;
      unfinished: number;
      live: number;
      waiting: number;
    }> = [];
    let gets = 0;
    for (const deadline = Date.now() + 90_000; ;) {
      const c = (await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`)).json.response[0].data;
      gets++;
      const [worker, apiSide] = await Promise.all([scrape(stack.workerMetricsUrl), apiMetrics()]);
      const finished = c.stats.completed + c.stats.failed;
      seen.push({
        finished,
        dials: dials(worker),
        settled: settled(worker),
        unfinished: total(apiSide, 'outcall_numbers_unfinished'),
        live: total(apiSide, 'outcall_channels_live', mine),
        waiting: total(apiSide, 'outcall_gate_waiters', mine),
      });
      // A number counted finished in the read model had its dial sent before the scrape that follows.
      expect(dials(worker), JSON.stringify(seen.at(-1))).toBeGreaterThanOrEqual(finished);
      if (c.status === 'Completed') break;
      if (Date.now() > deadline) throw new Error(`campaign still ${c.status}: ${JSON.stringify(c.stats)}`);
      await new Promise((r) => setTimeout(r, 400));
    }

    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.dials, 'dials only go up').toBeGreaterThanOrEqual(seen[i - 1]!.dials);
      expect(seen[i]!.settled, 'settled attempts only go up').toBeGreaterThanOrEqual(seen[i - 1]!.settled);
    }
    // Numbers only finish: what the gauge counts unfinished is at most what the read before it left.
    for (const s of seen) expect(s.unfinished, JSON.stringify(s)).toBeLessThanOrEqual(NUMBERS.length - s.finished);
    const partWay = seen.filter((s) => s.finished > 0 && s.finished < NUMBERS.length);
    expect(partWay.length, JSON.stringify(seen)).toBeGreaterThan(0);
    expect(
      partWay.some((s) => s.unfinished > 0 && s.dials > 0 && s.settled > 0),
      JSON.stringify(seen),
    ).toBe(true);
    // Each call rings and talks for seconds, one dial every 2 s: scrapes 400 ms apart see calls live,
    // never more than the numbers not yet finished, and none once the campaign is over.
    expect(
      partWay.some((s) => s.live > 0),
      JSON.stringify(seen),
    ).toBe(true);
    for (const s of seen)
      expect(s.live + s.waiting, JSON.stringify(s)).toBeLessThanOrEqual(NUMBERS.length - s.finished);

    const calls = (await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}/call-details?limit=100`)).json
      .response as Array<{ status: string }>;
    const worker = await scrape(stack.workerMetricsUrl);
    expect(dials(worker)).toBe(calls.length);
    expect(total(worker, 'outcall_dials_total', { account_sid: ACCOUNT.sid, outcome: 'accepted' })).toBe(calls.length);
    for (const status of ['completed', 'busy', 'no-answer', 'failed'])
      expect(total(worker, 'outcall_attempt_outcomes_total', { status }), status).toBe(
        calls.filter((c) => c.status === status).length,
      );
    expect(total(worker, 'outcall_attempt_outcomes_total', { next: 'final' })).toBe(NUMBERS.length);
    expect(total(worker, 'outcall_activity_executions_total', { activity: 'dialAttempt', outcome: 'completed' })).toBe(
      calls.length,
    );
    expect(worker.some((s) => s.name === 'outcall_worker_task_slots_used')).toBe(true);

    const apiSide = await apiMetrics();
    expect(total(apiSide, 'outcall_numbers_unfinished', { campaign_status: 'InProgress' })).toBe(0);
    // An idle account's gauges read 0; they do not vanish from the scrape.
    const idle = (name: string) => apiSide.filter((s) => s.name === name && s.labels.account_sid === ACCOUNT.sid);
    for (const name of ['outcall_channels_live', 'outcall_dial_slots_staged', 'outcall_gate_waiters'])
      expect(
        idle(name).map((s) => s.value),
        name,
      ).toEqual([0]);
    expect(
      total(apiSide, 'outcall_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v2/accounts/:sid/campaigns/:id',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(gets);
  });

  it('count webhook deliveries, and show none undelivered once all are delivered', async () => {
    const [c] = (await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns`)).json.response;
    const id = c.data.id;
    const log = async () =>
      (await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}/webhook-deliveries?limit=100`)).json;
    for (const deadline = Date.now() + 60_000; ;) {
      const l = await log();
      if (l.response.every((i: { data: { status: string } }) => i.data.status === 'delivered')) break;
      if (Date.now() > deadline) throw new Error(`deliveries still pending: ${JSON.stringify(l.metadata)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const delivered = (await log()).metadata.total;
    const worker = await scrape(stack.workerMetricsUrl);
    expect(total(worker, 'outcall_webhook_delivery_results_total', { result: 'delivered' })).toBe(delivered);
    const apiSide = await apiMetrics();
    expect(total(apiSide, 'outcall_webhook_deliveries', { state: 'pending' })).toBe(0);
    expect(total(apiSide, 'outcall_webhook_deliveries', { state: 'abandoned' })).toBe(0);
    expect(total(apiSide, 'outcall_webhook_oldest_undelivered_seconds')).toBe(0);
  });

  it('counts the rows CSV imports process, as csv-status counts them', async () => {
    const rowsBefore = total(await apiMetrics(), 'outcall_csv_import_rows_total');
    const account = {
      sid: ACCOUNT.sid,
      key: ACCOUNT.api_key,
      token: ACCOUNT.api_token,
      auth: basicAuthHeader(ACCOUNT.api_key, ACCOUNT.api_token),
    };
    const rows = Array.from({ length: 500 }, (_, i) => `+91987660${String(1000 + i)}`);
    const { status } = await importCsv(stack.baseUrl, account, {
      csv: ['number', ...rows, 'not-a-number'].join('\n') + '\n',
      listName: 'metrics import',
      type: 'static',
    });
    expect(status).toMatchObject({ status: 'completed', total_records: 501 });
    const after = await apiMetrics();
    expect(total(after, 'outcall_csv_import_rows_total') - rowsBefore).toBe(status.total_records);
    expect(total(after, 'outcall_csv_imports_processing')).toBe(0);
  });

  it('asks for the bearer token when OUTCALL_METRICS_TOKEN is set', async () => {
    const res = await fetch(`${stack.baseUrl}/metrics`);
    expect(res.status).toBe(401);
    expect(
      ((await res.json()) as { response: Array<{ error_data: { code: number } }> }).response[0]!.error_data.code,
    ).toBe(2001);
  });
});
