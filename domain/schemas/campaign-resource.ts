/**
 * SPEC §4.9 the campaign object and §4.10 the call-details record, as the wire shows them. The
 * mappers in `db/queries/campaigns.ts` return these types; the OpenAPI document can use the schemas.
 */
import { z } from 'zod';
import type { CampaignStats } from '../stats';
import { CAMPAIGN_STATUSES } from '../campaign-status';
import { RETRYABLE_STATUSES } from './campaign';

const count = z.int().min(0);

export const campaignStatsSchema = z.object({
  created: count,
  pending: count,
  'in-progress': count,
  in_progress: count,
  retry: count,
  completed: count,
  failed: count,
  canceled: count,
  suppressed: count,
  busy: count,
  no_answer: count,
});

// The stats schema and the domain's CampaignStats must stay the same shape.
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const statsShapeMatches: SameShape<z.infer<typeof campaignStatsSchema>, CampaignStats> = true;
void statsShapeMatches;

/** RFC 3339 in the account's zone (SPEC §1 "Timestamps"). */
const instant = z.string();

export const campaignResourceSchema = z.object({
  id: z.string(),
  account_sid: z.string(),
  name: z.string(),
  type: z.literal('trans'),
  caller_id: z.string(),
  campaign_type: z.enum(['static', 'dynamic']),
  /** E.164 numbers that will be dialled; omitted in list items. */
  from: z.array(z.string()).optional(),
  lists: z.array(z.string()).nullable(),
  flow_type: z.enum(['ivr', 'greeting']).nullable(),
  url: z.string().nullable(),
  read_via_text: z.string().nullable(),
  repeat_menu_attempts: z.int(),
  retries: z.object({
    number_of_retries: z.int(),
    interval_mins: z.int().nullable(),
    mechanism: z.enum(['Linear', 'Exponential']),
    on_status: z.array(z.enum(RETRYABLE_STATUSES)),
  }),
  schedule: z.object({ send_at: instant.nullable(), end_at: instant.nullable() }),
  call_status_callback: z.string().nullable(),
  call_schedule_callback: z.string().nullable(),
  status_callback: z.string().nullable(),
  mode: z.enum(['auto', 'custom']),
  throttle: z.int().nullable(),
  custom_field: z.unknown(),
  call_duplicate_numbers: z.boolean(),
  status: z.enum(CAMPAIGN_STATUSES),
  date_created: instant,
  date_updated: instant,
  date_started: instant.nullable(),
  date_ended: instant.nullable(),
  uri: z.string(),
  stats: campaignStatsSchema,
});
export type CampaignResource = z.infer<typeof campaignResourceSchema>;

/** SPEC §4.10: one bare record per attempt; Exotel's alternative field names are all present [C-15]. */
export const callRecordSchema = z.object({
  call_sid: z.string(),
  number: z.string(),
  to: z.string(),
  name: z.string().nullable(),
  caller_id: z.string(),
  from: z.string(),
  /** completed | busy | no-answer | failed, or in-progress while the call is live. */
  status: z.string(),
  attempt_number: z.int(),
  reason: z.string().nullable(),
  date_created: instant,
  start_time: instant.nullable(),
  end_time: instant.nullable(),
  duration: z.int(),
  digits: z.string().nullable(),
  digit: z.string().nullable(),
  recording_url: z.string().nullable(),
  direction: z.literal('Outgoing'),
  custom_field: z.unknown(),
});
export type CallRecord = z.infer<typeof callRecordSchema>;
