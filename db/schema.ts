/**
 * The read model (ARCHITECTURE "Where the card leaves room"): PostgreSQL tables written by activities
 * and the API. The workflows decide what happens next; these rows are what clients read.
 * Timestamps are `timestamptz` instants; rendering in the account's zone happens in the mappers.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export { webhookDeliveries } from './schema-webhooks';
export { simCalls, simRequests } from './schema-simulator';
export { dialGates, dialWaiters } from './schema-dial-gate';
// The SPEC §1 rate limit's tables, in a file of their own; exported here so the schema is one module.
export * from './schema-rate-limit';
import type { CarrierConfig } from './schema-carrier';
export type { CarrierConfig, CarrierPacing, TwilioCarrierConfig } from './schema-carrier';

/** SPEC §7: an account, its limits, its window and its carrier. */
export const accounts = pgTable('accounts', {
  sid: text('sid').primaryKey(),
  apiKey: text('api_key').notNull().unique(),
  /** SHA-256 hex of the API token; the token itself is never stored. */
  apiTokenHash: text('api_token_hash').notNull(),
  callsPerMinute: integer('calls_per_minute').notNull().default(60),
  channels: integer('channels').notNull().default(60),
  apiRequestsPerMinute: integer('api_requests_per_minute').notNull().default(200),
  timezone: text('timezone').notNull().default('Asia/Kolkata'),
  callingWindow: text('calling_window').notNull().default('10:30-21:00'),
  /** ISO weekday numbers 1 (Mon) .. 7 (Sun). */
  callingDays: jsonb('calling_days')
    .$type<number[]>()
    .notNull()
    .default(sql`'[1,2,3,4,5,6,7]'::jsonb`),
  recipientLocalTime: boolean('recipient_local_time').notNull().default(false), // SPEC §4.4 (ext), recipient-window.ts
  defaultRegion: text('default_region').notNull().default('IN'),
  callerIds: jsonb('caller_ids').$type<string[] | null>(),
  /** `{ type: 'simulator' }`, `{ type: 'exotel', baseUrl, sid, apiKey, apiToken }` or a Twilio account. */
  carrier: jsonb('carrier')
    .$type<CarrierConfig>()
    .notNull()
    .default(sql`'{"type":"simulator"}'::jsonb`),
  ringTimeoutS: integer('ring_timeout_s').notNull().default(30),
  callTimeLimitS: integer('call_time_limit_s').notNull().default(3600),
  webhookSecret: text('webhook_secret').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** SPEC §4.9: one row per campaign. `stats` are derived from `campaign_numbers`, never stored. */
export const campaigns = pgTable(
  'campaigns',
  {
    id: text('id').primaryKey(),
    accountSid: text('account_sid')
      .notNull()
      .references(() => accounts.sid),
    name: text('name').notNull(),
    type: text('type').notNull().default('trans'),
    callerId: text('caller_id').notNull(),
    campaignType: text('campaign_type').notNull().default('static'),
    from: jsonb('from').$type<string[] | null>(),
    lists: jsonb('lists').$type<string[] | null>(),
    flowType: text('flow_type'),
    url: text('url'),
    readViaText: text('read_via_text'),
    repeatMenuAttempts: integer('repeat_menu_attempts').notNull().default(0),
    retries: jsonb('retries').$type<RetriesColumn>().notNull(),
    sendAt: ts('send_at'),
    endAt: ts('end_at'),
    callStatusCallback: text('call_status_callback'),
    callScheduleCallback: text('call_schedule_callback'),
    statusCallback: text('status_callback'),
    mode: text('mode').notNull().default('auto'),
    throttle: integer('throttle'),
    /** Echoed as given: a string or any JSON value. */
    customField: jsonb('custom_field').$type<unknown>(),
    callDuplicateNumbers: boolean('call_duplicate_numbers').notNull().default(false),
    status: text('status').notNull(),
    dateCreated: ts('date_created').notNull(),
    dateUpdated: ts('date_updated').notNull(),
    dateStarted: ts('date_started'),
    dateEnded: ts('date_ended'),
    /** When the campaign last entered `Paused` (SPEC §4.6 expiry counts from it). */
    pausedAt: ts('paused_at'),
    /**
     * Set when a drain begins (SPEC §4.1 "Ending is a drain"): the terminal status it will end in.
     * From then on no attempt starts and a settling call is final, whatever its outcome.
     */
    closing: text('closing'),
    /** Why the campaign ended, when it was not simply done (e.g. an account-level carrier error). */
    endReason: text('end_reason'),
    /**
     * SPEC §4.1: dials in a row that the carrier refused for the caller id (reset by any other
     * answer); at `CALLER_ID_REFUSAL_LIMIT` the campaign fails as on an account-level error.
     */
    callerIdRefusals: integer('caller_id_refusals').notNull().default(0),
    /**
     * List campaigns (SPEC §3/§5): the numbers its lists held when last counted (create, PUT of `lists`,
     * snapshot start), shown by `stats` until they are in `campaign_numbers`; null with `from`.
     */
    listNumbers: integer('list_numbers'),
    /** Numbers the snapshot under way has copied so far; null when none is under way. */
    snapshotCopied: integer('snapshot_copied'),
    /** When the list numbers in `campaign_numbers` were written (a preview at create, the snapshot at start). */
    snapshotAt: ts('snapshot_at'),
  },
  (t) => [index('campaigns_account_created').on(t.accountSid, t.dateCreated)],
);

export interface RetriesColumn {
  number_of_retries: number;
  interval_mins: number | null;
  mechanism: 'Linear' | 'Exponential';
  on_status: Array<'busy' | 'no-answer' | 'failed'>;
}

/**
 * SPEC §4.2: one row per number of a campaign, in `from`/list order (`position` from 0).
 * `status` ∈ pending | in-progress | retry | completed | failed | canceled | suppressed.
 */
export const campaignNumbers = pgTable(
  'campaign_numbers',
  {
    /** No foreign key (campaigns are never deleted; a big snapshot would check each row): docs/architecture.md. */
    campaignId: text('campaign_id').notNull(),
    position: integer('position').notNull(),
    number: text('number').notNull(),
    name: text('name'),
    /** The contact this number came from (list campaigns), snapshotted at start. */
    contactSid: text('contact_sid'),
    /** Template variables of this number (standard and dynamic columns), snapshotted at start. */
    vars: jsonb('vars').$type<Record<string, string>>(),
    status: text('status').notNull(),
    reason: text('reason'),
    attempts: integer('attempts').notNull().default(0),
    lastStatus: text('last_status'),
    lastDuration: integer('last_duration'),
    firstAttemptAt: ts('first_attempt_at'),
    lastAttemptAt: ts('last_attempt_at'),
    nextAttemptAt: ts('next_attempt_at'),
    /**
     * Set while the number is handed back to its paused campaign: the attempt to resume at. The
     * campaign claims these rows on resume (workflows/campaign.ts), so a pause never grows its state.
     */
    heldAttempt: integer('held_attempt'),
    dateUpdated: ts('date_updated').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.position] }),
    index('campaign_numbers_status').on(t.campaignId, t.status),
    index('campaign_numbers_held')
      .on(t.campaignId, t.position)
      .where(sql`${t.heldAttempt} is not null`),
  ],
);

