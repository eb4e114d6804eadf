import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { attempts } from '../../db/schema';
import { newSid } from '../../domain/ids';
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
const sids: string[] = [];

beforeAll(async () => {
  database = await freshDatabase();
  app = createApp(testDeps(database.db));
  acct = await provisionAccount(database.db, { api_requests_per_minute: 10_000 });
  const res = await call(
    app,
    acct,
    'POST',
    `/v2/accounts/${acct.sid}/campaigns`,
    aCampaignRequest({ custom_field: 'order-7' }),
  );
  campaignId = res.json.response[0].data.id;
  const t = (s: number) => new Date(Date.UTC(2024, 0, 15, 3, 30, s));
  const row = (
    position: number,
    attemptNumber: number,
    second: number,
    extra: Partial<typeof attempts.$inferInsert>,
  ) => {
    const callSid = newSid();
    sids.push(callSid);
    return {
      callSid,
      campaignId,
      position,
      attemptNumber,
      number: ['+919876543210', '+919876543211', '+911140002400'][position]!,
      callerId: '08047112233',
      token: `${attemptNumber}_${newSid()}`,
      // Begun (granted, staged) two seconds before its dial request left: date_created is the send.
      dateCreated: t(second - 2),
      sentAt: t(second),
      ...extra,
    };
  };
  await database.db.insert(attempts).values([
    row(0, 1, 0, { status: 'busy', startTime: t(1), endTime: t(20), duration: 0, settledAt: t(20) }),
    row(1, 1, 5, {
      status: 'completed',
      startTime: t(6),
      endTime: t(51),
      duration: 45,
      digits: '1',
      recordingUrl: 'https://rec.example/1.mp3',
      settledAt: t(51),
    }),
    row(2, 1, 10, { status: 'failed', reason: 'carrier_refused', settledAt: t(10) }),
    row(0, 2, 30, { status: null, startTime: t(31) }),
  ]);
  // A staged dial (granted, not yet sent) has no record (SPEC §4.10: nothing that was not dialled).
  await database.db.insert(attempts).values({ ...row(1, 2, 40, {}), sentAt: null });
  sids.pop();
});
afterAll(async () => {
  await database?.drop();
});

const path = (q = '') => `/v2/accounts/${acct.sid}/campaigns/${campaignId}/call-details${q}`;

describe('§4.10 call-details', () => {
  it('returns one bare record per attempt, in date_created order, with metadata', async () => {
    const res = await call(app, acct, 'GET', path());
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.metadata).toEqual({ count: 4, offset: 0, limit: 20, total: 4 });
    expect(res.json.response.map((r: Json) => r.call_sid)).toEqual(sids);
    expect(res.json.response[1]).toEqual({
      call_sid: sids[1],
      number: '+919876543211',
      to: '+919876543211',
      name: null,
      caller_id: '08047112233',
      from: '08047112233',
      status: 'completed',
      attempt_number: 1,
      reason: null,
      date_created: '2024-01-15T09:00:05+05:30',
      start_time: '2024-01-15T09:00:06+05:30',
      end_time: '2024-01-15T09:00:51+05:30',
      duration: 45,
      digits: '1',
      digit: '1',
      recording_url: 'https://rec.example/1.mp3',
      direction: 'Outgoing',
      custom_field: 'order-7',
    });
  });

  it('shows no record for an attempt whose dial request has not left', async () => {
    const res = await call(app, acct, 'GET', path('?status=in-progress'));
    expect(res.json.response.map((r: Json) => r.attempt_number)).toEqual([2]);
    expect(res.json.metadata.total).toBe(1);
  });

  it('shows a live attempt as in-progress', async () => {
    const res = await call(app, acct, 'GET', path());
    expect(res.json.response[3]).toMatchObject({
      status: 'in-progress',
      attempt_number: 2,
      end_time: null,
      duration: 0,
    });
  });

  it('is also served at the singular /campaign/{id}/call-details path', async () => {
    const res = await call(app, acct, 'GET', `/v2/accounts/${acct.sid}/campaign/${campaignId}/call-details`);
    expect(res.status).toBe(200);
    expect(res.json.metadata.total).toBe(4);
  });

  it('filters by a status list in any spelling', async () => {
    const res = await call(app, acct, 'GET', path('?status=no_answer,BUSY,Failed'));
    expect(res.json.response.map((r: Json) => r.status)).toEqual(['busy', 'failed']);
    expect(res.json.metadata.total).toBe(2);
    const live = await call(app, acct, 'GET', path('?status=in_progress'));
    expect(live.json.response.map((r: Json) => r.call_sid)).toEqual([sids[3]]);
  });

  it('sorts by date_created descending and pages with offset and limit', async () => {
    const res = await call(app, acct, 'GET', path('?sort_by=date_created:desc&offset=1&limit=2'));
    expect(res.json.response.map((r: Json) => r.call_sid)).toEqual([sids[2], sids[1]]);
    expect(res.json.metadata).toEqual({ count: 2, offset: 1, limit: 2, total: 4 });
  });

  it('clamps limit to 500 and rejects an unknown status', async () => {
    expect((await call(app, acct, 'GET', path('?limit=9999'))).json.metadata.limit).toBe(500);
    const bad = await call(app, acct, 'GET', path('?status=ringing'));
    expect(bad.status).toBe(400);
    expect(bad.json.response[0].error_data.description).toMatch(/^status "ringing" is not a call status/);
  });

  it('answers 404 for an unknown campaign', async () => {
    const res = await call(app, acct, 'GET', `/v2/accounts/${acct.sid}/campaigns/${newSid()}/call-details`);
    expect(res.status).toBe(404);
    expect(res.json.response[0].error_data.code).toBe(3001);
  });
});
