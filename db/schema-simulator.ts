/**
 * SPEC §7 the simulator carrier's tables, in a file of their own beside `db/schema.ts` (which
 * re-exports them, so drizzle-kit and every import see one schema). Timestamps are `timestamptz`.
 */
import { bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** SPEC §7 simulator: the calls it received, kept so lookups and pending callbacks survive a restart. */
export const simCalls = pgTable(
  'sim_calls',
  {
    sid: text('sid').primaryKey(),
    /** Which carrier contract the call came in by: `exotel` (v1 API) or `twilio` (2010-04-01 API). */
    api: text('api').notNull().default('exotel'),
    accountSid: text('account_sid').notNull(),
    to: text('to').notNull(),
    callerId: text('caller_id').notNull(),
    url: text('url'),
    customField: text('custom_field'),
    statusCallback: text('status_callback'),
    attemptNumber: integer('attempt_number').notNull(),
    /** completed | busy | no-answer | failed */
    outcome: text('outcome').notNull(),
    /** queued → in-progress → terminal outcome once the callback is due */
    status: text('status').notNull(),
    duration: integer('duration').notNull().default(0),
    greeting: text('greeting'),
    greetingFetchedAt: ts('greeting_fetched_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    startTime: ts('start_time'),
    endTime: ts('end_time'),
    callbackDueAt: ts('callback_due_at').notNull(),
    callbackSentAt: ts('callback_sent_at'),
    callbackTries: integer('callback_tries').notNull().default(0),
  },
  (t) => [index('sim_calls_to').on(t.to, t.createdAt), index('sim_calls_due').on(t.callbackSentAt, t.callbackDueAt)],
);

/** SPEC §7: requests the simulator refused (numbers ending 000), so tests can see them too. */
export const simRequests = pgTable('sim_requests', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  to: text('to').notNull(),
  httpStatus: integer('http_status').notNull(),
  body: jsonb('body').$type<Record<string, unknown>>().notNull(),
  at: ts('at').notNull().defaultNow(),
});
