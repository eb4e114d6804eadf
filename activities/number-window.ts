/**
 * The read-model side of the campaign's number window (workflows/number-window.ts): pages of numbers
 * to start, and numbers handed back by a pause. The database is the queue, so the campaign workflow
 * holds no more than one page at a time, whatever the campaign's size.
 */
import { and, asc, eq, gte, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { campaignNumbers } from '../db/schema';

export interface NumberWindowDeps {
  db: Db;
}

export interface LoadNumberPageInput {
  campaignId: string;
  /** First position to consider; numbers before it were started by an earlier page. */
  fromPosition: number;
  limit: number;
}
export interface LoadNumberPageOutput {
  numbers: Array<{ position: number; number: string }>;
}

export interface MarkNumberHeldInput {
  campaignId: string;
  position: number;
  /** The attempt the number was about to make when the pause stopped it. */
  attempt: number;
}

export interface ClaimHeldNumbersInput {
  campaignId: string;
  limit: number;
}
export interface ClaimHeldNumbersOutput {
  /** Held rows claimed (each one a hand-back the campaign counted). */
  claimed: number;
  /** The claimed numbers that may still be dialled, to restart. */
  numbers: Array<{ position: number; attempt: number; number: string }>;
}

/** Numbers that may still be dialled: a held row of a number that has since become final is not restarted. */
const OPEN_STATUSES = ['pending', 'retry', 'in-progress'];

export function createNumberWindowActivities(deps: NumberWindowDeps) {
  const { db } = deps;
  return {
    /** The next `limit` not-yet-started numbers at or after `fromPosition`, in position order. */
    async loadNumberPage(input: LoadNumberPageInput): Promise<LoadNumberPageOutput> {
      const numbers = await db
        .select({ position: campaignNumbers.position, number: campaignNumbers.number })
        .from(campaignNumbers)
        .where(
          and(
            eq(campaignNumbers.campaignId, input.campaignId),
            gte(campaignNumbers.position, input.fromPosition),
            eq(campaignNumbers.status, 'pending'),
          ),
        )
        .orderBy(asc(campaignNumbers.position))
        .limit(input.limit);
      return { numbers };
    },

    /**
     * Records that a number handed itself back to its paused campaign, at `attempt`. Called by the
     * number after it has told the campaign, so a campaign that claims the row has always counted it.
     */
    async markNumberHeld(input: MarkNumberHeldInput): Promise<void> {
      await db
        .update(campaignNumbers)
        .set({ heldAttempt: input.attempt })
        .where(and(eq(campaignNumbers.campaignId, input.campaignId), eq(campaignNumbers.position, input.position)));
    },

    /**
     * Claims up to `limit` held numbers (retries first, each in position order) for restart: their
     * marks are cleared in the same statement, so a number is restarted by one claim only. Held rows
     * of numbers that became final meanwhile are cleared and not returned.
     */
    async claimHeldNumbers(input: ClaimHeldNumbersInput): Promise<ClaimHeldNumbersOutput> {
      return db.transaction(async (tx) => {
        const rows = await tx
          .select({
            position: campaignNumbers.position,
            attempt: campaignNumbers.heldAttempt,
            number: campaignNumbers.number,
            status: campaignNumbers.status,
          })
          .from(campaignNumbers)
          .where(and(eq(campaignNumbers.campaignId, input.campaignId), isNotNull(campaignNumbers.heldAttempt)))
          // SPEC §4.5: held retries restart before held first attempts (each in position order).
          .orderBy(sql`${campaignNumbers.heldAttempt} > 1 desc`, asc(campaignNumbers.position))
          .limit(input.limit)
          .for('update');
        if (rows.length > 0) {
          await tx
            .update(campaignNumbers)
            .set({ heldAttempt: sql`null` })
            .where(
              and(
                eq(campaignNumbers.campaignId, input.campaignId),
                inArray(
                  campaignNumbers.position,
                  rows.map((r) => r.position),
                ),
              ),
            );
        }
        return {
          claimed: rows.length,
          numbers: rows
            .filter((r) => OPEN_STATUSES.includes(r.status))
            .map((r) => ({ position: r.position, attempt: r.attempt!, number: r.number })),
        };
      });
    },
  };
}
