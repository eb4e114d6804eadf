/**
 * SPEC §2/§6.2 (ext) the webhook delivery log and replay, through the real app on a real database
 * with the fake engine at the edge (the replay's real delivery is in test/integration/webhook_replay),
 * and SPEC §8 `/metrics` counting what the log shows: pending, retrying and abandoned deliveries, and
 * the age of the oldest undelivered.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { webhookDeliveries } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { freshDatabase, type TestDatabase } from '../support/db';
import {
  aCampaignRequest,
  call,
  fakeEngine,
  provisionAccount,
  testDeps,
  type App,
  type FakeEngine,
  type Json,
  type TestAccount,
} from '../support/api';
import { parsePrometheus, total } from '../support/prometheus';

let database: TestDatabase;
let engine: FakeEngine;
let app: App;
let acct: TestAccount;
let other: TestAccount;
let campaignId: string;
let otherCampaignId: string;
const ids: Record<string, string> = {};

const base = () => `/v2/accounts/${acct.sid}/campaigns/${campaignId}/webhook-deliveries`;

async function delivery(campaign: string, accountSid: string, over: Partial<typeof webhookDeliveries.$inferInsert>) {
  const id = newSid();
  await database.db.insert(webhookDeliveries).values({
    id,
    accountSid,
    campaignId: campaign,
    kind: 'call_status',
    url: 'https://hooks.example.com/outcall',
    payload: { campaign_sid: campaign, status: 'completed' },
    ...over,
  });
  return id;
}

beforeAll(async () => {
  database = await freshDatabase();
  engine = fakeEngine();
  app = createApp(testDeps(database.db, engine));
  acct = await provisionAccount(database.db, { api_requests_per_minute: 10_000, timezone: 'Asia/Kolkata' });
  other = await provisionAccount(database.db, { api_requests_per_minute: 10_000 });
  campaignId = (await call(app, acct, 'POST', `/v2/accounts/${acct.sid}/campaigns`, aCampaignRequest())).json
    .response[0].data.id;
  otherCampaignId = (await call(app, other, 'POST', `/v2/accounts/${other.sid}/campaigns`, aCampaignRequest())).json
    .response[0].data.id;
  const t = (s: number) => new Date(Date.UTC(2026, 0, 15, 4, 0, s));
  ids.pending = await delivery(campaignId, acct.sid, { createdAt: t(0) });
  ids.retrying = await delivery(campaignId, acct.sid, {
    createdAt: t(1),
    url: 'https://user:s3cret@hooks.example.com/private',
    tries: 3,
    lastError: 'receiver answered HTTP 503',
    lastHttpStatus: 503,
    lastTriedAt: t(10),
    nextTryAt: t(14),
  });
  ids.delivered = await delivery(campaignId, acct.sid, {
    createdAt: t(2),
    kind: 'status',
    status: 'delivered',
    tries: 1,
    lastHttpStatus: 200,
    deliveredAt: t(3),
    lastTriedAt: t(3),
  });
  ids.abandoned = await delivery(campaignId, acct.sid, {
    createdAt: t(4),
    kind: 'call_schedule',
    status: 'abandoned',
    tries: 20,
    lastError: 'POST failed: connect ECONNREFUSED',
  });
  ids.foreign = await delivery(otherCampaignId, other.sid, { status: 'abandoned', tries: 20 });
});
afterAll(async () => {
  await database?.drop();
});

const statuses = (json: Json) => json.response.map((i: Json) => i.data.status);

/** The deliveries of both accounts' campaigns as their logs show them, counted by status. */
async function logCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = { pending: 0, retrying: 0, delivered: 0, abandoned: 0 };
  for (const [as, campaign] of [
    [acct, campaignId],
    [other, otherCampaignId],
  ] as const) {
    const log = await call(app, as, 'GET', `/v2/accounts/${as.sid}/campaigns/${campaign}/webhook-deliveries?limit=100`);
    for (const s of statuses(log.json)) counts[s] = (counts[s] ?? 0) + 1;
  }
  return counts;
}

