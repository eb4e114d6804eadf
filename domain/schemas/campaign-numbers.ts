/**
 * SPEC §2 (ext) `GET /campaigns/{id}/numbers`: one item per number of the campaign, filtered by number
 * status (comma list, any casing, `-`/`_` ignored), paged by `offset`/`limit` (20, clamped to 500).
 */
import { z } from 'zod';
import { NUMBER_STATUSES, normaliseStatusToken, type NumberStatus } from '../attempt-status';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './campaign';
import { queryInt } from './fields';

const BY_TOKEN = new Map<string, NumberStatus>(NUMBER_STATUSES.map((s) => [normaliseStatusToken(s), s]));

export const campaignNumbersQuerySchema = z
  .object({ offset: queryInt(0), limit: queryInt(1), status: z.string().optional() })
  .transform((q, ctx) => {
    const statuses: NumberStatus[] = [];
    for (const part of (q.status ?? '').split(',')) {
      const token = part.trim();
      if (token === '') continue;
      const status = BY_TOKEN.get(normaliseStatusToken(token));
      if (!status) {
        ctx.addIssue({
          code: 'custom',
          path: ['status'],
          message: `status "${token}" is not a number status; use any of ${NUMBER_STATUSES.join(', ')}`,
          params: { kind: 'invalid_parameter' },
        });
        return z.NEVER;
      }
      if (!statuses.includes(status)) statuses.push(status);
    }
    return {
      offset: q.offset ?? 0,
      limit: Math.min(q.limit ?? DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT),
      statuses: statuses.length > 0 ? statuses : null,
    };
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
