/**
 * SPEC §4.5 (ext) against a real PostgreSQL: a carrier connection's calls-per-second ceiling is kept
 * at the send beside the account's pacing, and a 429 (or a 503) backs the whole connection off:
 * the next dial on it waits, without a request and without consuming a retry.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttemptActivities } from '../../activities/attempts';
import type { CarrierFactory, PlaceCallResult } from '../../activities/carriers/carrier';
import { upsertAccount } from '../../db/queries/accounts';
import { campaignNumbers, campaigns } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { freshDatabase, type TestDatabase } from '../support/db';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** A campaign of `n` numbers on an account of 600 calls/min whose Twilio connection takes `cps`. */
async function campaignOn(cps: number, n: number): Promise<string> {
  const sid = `cb_${newSid().slice(0, 8)}`;
  await upsertAccount(database.db, {
    sid,
    api_key: `k_${sid}`,
    api_token: 't',
    calling_window: '00:00-24:00',
    calls_per_minute: 600,
    channels: 10,
    carrier: {
      type: 'twilio',
      base_url: 'https://twilio.test',
      account_sid: `AC${newSid().slice(0, 32).padEnd(32, '0')}`,
      auth_token: 'token',
      cps,
    },
  });
  const id = newSid();
  const now = new Date();
  await database.db.insert(campaigns).values({
    id,
    accountSid: sid,
    name: `cb ${id.slice(0, 6)}`,
    callerId: '08012345678',
    url: 'https://flows.example/start',
    retries: { number_of_retries: 1, interval_mins: 1, mechanism: 'Linear', on_status: ['busy'] },
    status: 'InProgress',
    dateCreated: now,
    dateUpdated: now,
    dateStarted: now,
  });
  await database.db.insert(campaignNumbers).values(
    Array.from({ length: n }, (_, position) => ({
      campaignId: id,
      position,
      number: `+9198765432${10 + position}`,
      status: 'pending',
    })),
  );
  return id;
}

/** A carrier answering with `answers` in turn (then accepting), noting when each request arrived. */
function carrier(answers: PlaceCallResult[], at: number[]): CarrierFactory {
  return () => ({
    placeCall: async () => {
      at.push(Date.now());
      return answers.shift() ?? { kind: 'accepted', carrierSid: `CA${newSid()}` };
    },
    lookupCall: async () => ({ kind: 'not_found' }),
  });
}

async function setup(cps: number, n: number, answers: PlaceCallResult[] = []) {
  const cid = await campaignOn(cps, n);
  const at: number[] = [];
  const act = createAttemptActivities({ db: database.db, carriers: carrier(answers, at), publicUrl: 'http://x.test' });
  const grant = async (position: number) => {
    for (let i = 0; i < 20; i++) {
      const b = await act.beginAttempt({ campaignId: cid, position, attemptNumber: 1, nowMs: Date.now() });
      if (b.kind === 'dial') return b;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no grant for position ${position}`);
  };
  return { cid, act, at, grant };
}

describe('§4.5 (ext) a carrier connection has its own calls-per-second ceiling', () => {
  it('spaces dials on a 2-cps connection at least 500 ms apart, though the account allows 100 ms', async () => {
    const { act, at, grant } = await setup(2, 3);
    for (const position of [0, 1, 2]) {
      const b = await grant(position);
      expect(await act.dialAttempt({ callSid: b.callSid })).toMatchObject({ kind: 'accepted' });
    }
    expect(at).toHaveLength(3);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(500);
  });
});

describe('§4.5 (ext) a carrier that says slow down backs its whole connection off', () => {
  it('after a 429 with Retry-After, the next dial on the connection waits without a request or a retry', async () => {
    const { cid, act, at, grant } = await setup(10, 2, [{ kind: 'rate_limited', retryAfterMs: 5_000 }]);
    const first = await grant(0);
    expect(await act.dialAttempt({ callSid: first.callSid })).toEqual({ kind: 'wait', retryInMs: 5_000 });
    const second = await grant(1);
    const out = await act.dialAttempt({ callSid: second.callSid });
    expect(out.kind).toBe('wait');
    expect(out.kind === 'wait' && out.retryInMs).toBeGreaterThan(3_000);
    expect(at).toHaveLength(1);
    // Neither number consumed an attempt's retry: both stay in-progress at their first attempt.
    const rows = await database.db.select().from(campaignNumbers).where(eq(campaignNumbers.campaignId, cid));
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ['in-progress', 1],
      ['in-progress', 1],
    ]);
  });

  it('after a 503, the connection backs off too (Retry-After honoured)', async () => {
    const busy: PlaceCallResult = { kind: 'not_sent', cause: 'HTTP 503', retryAfterMs: 4_000, carrierBusy: true };
    const { act, at, grant } = await setup(10, 2, [busy]);
    const first = await grant(0);
    expect(await act.dialAttempt({ callSid: first.callSid })).toMatchObject({ kind: 'not_sent', retryAfterMs: 4_000 });
    const second = await grant(1);
    const out = await act.dialAttempt({ callSid: second.callSid });
    expect(out.kind === 'wait' && out.retryInMs).toBeGreaterThan(2_000);
    expect(at).toHaveLength(1);
  });
});
