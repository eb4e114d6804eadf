/**
 * SPEC §1 rate limit tables (part of the schema: db/schema.ts exports them), shared by every API
 * replica and written only through db/queries/api-requests.ts.
 */
import { bigserial, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * SPEC §1 rate limit: one row per counted request (a bulk body's extra elements are one row of
 * `weight` elements), shared by every API replica. Written and expired only by the SQL function
 * `api_rate_hit` (migration 0016_api_rate_counters), which keeps `api_rate_counters` equal to the
 * sum of `weight` in the window.
 */
export const apiRequests = pgTable(
  'api_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    bucket: text('bucket').notNull(),
    at: ts('at').notNull().defaultNow(),
    weight: integer('weight').notNull().default(1),
  },
  (t) => [index('api_requests_bucket_at').on(t.bucket, t.at)],
);

/**
 * SPEC §1 rate limit: per bucket, the requests counted in its window (the sum of `weight` of its
 * `api_requests` rows). The row is also the bucket's lock: every replica's requests for a bucket
 * queue on it, so count-then-insert is exact across replicas in one statement.
 */
export const apiRateCounters = pgTable('api_rate_counters', {
  bucket: text('bucket').primaryKey(),
  n: integer('n').notNull(),
  updatedAt: ts('updated_at').notNull(),
});
