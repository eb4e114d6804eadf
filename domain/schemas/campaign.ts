/**
 * SPEC §3 "Creating a campaign": the wire contract of the create body and of the list query string
 * (STYLE G9). Rules that need nothing but the body live here, in field order then cross-field;
 * rules that need the account or the clock (caller id allow-list, schedule vs now, number parsing,
 * throttle headroom) live in `domain/campaign-input.ts`.
 */
import { z } from 'zod';
import { CAMPAIGN_STATUSES, parseCampaignStatusFilter, type CampaignStatus } from '../campaign-status';
import { campaignInputShape } from './campaign-fields';
import { bulkBodySchema } from './envelope';
import { lowerCase, queryInt } from './fields';

export const MAX_FROM_ENTRIES = 5000;
/** SPEC §1: a bulk create body holds at most this many campaigns. */
export const MAX_BULK_CAMPAIGNS = 100;
/** SPEC §3 `lists`: a static campaign takes 1..5 lists, a dynamic one exactly one. */
export const MAX_STATIC_LISTS = 5;

/** Top-level `null` means "not given" on create (clients serialise unset optionals as null). */
const dropNulls = (v: unknown): unknown =>
  v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null))
    : v;

const rule = (ctx: z.core.$RefinementCtx, path: string, message: string, kind = 'invalid_parameter') =>
  ctx.addIssue({ code: 'custom', path: [path], message, params: { kind } });

const campaignCreateObject = z.object(campaignInputShape(), { error: 'must be a JSON object' });

/** Cross-field rules of SPEC §3, in table order. Runs only when every field parsed. */
function crossFieldRules(b: z.output<typeof campaignCreateObject>, ctx: z.core.$RefinementCtx) {
  if (ctx.issues.length > 0) return;
  const hasFrom = b.from !== undefined;
  const hasLists = b.lists !== undefined;
  if (hasFrom && hasLists) return rule(ctx, 'lists', 'give either from or lists, not both');
  if (!hasFrom && !hasLists) return rule(ctx, 'from', 'one of from or lists is required');
  if (hasLists) {
    const n = b.lists!.length;
    if (n === 0) return rule(ctx, 'lists', 'lists must name at least one list');
    if (b.campaign_type === 'dynamic' && n !== 1) {
      return rule(ctx, 'lists', `a dynamic campaign takes exactly one list; lists names ${n}`);
    }
    if (n > MAX_STATIC_LISTS)
      return rule(ctx, 'lists', `lists names ${n} lists; a static campaign takes at most ${MAX_STATIC_LISTS}`);
  } else {
    const count = b.from!.length;
    if (count === 0) return rule(ctx, 'from', 'from must list at least one number');
    if (count > MAX_FROM_ENTRIES)
      return rule(ctx, 'from', `from lists ${count} numbers; at most ${MAX_FROM_ENTRIES} are allowed`);
    if (b.campaign_type === 'dynamic') {
      return rule(ctx, 'campaign_type', 'campaign_type "dynamic" takes exactly one dynamic list in lists, not from');
    }
  }
  const hasUrl = b.url !== undefined;
  const hasText = b.read_via_text !== undefined;
  if (hasUrl && hasText) return rule(ctx, 'url', 'give either url (a flow) or read_via_text (a greeting), not both');
  if (!hasUrl && !hasText) return rule(ctx, 'url', 'one of url (a flow) or read_via_text (a greeting) is required');
  if (b.flow_type === 'ivr' && !hasUrl)
    return rule(ctx, 'flow_type', 'flow_type "ivr" needs url (a flow), not read_via_text');
  if (b.flow_type === 'greeting' && !hasText) {
    return rule(ctx, 'flow_type', 'flow_type "greeting" needs read_via_text, not url');
  }
  if (b.repeat_menu_attempts > 0 && !hasUrl) {
    return rule(
      ctx,
      'repeat_menu_attempts',
      `repeat_menu_attempts ${b.repeat_menu_attempts} needs a flow (url); a greeting has no menu to repeat`,
    );
  }
  if (b.retries && b.retries.number_of_retries > 0 && b.retries.interval_mins == null) {
    return rule(
      ctx,
      'retries.interval_mins',
      `retries.interval_mins is required when retries.number_of_retries is ${b.retries.number_of_retries}`,
    );
  }
  if (b.mode === 'custom' && b.throttle === undefined)
    return rule(ctx, 'throttle', 'throttle is required when mode is "custom"');
  if (b.mode === 'auto' && b.throttle !== undefined) {
    return rule(ctx, 'throttle', `throttle ${b.throttle} is only allowed with mode "custom"; mode is "auto"`);
  }
}

/** One campaign of a create body (flat, or one element of `campaigns`). Unknown fields are dropped. */
export const campaignCreateSchema = z.preprocess(dropNulls, campaignCreateObject.superRefine(crossFieldRules));
export type CampaignCreateBody = z.output<typeof campaignCreateSchema>;

/** The whole POST body: flat, or `{"campaigns": [...]}` [C-1]. */
export const campaignCreateEnvelopeSchema = bulkBodySchema('campaigns');

export const CAMPAIGN_SORTS = ['date_created:asc', 'date_created:desc', 'name:asc', 'name:desc'] as const;
export type CampaignSort = (typeof CAMPAIGN_SORTS)[number];
export const MAX_PAGE_LIMIT = 500;
export const DEFAULT_PAGE_LIMIT = 20;

/**
 * SPEC §2 list query: `offset`/`limit` (limit above 500 clamped), or `page` (1-based)/`page_size`
 * [C-16] — `offset` and `limit` win when both styles are given. `status` is a comma list in any casing.
 */
export const listCampaignsQuerySchema = z
  .object({
    offset: queryInt(0),
    limit: queryInt(1),
    page: queryInt(1),
    page_size: queryInt(1),
    name: z.string().optional(),
    status: z.string().optional(),
    sort_by: z
      .preprocess(
        (v) => (v === '' ? undefined : lowerCase(v)),
        z.enum(CAMPAIGN_SORTS, { error: `must be one of ${CAMPAIGN_SORTS.join(', ')}` }),
      )
      .default('date_created:asc'),
  })
  .transform((q, ctx) => {
    const limit = Math.min(q.limit ?? q.page_size ?? DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT);
    const offset = q.offset ?? (q.page !== undefined ? (q.page - 1) * limit : 0);
    let statuses: CampaignStatus[] | null = null;
    if (q.status !== undefined && q.status.trim() !== '') {
      const parsed = parseCampaignStatusFilter(q.status);
      if (!parsed.ok) {
        rule(
          ctx,
          'status',
          `status "${parsed.invalid}" is not a campaign status; use any of ${CAMPAIGN_STATUSES.join(', ')}`,
        );
        return z.NEVER;
      }
      statuses = parsed.statuses;
    }
    const name = q.name?.trim() ? q.name.trim() : null;
    return { offset, limit, name, statuses, sortBy: q.sort_by };
  });
export type ListCampaignsQuery = z.output<typeof listCampaignsQuerySchema>;
