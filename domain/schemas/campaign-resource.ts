/**
 * SPEC §4.9 the campaign object and §4.10 the call-details record, as the wire shows them. The
 * mappers in `db/queries/campaigns.ts` return these types; the OpenAPI document can use the schemas.
 */
import { z } from 'zod';
import type { CampaignStats } from '../stats';
import { CAMPAIGN_STATUSES } from '../campaign-status';
import { campaignWireShape } from './campaign-fields';
import { instantWire as instant } from './campaign-values';

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
  /** (ext) list campaigns: how far the copy of the lists' numbers is (SPEC §5 snapshot). */
  snapshot: z
    .object({ status: z.enum(['pending', 'copying', 'taken', 'skipped']), copied: count, total: count })
    .optional(),
});

// The stats schema and the domain's CampaignStats must stay the same shape.
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const statsShapeMatches: SameShape<z.infer<typeof campaignStatsSchema>, CampaignStats> = true;
void statsShapeMatches;

/** The campaign object: its id and account, the fields of the field table, status, dates, stats. */
export const campaignResourceSchema = z.object({
  id: z.string(),
  account_sid: z.string(),
  ...campaignWireShape(),
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
