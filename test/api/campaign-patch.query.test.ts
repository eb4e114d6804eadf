/**
 * SPEC §4.7: `applyCampaignPatch` against a real database — every patch key lands in its column, a
 * new `from` replaces the numbers, and a rolled-back transaction leaves nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, sql } from 'drizzle-orm';
import { insertCampaign } from '../../db/queries/campaigns';
import { applyCampaignPatch, storedCampaignOf } from '../../db/queries/campaign-update';
import { campaignNumbers, campaigns } from '../../db/schema';
import { prepareCampaign } from '../../domain/campaign-input';
import type { CampaignPatch } from '../../domain/campaign-patch';
import { newSid } from '../../domain/ids';
import { freshDatabase, type TestDatabase } from '../support/db';
import { provisionAccount, type TestAccount } from '../support/api';

let database: TestDatabase;
let acct: TestAccount;

beforeAll(async () => {
  database = await freshDatabase();
  acct = await provisionAccount(database.db);
});
afterAll(async () => {
  await database?.drop();
});

const CREATED_AT = new Date('2025-03-10T10:00:00Z');
const LATER = new Date('2025-03-10T11:00:00Z');

async function aCampaign(body: Record<string, unknown> = {}): Promise<string> {
  const r = prepareCampaign(
    {
      from: ['+919876543210', '+919876543211'],
      caller_id: '08047112233',
      url: 'https://flows.example.com/a',
      custom_field: 'ref-1',
      ...body,
    },
    { sid: acct.sid, timezone: 'Asia/Kolkata', defaultRegion: 'IN', callerIds: null, callsPerMinute: 60 },
    CREATED_AT,
  );
  if (!r.ok) throw new Error(r.error.description);
  const id = newSid();
  await database.db.transaction((tx) =>
    insertCampaign(tx, { id, accountSid: acct.sid, draft: r.draft, now: CREATED_AT }),
  );
  return id;
}

async function read(id: string) {
  const [row] = await database.db.select().from(campaigns).where(eq(campaigns.id, id));
  const numbers = await database.db
    .select()
    .from(campaignNumbers)
    .where(eq(campaignNumbers.campaignId, id))
    .orderBy(asc(campaignNumbers.position));
  return { row: row!, numbers };
}

describe('§4.7 applyCampaignPatch', () => {
  it('writes every field of a patch to its column and sets date_updated', async () => {
    const id = await aCampaign();
    const patch: Required<Omit<CampaignPatch, 'from' | 'lists'>> = {
      name: 'Renamed campaign',
      callerId: '08000000000',
      campaignType: 'static',
      flowType: 'greeting',
      url: null,
      readViaText: 'Hello there',
      repeatMenuAttempts: 0,
      retries: { number_of_retries: 2, interval_mins: 15, mechanism: 'Exponential', on_status: ['busy'] },
      sendAtMs: Date.parse('2025-03-11T03:30:00Z'),
      endAtMs: Date.parse('2025-03-11T12:30:00Z'),
      callStatusCallback: 'https://hooks.example.com/c',
      callScheduleCallback: 'https://hooks.example.com/n',
      statusCallback: 'https://hooks.example.com/s',
      mode: 'custom',
      throttle: 12,
      customField: { order: 7, tags: ['a'] },
      callDuplicateNumbers: true,
    };
    const returned = await database.db.transaction((tx) => applyCampaignPatch(tx, id, patch, LATER));
    const { row } = await read(id);
    expect(returned).toEqual(row);
    expect(row).toMatchObject({
      name: 'Renamed campaign',
      callerId: '08000000000',
      flowType: 'greeting',
      url: null,
      readViaText: 'Hello there',
      retries: patch.retries,
      sendAt: new Date('2025-03-11T03:30:00Z'),
      endAt: new Date('2025-03-11T12:30:00Z'),
      callStatusCallback: 'https://hooks.example.com/c',
      callScheduleCallback: 'https://hooks.example.com/n',
      statusCallback: 'https://hooks.example.com/s',
      mode: 'custom',
      throttle: 12,
      customField: { order: 7, tags: ['a'] },
      callDuplicateNumbers: true,
      dateCreated: CREATED_AT,
      dateUpdated: LATER,
      status: 'Created',
    });
  });

  it('leaves absent keys alone and clears null ones (custom_field to SQL NULL)', async () => {
    const id = await aCampaign({
      schedule: { end_at: '2099-01-01T00:00:00Z' },
      status_callback: 'https://hooks.example.com/s',
    });
    await database.db.transaction((tx) =>
      applyCampaignPatch(tx, id, { endAtMs: null, customField: null, statusCallback: null }, LATER),
    );
    const { row } = await read(id);
    expect(row).toMatchObject({
      endAt: null,
      customField: null,
      statusCallback: null,
      name: expect.any(String),
      url: 'https://flows.example.com/a',
    });
    const [isNull] = await database.db.execute<{ n: boolean }>(
      sql`select custom_field is null as n from campaigns where id = ${id}`,
    );
    expect(isNull?.n).toBe(true);
  });

  it('replaces the numbers with a new from, positions 0.., pending, in batches', async () => {
    const id = await aCampaign();
    const from = Array.from({ length: 2500 }, (_, i) => `+9198${String(10_000_000 + i).padStart(8, '0')}`);
    await database.db.transaction((tx) => applyCampaignPatch(tx, id, { from }, LATER));
    const { row, numbers } = await read(id);
    expect(row.from).toEqual(from);
    expect(row.lists).toBeNull();
    expect(numbers).toHaveLength(2500);
    expect(numbers.map((n) => n.position)).toEqual(from.map((_, i) => i));
    expect(numbers.map((n) => n.number)).toEqual(from);
    expect(new Set(numbers.map((n) => n.status))).toEqual(new Set(['pending']));
  });

  it('switches to lists: from cleared, numbers removed until the snapshot at start', async () => {
    const id = await aCampaign();
    await database.db.transaction((tx) => applyCampaignPatch(tx, id, { lists: ['list_a'] }, LATER));
    const { row, numbers } = await read(id);
    expect(row).toMatchObject({ lists: ['list_a'], from: null });
    expect(numbers).toEqual([]);
  });

  it('writes nothing when the transaction rolls back', async () => {
    const id = await aCampaign();
    const before = await read(id);
    await expect(
      database.db.transaction(async (tx) => {
        await applyCampaignPatch(tx, id, { name: 'Never seen', from: ['+919876543299'] }, LATER);
        throw new Error('the action failed after the patch');
      }),
    ).rejects.toThrow('the action failed');
    expect(await read(id)).toEqual(before);
  });

  it('returns undefined for an unknown campaign', async () => {
    expect(
      await database.db.transaction((tx) => applyCampaignPatch(tx, newSid(), { name: 'Nobody' }, LATER)),
    ).toBeUndefined();
  });

  it('round-trips with storedCampaignOf: a patched row reads back as the patched fields', async () => {
    const id = await aCampaign();
    await database.db.transaction((tx) =>
      applyCampaignPatch(tx, id, { name: 'Round trip', sendAtMs: Date.parse('2025-03-12T00:00:00Z') }, LATER),
    );
    const stored = storedCampaignOf((await read(id)).row);
    expect(stored.fields).toMatchObject({
      name: 'Round trip',
      sendAt: new Date('2025-03-12T00:00:00Z'),
      numbers: ['+919876543210', '+919876543211'],
      lists: null,
    });
    expect(stored.state).toEqual({
      status: 'Created',
      started: false,
      sendAtMs: Date.parse('2025-03-12T00:00:00Z'),
      closing: false,
    });
  });
});
