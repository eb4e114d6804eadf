/**
 * SPEC §2/§5 contacts: the wire contract of contact bodies, queries and resources (STYLE G9).
 * `custom` and `custom_field` are two spellings of one JSON value, stored as `custom` [C-21]; when
 * both are given, `custom` wins.
 */
import { z } from 'zod';
import { bulkBodySchema } from './envelope';
import { lowerCase, queryInt } from './fields';

/** SPEC §2: `GET /contacts` pages by at most 20, as Exotel does. */
export const MAX_CONTACT_PAGE_LIMIT = 20;
/** JSON text of `custom` is kept small: it is per-contact metadata, not a document store. */
export const MAX_CUSTOM_JSON = 4096;

const text = z
  .string({ error: 'must be a string' })
  .trim()
  .max(255, { error: 'must be at most 255 characters' })
  .nullish();
/** A JSON number is taken as its digits (clients send `919876543210` unquoted). */
const number = z.preprocess(
  (v) => (typeof v === 'number' ? String(v) : v),
  z.string({ error: (iss) => (iss.input === undefined ? undefined : 'must be a string') }),
);
const custom = z.unknown().refine((v) => v === undefined || (JSON.stringify(v) ?? '').length <= MAX_CUSTOM_JSON, {
  error: `must be at most ${MAX_CUSTOM_JSON} characters as JSON text`,
});
const sid = z
  .string({ error: (iss) => (iss.input === undefined ? undefined : 'must be a string') })
  .trim()
  .min(1, { error: 'must not be empty' });

const fields = {
  first_name: text,
  last_name: text,
  company_name: text,
  email: text,
  tag: text,
  custom: custom.optional(),
  custom_field: custom.optional(),
};
const object = { error: 'must be a JSON object' };

/** One contact of a create body: `number` required, the rest optional. */
export const contactCreateItemSchema = z.object({ number, ...fields }, object);
export type ContactCreateItem = z.output<typeof contactCreateItemSchema>;

/** PUT one contact: any field; `null` clears an optional one. */
export const contactUpdateItemSchema = z.object({ number: number.optional(), ...fields }, object);
export type ContactUpdateItem = z.output<typeof contactUpdateItemSchema>;

/** One element of a bulk update: the contact's `sid` and its changes. */
export const contactBulkUpdateItemSchema = z.object({ sid, number: number.optional(), ...fields }, object);

/** One element of a bulk delete: `{"sid": "..."}`. */
export const contactDeleteItemSchema = z.object({ sid }, object);

export const contactsBodySchema = bulkBodySchema('contacts');

const CONTACT_SORTS = ['date_created:asc', 'date_created:desc', 'name:asc', 'name:desc'] as const;

/** `GET /contacts`: `offset`, `limit` (20, clamped to 20), `name`, `list_sids` (comma list), `sort_by`. */
export const contactsQuerySchema = z
  .object({
    offset: queryInt(0),
    limit: queryInt(1),
    name: z.string().optional(),
    list_sids: z.string().optional(),
    /** Exotel's `filter=show_list`: each contact carries the sids of its lists. */
    filter: z.string().optional(),
    sort_by: z
      .preprocess(
        (v) => (v === '' ? undefined : lowerCase(v)),
        z.enum(CONTACT_SORTS, { error: `must be one of ${CONTACT_SORTS.join(', ')}` }),
      )
      .default('date_created:asc'),
  })
  .transform((q) => {
    const listSids = (q.list_sids ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    return {
      offset: q.offset ?? 0,
      limit: Math.min(q.limit ?? MAX_CONTACT_PAGE_LIMIT, MAX_CONTACT_PAGE_LIMIT),
      name: q.name?.trim() ? q.name.trim() : null,
      listSids: listSids.length > 0 ? listSids : null,
      showLists: (q.filter ?? '').split(',').some((f) => f.trim().toLowerCase() === 'show_list'),
      sortBy: q.sort_by,
    };
  });
export type ContactsQuery = z.output<typeof contactsQuerySchema>;

const instant = z.string();

export const contactResourceSchema = z.object({
  sid: z.string(),
  number: z.string(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  company_name: z.string().nullable(),
  email: z.string().nullable(),
  tag: z.string().nullable(),
  custom: z.unknown(),
  date_created: instant,
  date_updated: instant,
  uri: z.string(),
  /** Members of a dynamic list: the row's template columns (list members only). */
  vars: z.record(z.string(), z.string()).optional(),
  /** With `filter=show_list`: the sids of the lists the contact is in. */
  lists: z.array(z.string()).optional(),
});
export type ContactResource = z.infer<typeof contactResourceSchema>;
