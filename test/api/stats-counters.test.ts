/**
 * SPEC §4.9 stats read from counters that triggers keep beside `campaign_numbers`: after inserts,
 * status changes, changes of other columns, deletes, a snapshot replacing every number and many
 * concurrent transactions moving numbers in opposite directions, the counters equal a count of
 * the rows themselves, inside a transaction and after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { campaignNumbers, campaigns } from '../../db/schema';
import { campaignStats, scannedStats, statsByCampaign } from '../../db/queries/stats';
import { newSid } from '../../domain/ids';
import { freshDatabase, type TestDatabase } from '../support/db';
import { provisionAccount } from '../support/api';

let database: TestDatabase;
let accountSid: string;
beforeAll(async () => {
  database = await freshDatabase();
  accountSid = (await provisionAccount(database.db)).sid;
});
afterAll(async () => {
  await database?.drop();
});

async function campaignWith(n: number): Promise<string> {
  const id = newSid();
  const now = new Date();
  await database.db.insert(campaigns).values({
    id,
    accountSid,
    name: 'counted',
    callerId: '0801',
    retries: { number_of_retries: 0, interval_mins: null, mechanism: 'Linear', on_status: ['busy'] },
    status: 'InProgress',
    dateCreated: now,
    dateUpdated: now,
  });
  await database.db.insert(campaignNumbers).values(
    Array.from({ length: n }, (_, position) => ({
      campaignId: id,
      position,
      number: `+9198000${String(position).padStart(5, '0')}`,
      status: 'pending',
    })),
  );
  return id;
}

const at = (id: string, positions: number[]) =>
  and(eq(campaignNumbers.campaignId, id), inArray(campaignNumbers.position, positions));

describe('§4.9 stats counters', () => {
  it('follow inserts, status changes, other updates and deletes', async () => {
    const id = await campaignWith(40);
    expect(await campaignStats(database.db, id)).toMatchObject({ created: 40, pending: 40 });
    await database.db
      .update(campaignNumbers)
      .set({ status: 'in-progress', attempts: 1 })
      .where(at(id, [0, 1, 2, 3, 4, 5]));
    await database.db
      .update(campaignNumbers)
      .set({ status: 'failed', lastStatus: 'busy' })
      .where(at(id, [0, 1]));
    await database.db
      .update(campaignNumbers)
      .set({ status: 'failed', lastStatus: 'no-answer' })
      .where(at(id, [2]));
    await database.db
      .update(campaignNumbers)
      .set({ status: 'completed', lastStatus: 'completed' })
      .where(at(id, [3]));
    // Columns that are not counted change nothing.
    await database.db
      .update(campaignNumbers)
      .set({ heldAttempt: 2, dateUpdated: new Date(), name: 'x' })
      .where(eq(campaignNumbers.campaignId, id));
    expect(await campaignStats(database.db, id)).toEqual(await scannedStats(database.db, id));
    expect(await campaignStats(database.db, id)).toMatchObject({
      created: 40,
      pending: 34,
      'in-progress': 2,
      in_progress: 2,
      failed: 3,
      completed: 1,
      busy: 2,
      no_answer: 1,
    });
    await database.db.delete(campaignNumbers).where(at(id, [39, 38]));
    expect(await campaignStats(database.db, id)).toEqual(await scannedStats(database.db, id));
    expect((await campaignStats(database.db, id)).created).toBe(38);
  });

  it('follow a snapshot that replaces every number, inside the transaction and after it', async () => {
    const id = await campaignWith(25);
    await database.db.transaction(async (tx) => {
      await tx.delete(campaignNumbers).where(eq(campaignNumbers.campaignId, id));
      await tx.execute(
        sql`insert into campaign_numbers (campaign_id, position, number, status)
            select ${id}, g, '+91' || g, 'pending' from generate_series(0, 9999) g`,
      );
      expect(await campaignStats(tx, id)).toMatchObject({ created: 10_000, pending: 10_000 });
      // Not visible outside until the commit.
      expect((await campaignStats(database.db, id)).created).toBe(25);
    });
    expect(await campaignStats(database.db, id)).toMatchObject({ created: 10_000, pending: 10_000 });
    await database.db
      .update(campaignNumbers)
      .set({ status: 'canceled', reason: 'campaign_ended' })
      .where(eq(campaignNumbers.campaignId, id));
    expect(await campaignStats(database.db, id)).toEqual(await scannedStats(database.db, id));
    expect((await campaignStats(database.db, id)).canceled).toBe(10_000);
  });

  it('stay exact, without deadlocks, under concurrent transactions moving numbers both ways', async () => {
    const id = await campaignWith(64);
    await database.db
      .update(campaignNumbers)
      .set({ status: 'retry', lastStatus: 'busy' })
      .where(sql`${campaignNumbers.campaignId} = ${id} and ${campaignNumbers.position} < 32`);
    await database.db
      .update(campaignNumbers)
      .set({ status: 'in-progress', lastStatus: 'busy' })
      .where(sql`${campaignNumbers.campaignId} = ${id} and ${campaignNumbers.position} >= 32`);
    // Transaction i moves a retry to in-progress and an in-progress number to retry (one stripe,
    // positions i and i + 32), half of them in the opposite order: the counter rows they share are
    // locked at commit in key order, so none waits for another in a cycle.
    const flips = Array.from({ length: 32 }, (_, i) =>
      database.db.transaction(async (tx) => {
        const flip = async (position: number) => {
          const [row] = await tx
            .select({ status: campaignNumbers.status })
            .from(campaignNumbers)
            .where(at(id, [position]));
          await tx
            .update(campaignNumbers)
            .set({ status: row!.status === 'retry' ? 'in-progress' : 'retry' })
            .where(at(id, [position]));
        };
        const [a, b] = i % 2 === 0 ? [i, i + 32] : [i + 32, i];
        await flip(a);
        await new Promise((r) => setTimeout(r, 5));
        await flip(b);
      }),
    );
    await Promise.all(flips);
    expect(await campaignStats(database.db, id)).toEqual(await scannedStats(database.db, id));
    expect(await campaignStats(database.db, id)).toMatchObject({ created: 64, retry: 32, 'in-progress': 32 });
    // The counters are taken at commit, after every other lock: a transaction that locks a shared row
    // and then moves a number, racing one that moves a number and then locks that row (the dial
    // gate's pattern in beginAttempt and settleAttempt), cannot deadlock on them.
    await database.db.execute(sql`insert into dial_gates (key) values (${`test:${id}`}) on conflict do nothing`);
    const gateFirst = (position: number) =>
      database.db.transaction(async (tx) => {
        await tx.execute(sql`select key from dial_gates where key = ${`test:${id}`} for update`);
        await new Promise((r) => setTimeout(r, 5));
        await tx
          .update(campaignNumbers)
          .set({ status: 'completed', lastStatus: 'completed' })
          .where(at(id, [position]));
      });
    const numberFirst = (position: number) =>
      database.db.transaction(async (tx) => {
        await tx
          .update(campaignNumbers)
          .set({ status: 'failed', lastStatus: 'busy' })
          .where(at(id, [position]));
        await new Promise((r) => setTimeout(r, 5));
        await tx.execute(sql`update dial_gates set hold_ms = hold_ms + 1 where key = ${`test:${id}`}`);
      });
    await Promise.all(Array.from({ length: 32 }, (_, i) => (i % 2 === 0 ? gateFirst(i) : numberFirst(i))));
    expect(await campaignStats(database.db, id)).toEqual(await scannedStats(database.db, id));
    expect(await campaignStats(database.db, id)).toMatchObject({ created: 64, completed: 16, failed: 16 });
    const many = await statsByCampaign(database.db, [id, newSid()]);
    expect([...many.values()].map((s) => s.created)).toEqual([64, 0]);
  });
});