/**
 * SPEC §4.9 stats, kept by triggers on `campaign_numbers` (migrations 0007_campaign_stat_triggers and
 * 0008_campaign_stat_deferred): for each campaign, how many of its numbers are in each (status, last
 * attempt status), in 16 stripes by position. Each statement appends its changes to the unlogged
 * `campaign_stat_deltas` (raw SQL only), folded in here when its transaction commits, so a read is
 * exact and costs a few rows, not a scan of 500,000, and these shared rows are only ever locked last.
 * `last_status` is '' for none (a primary key column cannot be null).
 */
export const campaignStatCounts = pgTable(
  'campaign_stat_counts',
  {
    campaignId: text('campaign_id').notNull(),
    stripe: integer('stripe').notNull(),
    status: text('status').notNull(),
    lastStatus: text('last_status').notNull(),
    n: bigint('n', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.stripe, t.status, t.lastStatus] })],
);

/**
 * SPEC §7 "at most once per attempt": the attempt row is committed before the carrier is called.
 * `dialStartedAt` claims the dial; `sendingAt` is set just before the request is handed over, so a
 * claim without it never left (dialled again) and one with it may have (settled by callback or lookup).
 * `sentAt`: when it left, or may have (SPEC §4.10 `date_created`); call-details list only rows with it.
 * `status` null while the call is live; set once, when settled.
 */