/** `/metrics` shows each undelivered state as the logs count it, and the oldest undelivered's age. */
async function expectMetricsToMatchLog(oldestCreated: Date) {
  const counts = await logCounts();
  const res = await app.request('/metrics');
  expect(res.status).toBe(200);
  const samples = parsePrometheus(await res.text());
  for (const state of ['pending', 'retrying', 'abandoned'])
    expect(total(samples, 'outcall_webhook_deliveries', { state }), state).toBe(counts[state]);
  const age = total(samples, 'outcall_webhook_oldest_undelivered_seconds');
  expect(age).toBeGreaterThanOrEqual((Date.now() - oldestCreated.getTime()) / 1000 - 5);
  expect(age).toBeLessThanOrEqual((Date.now() - oldestCreated.getTime()) / 1000 + 5);
  return counts;
}

describe('§6.2 the webhook delivery log', () => {
  it('lists a campaign’s deliveries oldest first: url, event, attempts, last error, next try', async () => {
    const res = await call(app, acct, 'GET', base());
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.metadata).toEqual({ count: 4, offset: 0, limit: 20, total: 4 });
    expect(statuses(res.json)).toEqual(['pending', 'retrying', 'delivered', 'abandoned']);
    const retrying = res.json.response[1].data;
    expect(retrying).toMatchObject({
      id: ids.retrying,
      campaign_sid: campaignId,
      event: 'call_status_callback',
      url: 'https://***@hooks.example.com/private',
      attempts: 3,
      replays: 0,
      last_error: 'receiver answered HTTP 503',
      last_http_status: 503,
      last_tried_at: '2026-01-15T09:30:10+05:30',
      next_try_at: '2026-01-15T09:30:14+05:30',
      date_created: '2026-01-15T09:30:01+05:30',
      date_delivered: null,
    });
    expect(JSON.stringify(res.json)).not.toContain('s3cret');
    expect(res.json.response[2].data).toMatchObject({ event: 'status_callback', next_try_at: null });
  });

  it('filters by status (comma list, any casing) and pages with offset and limit', async () => {
    const filtered = await call(app, acct, 'GET', `${base()}?status=ABANDONED,Retrying`);
    expect(statuses(filtered.json)).toEqual(['retrying', 'abandoned']);
    expect(filtered.json.metadata.total).toBe(2);
    const page = await call(app, acct, 'GET', `${base()}?offset=1&limit=2`);
    expect(page.json.response.map((i: Json) => i.data.id)).toEqual([ids.retrying, ids.delivered]);
    expect(page.json.metadata).toEqual({ count: 2, offset: 1, limit: 2, total: 4 });
  });

  it('rejects an unknown status filter and bad paging with 400 naming the field', async () => {
    const bad = await call(app, acct, 'GET', `${base()}?status=lost`);
    expect(bad.status).toBe(400);
    expect(bad.json.response[0].error_data.description).toMatch(/status "lost" is not a webhook delivery status/);
    const limit = await call(app, acct, 'GET', `${base()}?limit=0`);
    expect(limit.status).toBe(400);
    expect(limit.json.response[0].error_data.description).toMatch(/^limit /);
  });

  it('answers 404 for another account’s campaign and an id that cannot exist, 400 for NUL bytes', async () => {
    const foreign = await call(
      app,
      acct,
      'GET',
      `/v2/accounts/${acct.sid}/campaigns/${otherCampaignId}/webhook-deliveries`,
    );
    expect(foreign.status).toBe(404);
    expect(foreign.json.response[0].error_data.code).toBe(3001);
    const junk = await call(app, acct, 'GET', `/v2/accounts/${acct.sid}/campaigns/not-an-id/webhook-deliveries`);
    expect(junk.status).toBe(404);
    const nul = await call(app, acct, 'GET', `/v2/accounts/${acct.sid}/campaigns/ab%00cd/webhook-deliveries`);
    expect(nul.status).toBe(400);
    expect(nul.json.response[0].error_data.description).toMatch(/^path: segment \d+ \("ab%00cd".*contains a NUL byte/);
    const nulQuery = await call(app, acct, 'GET', `${base()}?status=%00`);
    expect(nulQuery.status).toBe(400);
  });

  it('counts pending, retrying and abandoned deliveries in /metrics, and the oldest undelivered’s age', async () => {
    const counts = await expectMetricsToMatchLog(new Date(Date.UTC(2026, 0, 15, 4, 0, 0)));
    expect(counts).toEqual({ pending: 1, retrying: 1, delivered: 1, abandoned: 2 });
  });

  it('needs the account’s own credentials (401 without, 403 on another account’s path)', async () => {
    expect((await call(app, null, 'GET', base())).status).toBe(401);
    const cross = await call(app, other, 'GET', base());
    expect(cross.status).toBe(403);
  });
});

