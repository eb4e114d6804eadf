/**
 * SPEC §4.5: the dial gate's and the send spacer's tables, a file of its own beside `db/schema.ts` (which re-exports
 * them, so drizzle-kit and every import see one schema). Timestamps are `timestamptz` instants.
 */
import { boolean, doublePrecision, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * SPEC §4.5 pacing (activities/dial-gate.ts). One row per account (`account:<sid>`): the earliest
 * moment its next slot may be granted and the smoothed time a slot is held. One row per campaign that
 * has asked (`campaign:<id>`): its own next slot (custom campaigns), its throttle, and when it was last
 * granted a slot (the round robin between auto campaigns). The spacer's rows (`send:account:<sid>`,
 * `send:campaign:<id>`) keep the instant the next dial request may leave, on the database clock.
 * Updated under row locks, so the limits hold across every worker process.
 */
export const dialGates = pgTable('dial_gates', {
  key: text('key').primaryKey(),
  nextDialAt: ts('next_dial_at').notNull().defaultNow(),
  lastGrantAt: ts('last_grant_at'),
  holdMs: doublePrecision('hold_ms').notNull().default(0),
  throttle: integer('throttle'),
});

/**
 * SPEC §4.5: one row per attempt at the dial gate, keyed `<campaign>/<position>/<attempt>`. While
 * `granted_at` is null it is a waiter: `order_at` places it among retries (when the retry fell due),
 * `due_at` is when it said it would ask again, `lapse_at` when it is treated as gone. Once granted it
 * is the lease on a channel (staged until `sent_at`, when its dial request leaves), deleted in the
 * transaction that settles the attempt.
 */
export const dialWaiters = pgTable(
  'dial_waiters',
  {
    id: text('id').primaryKey(),
    accountSid: text('account_sid').notNull(),
    campaignId: text('campaign_id').notNull(),
    position: integer('position').notNull(),
    isRetry: boolean('is_retry').notNull(),
    orderAt: ts('order_at').notNull(),
    dueAt: ts('due_at').notNull(),
    lapseAt: ts('lapse_at').notNull(),
    grantedAt: ts('granted_at'),
    /** When the lease's dial request was sent (SPEC §4.5: from then on the call is live); null while staged. */
    sentAt: ts('sent_at'),
  },
  (t) => [index('dial_waiters_account').on(t.accountSid, t.grantedAt)],
);