export const attempts = pgTable(
  'attempts',
  {
    callSid: text('call_sid').primaryKey(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    position: integer('position').notNull(),
    attemptNumber: integer('attempt_number').notNull(),
    number: text('number').notNull(),
    callerId: text('caller_id').notNull(),
    /** Per-attempt token in the carrier's callback URL; looked up by its SHA-256 (`attempts_token_sha256`). */
    token: text('token').notNull().unique(),
    carrierSid: text('carrier_sid'),
    dialStartedAt: ts('dial_started_at'),
    sendingAt: ts('sending_at'),
    sentAt: ts('sent_at'),
    status: text('status'),
    reason: text('reason'),
    dateCreated: ts('date_created').notNull(),
    startTime: ts('start_time'),
    endTime: ts('end_time'),
    duration: integer('duration'),
    digits: text('digits'),
    recordingUrl: text('recording_url'),
    settledAt: ts('settled_at'),
  },
  (t) => [
    uniqueIndex('attempts_number_attempt').on(t.campaignId, t.position, t.attemptNumber),
    index('attempts_campaign_created').on(t.campaignId, t.dateCreated),
    index('attempts_token_sha256').using('btree', sql`sha256(${t.token}::bytea)`),
    index('attempts_campaign_sent').on(t.campaignId, t.sentAt),
  ],
);

/** SPEC §5: contact lists. `type` is fixed by the first upload; `columns` is the union of uploads' headers. */
export const lists = pgTable(
  'lists',
  {
    sid: text('sid').primaryKey(),
    accountSid: text('account_sid')
      .notNull()
      .references(() => accounts.sid),
    name: text('name').notNull(),
    tag: text('tag'),
    /** static | dynamic | null (no upload yet) */
    type: text('type'),
    columns: jsonb('columns')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    dateCreated: ts('date_created').notNull().defaultNow(),
    dateUpdated: ts('date_updated').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('lists_account_name').on(t.accountSid, t.name)],
);

/** SPEC §5: one contact per account and E.164 number, reused across lists. */
export const contacts = pgTable(
  'contacts',
  {
    sid: text('sid').primaryKey(),
    /** No foreign key (accounts are never deleted; an import would check each row): docs/architecture.md. */
    accountSid: text('account_sid').notNull(),
    number: text('number').notNull(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    companyName: text('company_name'),
    email: text('email'),
    tag: text('tag'),
    custom: jsonb('custom').$type<unknown>(),
    dateCreated: ts('date_created').notNull().defaultNow(),
    dateUpdated: ts('date_updated').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('contacts_account_number').on(t.accountSid, t.number)],
);

/**
 * SPEC §5: a contact's place in a list, in insertion order, with the row's dynamic columns. No
 * foreign keys: every writer locks the list row and the contacts it references instead, once per
 * batch rather than once per row, and list and contact deletes wait for those locks
 * (docs/architecture.md "Contacts, lists and the CSV import").
 */
export const listMemberships = pgTable(
  'list_memberships',
  {
    listSid: text('list_sid').notNull(),
    contactSid: text('contact_sid').notNull(),
    /** Insertion order within the list; campaigns dial in this order. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    vars: jsonb('vars').$type<Record<string, string>>(),
    dateCreated: ts('date_created').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.listSid, t.contactSid] }), index('list_memberships_order').on(t.listSid, t.seq)],
);

/** SPEC §5: an asynchronous CSV upload, its counters and its first 1,000 failures. */
export const csvUploads = pgTable('csv_uploads', {
  id: text('id').primaryKey(),
  accountSid: text('account_sid')
    .notNull()
    .references(() => accounts.sid),
  listSid: text('list_sid')
    .notNull()
    .references(() => lists.sid),
  type: text('type').notNull(),
  fileName: text('file_name'),
  sizeBytes: integer('size_bytes').notNull().default(0),
  /** processing | completed | failed */
  status: text('status').notNull(),
  totalRecords: integer('total_records').notNull().default(0),
  successCount: integer('success_count').notNull().default(0),
  duplicateCount: integer('duplicate_count').notNull().default(0),
  failureCount: integer('failure_count').notNull().default(0),
  progress: integer('progress_permille').notNull().default(0),
  failures: jsonb('failures')
    .$type<Array<{ row: number; number: string; reason: string }>>()
    .notNull()
    .default(sql`'[]'::jsonb`),
  error: text('error'),
  dateCreated: ts('date_created').notNull().defaultNow(),
  dateCompleted: ts('date_completed'),
});

/** The uploaded file itself, in chunks, so any API or worker process can stream it back. */
export const csvUploadChunks = pgTable(
  'csv_upload_chunks',
  {
    uploadId: text('upload_id')
      .notNull()
      .references(() => csvUploads.id),
    seq: integer('seq').notNull(),
    data: text('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.uploadId, t.seq] })],
);

/**
 * SPEC §1 (ext) `Idempotency-Key` on POST: the first request with a key (per account) runs and its
 * answer is kept for 24 h; a repeat with the same fingerprint gets that answer, a different one 409.
 * `owner` marks the request running it until it answers (or `locked_until` passes: it crashed).
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    accountSid: text('account_sid').notNull(),
    key: text('key').notNull(),
    owner: text('owner').notNull(),
    /** SHA-256 hex of the method, path with query, and body; set with the answer. */
    fingerprint: text('fingerprint'),
    /** The first answer; null while its request runs. */
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    responseType: text('response_type'),
    lockedUntil: ts('locked_until').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountSid, t.key] }), index('idempotency_keys_expires').on(t.expiresAt)],
);

/**
 * SPEC §7 (ext) the account's do-not-call list: E.164 numbers, checked when a campaign's numbers are
 * created or snapshotted (`suppressed`, reason `dnc`). `source`: `api` or `csv_upload`.
 */
export const dncNumbers = pgTable(
  'dnc_numbers',
  {
    accountSid: text('account_sid')
      .notNull()
      .references(() => accounts.sid),
    number: text('number').notNull(),
    source: text('source').notNull(),
    dateCreated: ts('date_created').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.accountSid, t.number] }),
    index('dnc_numbers_account_created').on(t.accountSid, t.dateCreated, t.number),
  ],
);
