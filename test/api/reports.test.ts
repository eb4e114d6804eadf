/**
 * SPEC §4.10 and §6.1 on the real app and database: call-details as CSV (`?format=csv` or
 * `Accept: text/csv`, same filters), the per-number `report.csv`, the numbers endpoint, contact
 * names, formula-injection-safe cells, and the signed `report_url` (no Basic auth; bound to one
 * campaign; expires after 7 days).
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { createApp } from '../../api/app';
import { attempts, campaignNumbers } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { REPORT_URL_TTL_MS, reportUrl, signReportToken } from '../../domain/report-token';
import { freshDatabase, type TestDatabase } from '../support/db';
import {
  aCampaignRequest,
  call,
  provisionAccount,
  testDeps,
  type App,
  type Json,
  type TestAccount,
} from '../support/api';

let database: TestDatabase;
let app: App;
let acct: TestAccount;
let campaignId: string;
const deps = () => testDeps(database.db);

const t = (s: number) => new Date(Date.UTC(2024, 0, 15, 3, 30, s));

beforeAll(async () => {
  database = await freshDatabase();
  app = createApp(deps());
  acct = await provisionAccount(database.db, { api_requests_per_minute: 10_000 });
  const res = await call(
    app,
    acct,
    'POST',
    `/v2/accounts/${acct.sid}/campaigns`,
    aCampaignRequest({ custom_field: '@SUM(A1)' }),
  );
  campaignId = res.json.response[0].data.id;
  const n = (position: number) =>
    and(eq(campaignNumbers.campaignId, campaignId), eq(campaignNumbers.position, position));
  await database.db
    .update(campaignNumbers)
    .set({
      name: 'Asha, "A" Rao',
      status: 'completed',
      attempts: 1,
      lastStatus: 'completed',
      lastDuration: 45,
      firstAttemptAt: t(0),
      lastAttemptAt: t(0),
    })
    .where(n(0));
  await database.db
    .update(campaignNumbers)
    .set({
      name: '=HYPERLINK("http://x.example")',
      status: 'retry',
      attempts: 1,
      lastStatus: 'busy',
      lastDuration: 0,
      firstAttemptAt: t(5),
      lastAttemptAt: t(5),
      nextAttemptAt: t(65),
    })
    .where(n(1));
  const row = (
    position: number,
    attemptNumber: number,
    second: number,
    extra: Partial<typeof attempts.$inferInsert>,
  ) => ({
    callSid: newSid(),
    campaignId,
    position,
    attemptNumber,
    number: ['+919876543210', '+919876543211', '+911140002400'][position]!,
    callerId: '08047112233',
    token: `${attemptNumber}_${newSid()}`,
    dateCreated: t(second),
    sentAt: t(second),
    ...extra,
  });
  await database.db
    .insert(attempts)
    .values([
      row(0, 1, 0, { status: 'completed', startTime: t(1), endTime: t(46), duration: 45, settledAt: t(46) }),
      row(1, 1, 5, { status: 'busy', reason: '-1 busy', settledAt: t(6) }),
    ]);
});
afterAll(async () => {
  await database?.drop();
});

const csvLines = (text: string) => text.trimEnd().split('\r\n');

async function get(path: string, headers: Record<string, string> = {}, auth: TestAccount | null = acct) {
  const res = await app.request(path, { headers: { ...(auth && { Authorization: auth.auth }), ...headers } });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    disposition: res.headers.get('content-disposition'),
    text: await res.text(),
  };
}

describe('§4.10 call-details as CSV', () => {
  const path = (q = '') => `/v2/accounts/${acct.sid}/campaigns/${campaignId}/call-details${q}`;

  it('streams every attempt as CSV with ?format=csv, names and formula cells neutralised', async () => {
    const res = await get(path('?format=csv'));
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/csv; charset=utf-8');
    expect(res.disposition).toBe(`attachment; filename="campaign-${campaignId}-call-details.csv"`);
    const [header, first, second, ...rest] = csvLines(res.text);
    expect(header).toBe(
      'call_sid,number,to,name,caller_id,from,status,attempt_number,reason,date_created,start_time,end_time,' +
        'duration,digits,digit,recording_url,direction,custom_field',
    );
    expect(rest).toEqual([]);
    expect(first!.split(',').slice(1, 4)).toEqual(['+919876543210', '+919876543210', '"Asha']);
    expect(first).toContain(',"Asha, ""A"" Rao",');
    expect(first).toContain(
      ',completed,1,,2024-01-15T09:00:00+05:30,2024-01-15T09:00:01+05:30,2024-01-15T09:00:46+05:30,' +
        "45,,,,Outgoing,'@SUM(A1)",
    );
    // A name, a reason and a custom field that a spreadsheet would run are written as text.
    expect(second).toContain(`,"'=HYPERLINK(""http://x.example"")",`);
    expect(second).toContain(",busy,1,'-1 busy,");
  });

  it('answers Accept: text/csv the same way, with the same filters and paging as the JSON list', async () => {
    const all = await get(path(), { accept: 'text/csv' });
    expect(all.text).toBe((await get(path('?format=CSV'))).text);
    const busy = csvLines((await get(path('?status=BUSY'), { accept: 'application/json, text/csv;q=0.5' })).text);
    expect(busy).toHaveLength(2);
    expect(busy[1]).toContain(',busy,');
    const paged = csvLines((await get(path('?format=csv&sort_by=date_created:desc&limit=1'))).text);
    expect(paged).toHaveLength(2);
    expect(paged[1]).toContain(',busy,');
    // Without format or Accept it is still the JSON envelope.
    const json = await call(app, acct, 'GET', path());
    expect(json.json.metadata.total).toBe(2);
    expect(json.json.response.map((r: Json) => r.name)).toEqual(['Asha, "A" Rao', '=HYPERLINK("http://x.example")']);
  });
});

describe('§4.10 per-number report and (ext) numbers endpoint', () => {
  it('streams one row per number in list order, with names, final status and next attempt', async () => {
    const res = await get(`/v2/accounts/${acct.sid}/campaigns/${campaignId}/report.csv`);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/csv; charset=utf-8');
    expect(csvLines(res.text)).toEqual([
      'number,name,status,reason,attempts,last_status,last_duration,first_attempt_at,last_attempt_at,next_attempt_at',
      '+919876543210,"Asha, ""A"" Rao",completed,,1,completed,45,2024-01-15T09:00:00+05:30,2024-01-15T09:00:00+05:30,',
      `+919876543211,"'=HYPERLINK(""http://x.example"")",retry,,1,busy,0,2024-01-15T09:00:05+05:30,` +
        '2024-01-15T09:00:05+05:30,2024-01-15T09:01:05+05:30',
      '+911140002400,,pending,,0,,,,,',
    ]);
  });

  it('lists the numbers with name, status, attempts and next attempt, filtered and paged', async () => {
    const res = await call(app, acct, 'GET', `/v2/accounts/${acct.sid}/campaigns/${campaignId}/numbers`);
    expect(res.status).toBe(200);
    expect(res.json.metadata).toEqual({ count: 3, offset: 0, limit: 20, total: 3 });
    expect(res.json.response[1].data).toEqual({
      position: 1,
      number: '+919876543211',
      name: '=HYPERLINK("http://x.example")',
      contact_sid: null,
      status: 'retry',
      attempts: 1,
      last_status: 'busy',
      next_attempt_at: '2024-01-15T09:01:05+05:30',
      reason: null,
    });
    const filtered = await call(
      app,
      acct,
      'GET',
      `/v2/accounts/${acct.sid}/campaigns/${campaignId}/numbers?status=Pending,retry&offset=1&limit=1`,
    );
    expect(filtered.json.metadata).toEqual({ count: 1, offset: 1, limit: 1, total: 2 });
    expect(filtered.json.response[0].data.number).toBe('+911140002400');
    const bad = await call(app, acct, 'GET', `/v2/accounts/${acct.sid}/campaigns/${campaignId}/numbers?status=ringing`);
    expect(bad.status).toBe(400);
    const missing = await call(app, acct, 'GET', `/v2/accounts/${acct.sid}/campaigns/${newSid()}/numbers`);
    expect(missing.json.response[0].error_data.code).toBe(3001);
  });
});

describe('§6.1 report_url', () => {
  const now = () => Date.now();
  it('downloads the report without Basic auth while its token is valid', async () => {
    const url = new URL(
      reportUrl(deps().publicUrl, campaignId, signReportToken(createHmac, deps().signingSecret, campaignId, now())),
    );
    expect(url.origin).toBe('http://127.0.0.1:3000');
    const res = await get(url.pathname + url.search, {}, null);
    expect(res.status).toBe(200);
    expect(res.text).toBe((await get(`/v2/accounts/${acct.sid}/campaigns/${campaignId}/report.csv`)).text);
  });

  it('refuses a token that is forged, for another campaign, or older than 7 days', async () => {
    const good = signReportToken(createHmac, deps().signingSecret, campaignId, now());
    const forged = good.slice(0, -1) + (good.endsWith('0') ? '1' : '0');
    const other = signReportToken(createHmac, deps().signingSecret, newSid(), now());
    const expired = signReportToken(createHmac, deps().signingSecret, campaignId, now() - REPORT_URL_TTL_MS - 1000);
    const wrongKey = signReportToken(createHmac, 'another-secret-0123456789', campaignId, now());
    for (const token of [forged, other, expired, wrongKey, '']) {
      const res = await get(`/reports/${campaignId}/report.csv?token=${token}`, {}, null);
      expect(res.status, token).toBe(401);
      expect(JSON.parse(res.text).response[0].error_data.description).toBe(
        'token: missing, invalid or expired report token',
      );
    }
  });
});
