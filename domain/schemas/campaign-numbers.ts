/**
 * SPEC §2 (ext) `GET /campaigns/{id}/numbers`: one item per number of the campaign, filtered by number
 * status (comma list, any casing, `-`/`_` ignored), paged by `offset`/`limit` (20, clamped to 500).
 */
import { z } from 'zod';
import { NUMBER_STATUSES, normaliseStatusToken, type NumberStatus } from '../attempt-status';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './campaign';
import { queryInt, statusFilter } from './fields';

const BY_TOKEN = new Map<string, NumberStatus>(NUMBER_STATUSES.map((s) => [normaliseStatusToken(s), s]));

export const campaignNumbersQuerySchema = z
  .object({ offset: queryInt(0), limit: queryInt(1), status: z.string().optional() })
  .transform((q, ctx) => {
    const statuses = statusFilter(q.status, BY_TOKEN, 'number status', NUMBER_STATUSES, ctx);
    if (statuses === z.NEVER) return z.NEVER;
    return { offset: q.offset ?? 0, limit: Math.min(q.limit ?? DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT), statuses };
  });
export type CampaignNumbersQuery = z.output<typeof campaignNumbersQuerySchema>;

const instant = z.string();

export const campaignNumberResourceSchema = z.object({
  position: z.int(),
  number: z.string(),
  name: z.string().nullable(),
  contact_sid: z.string().nullable(),
  status: z.enum(NUMBER_STATUSES),
  attempts: z.int(),
  last_status: z.string().nullable(),
  next_attempt_at: instant.nullable(),
  reason: z.string().nullable(),
});
export type CampaignNumberResource = z.infer<typeof campaignNumberResourceSchema>;
