/**
 * SPEC §6.2: the webhook outbox and delivery log, its own file beside `db/schema.ts` (which re-exports
 * it, so drizzle-kit and every import see one schema). Timestamps are `timestamptz` instants.
 */
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** SPEC §6.2: the webhook outbox and delivery log. One row per event; the URL is fixed at emission. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    accountSid: text('account_sid').notNull(),
    campaignId: text('campaign_id').notNull(),
    /** call_status | call_schedule | status */
    kind: text('kind').notNull(),
    url: text('url').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** pending | delivered | abandoned */
    status: text('status').notNull().default('pending'),
    tries: integer('tries').notNull().default(0),
    lastError: text('last_error'),
    lastHttpStatus: integer('last_http_status'),
    createdAt: ts('created_at').notNull().defaultNow(),
    deliveredAt: ts('delivered_at'),
    /** When the last POST was tried (delivered or not). */
    lastTriedAt: ts('last_tried_at'),
    /** When the retry schedule sends the next try of a pending delivery (SPEC §6.2); null otherwise. */
    nextTryAt: ts('next_try_at'),
    /** How many times an operator has replayed it (`POST .../webhook-deliveries/{id}/replay`). */
    replays: integer('replays').notNull().default(0),
  },
  (t) => [
    index('webhook_deliveries_campaign').on(t.campaignId, t.createdAt),
    // `/metrics` reads the undelivered and the abandoned at every scrape; both sets stay small.
    index('webhook_deliveries_pending')
      .on(t.createdAt)
      .where(sql`${t.status} = 'pending'`),
    index('webhook_deliveries_abandoned')
      .on(t.createdAt)
      .where(sql`${t.status} = 'abandoned'`),
  ],
);
