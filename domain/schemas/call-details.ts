/**
 * SPEC §2 call-details query: `offset`, `limit` (20, max 500), `status` (comma list of attempt
 * statuses, any casing, `-`/`_` ignored), `sort_by` (`date_created:asc` default, `date_created:desc`).
 * A live attempt shows as `in-progress` and can be filtered as such.
 */
import { z } from 'zod';
import { ATTEMPT_STATUSES, normaliseStatusToken, type AttemptStatus } from '../attempt-status';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './campaign';
import { lowerCase, queryInt, statusFilter } from './fields';

export const CALL_STATUS_FILTERS = [...ATTEMPT_STATUSES, 'in-progress'] as const;
export type CallStatusFilter = AttemptStatus | 'in-progress';

const BY_TOKEN = new Map<string, CallStatusFilter>(CALL_STATUS_FILTERS.map((s) => [normaliseStatusToken(s), s]));
BY_TOKEN.set('failure', 'failed');

export const CALL_SORTS = ['date_created:asc', 'date_created:desc'] as const;

export const callDetailsQuerySchema = z
  .object({
    offset: queryInt(0),
    limit: queryInt(1),
    status: z.string().optional(),
    sort_by: z
      .preprocess(
        (v) => (v === '' ? undefined : lowerCase(v)),
        z.enum(CALL_SORTS, { error: `must be one of ${CALL_SORTS.join(', ')}` }),
      )
      .default('date_created:asc'),
  })
  .transform((q, ctx) => {
    const statuses = statusFilter(q.status, BY_TOKEN, 'call status', CALL_STATUS_FILTERS, ctx);
    if (statuses === z.NEVER) return z.NEVER;
    return {
      offset: q.offset ?? 0,
      limit: Math.min(q.limit ?? DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT),
      statuses,
      sortBy: q.sort_by,
    };
  });
export type CallDetailsQuery = z.output<typeof callDetailsQuerySchema>;
