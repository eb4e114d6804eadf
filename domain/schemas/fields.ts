/**
 * Field schemas shared by the wire schemas. Exotel clients send numbers and booleans as JSON values or
 * as strings (`"2"`, `"true"`), and enum values in any case; all are accepted and normalised here.
 */
import { z } from 'zod';
import { normaliseStatusToken } from '../attempt-status';
import { isAbsoluteHttpUrl } from '../url-policy';

/** `"  Linear "` → `"linear"`; other values pass through for the inner schema to judge. */
export const lowerCase = (v: unknown): unknown => (typeof v === 'string' ? v.trim().toLowerCase() : v);

const integerString = /^\s*-?\d{1,15}\s*$/;

/** An integer in `min..max`, given as a JSON number or a digit string. */
export function intInRange(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.preprocess(
    (v) => (typeof v === 'string' && integerString.test(v) ? Number(v) : v),
    z.int({ error }).min(min, { error }).max(max, { error }),
  );
}

/** A query-string integer: absent or empty means "not given". */
export function queryInt(min: number, max = Number.MAX_SAFE_INTEGER) {
  const error =
    max === Number.MAX_SAFE_INTEGER
      ? `must be an integer of at least ${min}`
      : `must be an integer from ${min} to ${max}`;
  return z.preprocess(
    (v) => (v === '' ? undefined : typeof v === 'string' && integerString.test(v) ? Number(v) : v),
    z.int({ error }).min(min, { error }).max(max, { error }).optional(),
  );
}

/**
 * A `status` filter (comma list, any casing, `-`/`_` ignored): the statuses it names, each once and in
 * order, or `null` when it names none. An unknown token is an issue on `status` naming it, and the
 * result is `z.NEVER`.
 */
export function statusFilter<S extends string>(
  raw: string | undefined,
  byToken: ReadonlyMap<string, S>,
  what: string,
  allowed: readonly string[],
  ctx: z.RefinementCtx,
): S[] | null | typeof z.NEVER {
  const statuses: S[] = [];
  for (const part of (raw ?? '').split(',')) {
    const token = part.trim();
    if (token === '') continue;
    const status = byToken.get(normaliseStatusToken(token));
    if (!status) {
      ctx.addIssue({
        code: 'custom',
        path: ['status'],
        message: `status "${token}" is not a ${what}; use any of ${allowed.join(', ')}`,
        params: { kind: 'invalid_parameter' },
      });
      return z.NEVER;
    }
    if (!statuses.includes(status)) statuses.push(status);
  }
  return statuses.length > 0 ? statuses : null;
}

/** `true` / `false`, or the strings `"true"` / `"false"`. */
export const lenientBoolean = z.preprocess(
  (v) => (v === 'true' ? true : v === 'false' ? false : v),
  z.boolean({ error: 'must be true or false' }),
);

/** SPEC §3 callbacks and flow `url`: absolute http(s); the address policy (§6.3) applies at send time. */
export const httpUrl = z
  .string({ error: 'must be an absolute http(s) URL' })
  .trim()
  .max(2048, { error: 'must be at most 2048 characters' })
  .refine(isAbsoluteHttpUrl, { error: 'must be an absolute http(s) URL' });
