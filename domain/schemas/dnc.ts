/**
 * SPEC §2/§7 (ext) the do-not-call list: the wire contract of its bodies, query and resource
 * (STYLE G9). A create body is one `{"number": …}` or the bulk form `{"numbers": [{"number": …}, …]}`
 * (≤5,000); a number is normalised to E.164 with the account's default region.
 */
import { z } from 'zod';
import { bulkBodySchema } from './envelope';
import { pageQuery } from './list';

/** `GET /dnc` pages by at most this many entries. */
export const MAX_DNC_PAGE_LIMIT = 500;

/** A JSON number is taken as its digits, as contact numbers are. */
const number = z.preprocess(
  (v) => (typeof v === 'number' ? String(v) : v),
  z.string({ error: 'must be a string' }).max(64, { error: 'must be at most 64 characters' }),
);

/** One entry of a create body. */
export const dncCreateItemSchema = z.object({ number }, { error: 'must be a JSON object' });

export const dncBodySchema = bulkBodySchema('numbers');

/** `GET /dnc`: `offset`, `limit` (20, clamped to 500), oldest entries first. */
export const dncQuerySchema = pageQuery(MAX_DNC_PAGE_LIMIT);

export const DNC_SOURCES = ['api', 'csv_upload'] as const;

export const dncResourceSchema = z.object({
  number: z.string(),
  /** How the entry was added: `api` (POST /dnc) or `csv_upload`. */
  source: z.enum(DNC_SOURCES),
  date_created: z.string(),
  uri: z.string(),
});
export type DncResource = z.infer<typeof dncResourceSchema>;

/** The answer to `POST /dnc/csv-upload`: counts (`total = success + duplicate + failure`) and failures. */
export const dncUploadResultSchema = z.object({
  total_records: z.number(),
  success_count: z.number(),
  duplicate_count: z.number(),
  failure_count: z.number(),
  failures: z.array(z.object({ row: z.number(), number: z.string(), reason: z.string() })),
});
export type DncUploadResult = z.infer<typeof dncUploadResultSchema>;