describe('§6.2 replaying a delivery', () => {
  const replay = (id: string, campaign = campaignId, as = acct) =>
    call(app, as, 'POST', `/v2/accounts/${as.sid}/campaigns/${campaign}/webhook-deliveries/${id}/replay`);

  it('makes an abandoned delivery pending again and starts its delivery workflow', async () => {
    const res = await replay(ids.abandoned!);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.response[0].data).toMatchObject({
      id: ids.abandoned,
      status: 'retrying',
      attempts: 20,
      replays: 1,
    });
    expect(engine.replays.at(-1)).toEqual({ campaignId, deliveryId: ids.abandoned, replay: 1 });
    const [row] = await database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, ids.abandoned!));
    expect(row).toMatchObject({ status: 'pending', replays: 1 });
  });

  it('replays a delivered one too, counting each replay', async () => {
    const first = await replay(ids.delivered!);
    expect(first.status).toBe(200);
    await database.db
      .update(webhookDeliveries)
      .set({ status: 'delivered' })
      .where(eq(webhookDeliveries.id, ids.delivered!));
    const second = await replay(ids.delivered!);
    expect(second.json.response[0].data.replays).toBe(2);
    expect(engine.replays.filter((r) => r.deliveryId === ids.delivered).map((r) => r.replay)).toEqual([1, 2]);
  });

  it('refuses a delivery that is still pending with 409, changing nothing', async () => {
    const before = engine.replays.length;
    const res = await replay(ids.retrying!);
    expect(res.status).toBe(409);
    expect(res.json.response[0].error_data).toMatchObject({ code: 4001 });
    expect(res.json.response[0].error_data.description).toMatch(/still being delivered \(3 tries so far\)/);
    expect(engine.replays.length).toBe(before);
  });

  it('answers 404 for an unknown id, another campaign’s or account’s delivery, 400 for NUL bytes', async () => {
    expect((await replay(newSid())).json.response[0].error_data.code).toBe(3009);
    expect((await replay('zz')).status).toBe(404);
    expect((await replay(ids.foreign!)).status).toBe(404);
    expect((await replay(ids.foreign!, otherCampaignId)).status).toBe(404);
    const nul = await replay('%00');
    expect(nul.status).toBe(400);
    expect(nul.json.response[0].error_data.description).toMatch(/^path: segment \d+ \("%00".*contains a NUL byte/);
    const cross = await call(
      app,
      acct,
      'POST',
      `/v2/accounts/${other.sid}/campaigns/${otherCampaignId}/webhook-deliveries/${ids.foreign}/replay`,
    );
    expect(cross.status).toBe(403);
    const [row] = await database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, ids.foreign!));
    expect(row).toMatchObject({ status: 'abandoned', replays: 0 });
  });

  it('answers 503 and leaves the delivery as it was when Temporal cannot be reached', async () => {
    const down = createApp(testDeps(database.db, fakeEngine({ unavailable: true })));
    const id = await delivery(campaignId, acct.sid, { status: 'abandoned', tries: 5 });
    const res = await call(down, acct, 'POST', `${base()}/${id}/replay`);
    expect(res.status).toBe(503);
    const [row] = await database.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
    expect(row).toMatchObject({ status: 'abandoned', replays: 0 });
  });

  it('moves replayed deliveries out of the abandoned count in /metrics', async () => {
    const counts = await expectMetricsToMatchLog(new Date(Date.UTC(2026, 0, 15, 4, 0, 0)));
    // The replayed abandoned and delivered ones retry; the foreign one and the one Temporal refused stay.
    expect(counts).toEqual({ pending: 1, retrying: 3, delivered: 0, abandoned: 2 });
  });
});
