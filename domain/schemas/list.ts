/**
 * SPEC §2/§5 lists: the wire contract of list bodies, queries and resources (STYLE G9). Bodies are
 * flat or Exotel's bulk `{"lists": [...]}` [C-1]; adding contacts takes `contact_references`.
 */
import { z } from 'zod';
import { bulkBodySchema } from './envelope';
import { lowerCase, queryInt } from './fields';

/** SPEC §2: bulk rename, add-to-list and the contacts bulk calls take at most this many elements. */
export const MAX_BULK_ITEMS = 5000;
export const MAX_LIST_PAGE_LIMIT = 500;
export const DEFAULT_LIST_PAGE_LIMIT = 20;

const name = z
  .string({ error: (iss) => (iss.input === undefined ? undefined : 'must be a string') })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters' });
const tag = z
  .string({ error: 'must be a string' })
  .trim()
  .max(255, { error: 'must be at most 255 characters' })
  .nullish();
const sid = z
  .string({ error: (iss) => (iss.input === undefined ? undefined : 'must be a string') })
  .trim()
  .min(1, { error: 'must not be empty' });

const object = { error: 'must be a JSON object' };

/** One list of a create body. */
export const listCreateItemSchema = z.object({ name, tag }, object);
export type ListCreateItem = z.output<typeof listCreateItemSchema>;

/** A rename must change something: a body with neither `name` nor `tag` names the missing `name`. */
function requireNameOrTag(b: { name?: string; tag?: string | null }, ctx: z.RefinementCtx): void {
  if (b.name === undefined && b.tag === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['name'],
      message: 'name is required',
      params: { kind: 'invalid_parameter' },
    });
}

/** PUT one list: a new `name` and/or `tag`. */
export const listUpdateItemSchema = z.object({ name: name.optional(), tag }, object).superRefine(requireNameOrTag);
export type ListUpdateItem = z.output<typeof listUpdateItemSchema>;

/** One element of a bulk rename (`PUT /lists`). */
export const listBulkUpdateItemSchema = z
  .object({ sid, name: name.optional(), tag }, object)
  .superRefine(requireNameOrTag);

/** One element of `contact_references`. */
export const contactReferenceSchema = z.object({ contact_sid: sid }, object);

export const listsBodySchema = bulkBodySchema('lists');
export const contactReferencesBodySchema = bulkBodySchema('contact_references');

export const LIST_SORTS = ['date_created:asc', 'date_created:desc', 'name:asc', 'name:desc'] as const;
export type ListSort = (typeof LIST_SORTS)[number];

const sortBy = z
  .preprocess(
    (v) => (v === '' ? undefined : lowerCase(v)),
    z.enum(LIST_SORTS, { error: `must be one of ${LIST_SORTS.join(', ')}` }),
  )
  .default('date_created:asc');

/** Paging as every list endpoint reads it; `limit` above `max` is clamped. */
export function pageQuery(max: number, fallback = DEFAULT_LIST_PAGE_LIMIT) {
  return z
    .object({ offset: queryInt(0), limit: queryInt(1) })
    .transform((q) => ({ offset: q.offset ?? 0, limit: Math.min(q.limit ?? fallback, max) }));
}

/** `GET /lists`: `offset`, `limit` (20, clamped to 500), `name` (substring, any case), `sort_by`. */
export const listsQuerySchema = z
  .object({ offset: queryInt(0), limit: queryInt(1), name: z.string().optional(), sort_by: sortBy })
  .transform((q) => ({
    offset: q.offset ?? 0,
    limit: Math.min(q.limit ?? DEFAULT_LIST_PAGE_LIMIT, MAX_LIST_PAGE_LIMIT),
    name: q.name?.trim() ? q.name.trim() : null,
    sortBy: q.sort_by,
  }));
export type ListsQuery = z.output<typeof listsQuerySchema>;

/** `GET /lists/{sid}/contacts`: members in list order. */
export const listMembersQuerySchema = pageQuery(MAX_LIST_PAGE_LIMIT);

const instant = z.string();

export const listResourceSchema = z.object({
  sid: z.string(),
  name: z.string(),
  tag: z.string().nullable(),
  /** Fixed by the first CSV upload; null until then. */
  type: z.enum(['static', 'dynamic']).nullable(),
  /** The union of the uploads' header columns. */
  columns: z.array(z.string()),
  contact_count: z.int(),
  date_created: instant,
  date_updated: instant,
  uri: z.string(),
});
export type ListResource = z.infer<typeof listResourceSchema>;

/** An add-to-list (or remove) item: which contact, in which list. */
/** An add-contacts-to-list item: the contact's `sid` (as a contact item has it), `list_id`, `contact_sid`. */
export const listMembershipResourceSchema = z.object({ sid: z.string(), list_id: z.string(), contact_sid: z.string() });
export type ListMembershipResource = z.infer<typeof listMembershipResourceSchema>;

/** SPEC §5 csv-status. `progress` is 0..1 (ext); `failures` holds at most 1,000 rows. */
export const csvUploadResourceSchema = z.object({
  upload_id: z.string(),
  list_sid: z.string(),
  type: z.enum(['static', 'dynamic']),
  file_name: z.string().nullable(),
  status: z.enum(['processing', 'completed', 'failed']),
  total_records: z.int(),
  success_count: z.int(),
  duplicate_count: z.int(),
  failure_count: z.int(),
  progress: z.number(),
  failures: z.array(z.object({ row: z.int(), number: z.string(), reason: z.string(), detail: z.string().optional() })),
  /** (ext) Why a `failed` upload stopped, or why the last run of a `processing` one was interrupted. */
  error: z.string().nullable(),
  date_created: instant,
  date_completed: instant.nullable(),
  summary: z.object({ url: z.string() }),
});
export type CsvUploadResource = z.infer<typeof csvUploadResourceSchema>;
