/**
 * SPEC §3 and §4.9: the schema of each campaign field's value, as a create body gives it (`…Input`)
 * and as GET shows it (`…Wire`). `campaign-fields.ts` puts them in the field table; cross-field rules
 * live in `campaign.ts`.
 */
import { z } from 'zod';
import { normaliseStatusToken } from '../attempt-status';
import { parseRfc3339 } from '../rfc3339';
import { httpUrl, intInRange, lenientBoolean, lowerCase } from './fields';

export const MAX_READ_VIA_TEXT = 2000;
export const MAX_CUSTOM_FIELD = 128;
export const RETRYABLE_STATUSES = ['busy', 'no-answer', 'failed'] as const;

const RFC3339_HINT = 'must be an RFC 3339 time with an offset, e.g. 2024-01-15T09:00:00+05:30';
const timestamp = z.string({ error: RFC3339_HINT }).refine((s) => parseRfc3339(s) !== null, { error: RFC3339_HINT });

/** `from` entries in order: a comma string is split (empty pieces skipped), an array kept as given. */
function fromEntries(v: string | Array<string | number>): string[] {
  if (typeof v === 'string')
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  return v.map((s) => String(s).trim());
}

/** `lists` entries in order, de-duplicated: a comma string is split, an array kept as given. */
function listEntries(v: string | string[]): string[] {
  const entries = typeof v === 'string' ? v.split(',') : v;
  return [...new Set(entries.map((s) => s.trim()).filter((s) => s !== ''))];
}

const ON_STATUS_SPELLINGS: Record<string, (typeof RETRYABLE_STATUSES)[number]> = {
  busy: 'busy',
  noanswer: 'no-answer',
  failed: 'failed',
  failure: 'failed',
};

export const fromInput = z
  .union([z.string(), z.array(z.union([z.string(), z.number()]))], {
    error: 'must be a comma-separated string or an array of strings',
  })
  .transform(fromEntries)
  .optional();

export const listsInput = z
  .union([z.string(), z.array(z.string())], { error: 'must be an array of list sids' })
  .transform(listEntries)
  .optional();

export const callerIdInput = z
  .string({ error: (iss) => (iss.input === undefined ? undefined : 'must be a string') })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(32, { error: 'must be at most 32 characters' });

export const campaignTypeInput = z
  .preprocess(lowerCase, z.enum(['static', 'dynamic'], { error: 'must be "static" or "dynamic"' }))
  .default('static');

export const flowTypeInput = z
  .preprocess(lowerCase, z.enum(['ivr', 'greeting'], { error: 'must be "ivr" or "greeting"' }))
  .optional();

export const readViaTextInput = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(MAX_READ_VIA_TEXT, { error: `must be at most ${MAX_READ_VIA_TEXT} characters` })
  .optional();

export const nameInput = z
  .string({ error: 'must be a string' })
  .trim()
  .min(3, { error: 'must be at least 3 characters' })
  .max(255, { error: 'must be at most 255 characters' })
  .optional();

export const typeInput = z
  .preprocess(lowerCase, z.literal('trans', { error: 'must be "trans" (only transactional campaigns are supported)' }))
  .default('trans');

export const retriesInput = z
  .object(
    {
      number_of_retries: intInRange(0, 3).default(0),
      interval_mins: intInRange(1, 1440).nullish(),
      mechanism: z
        .preprocess(
          (v) =>
            typeof v === 'string' ? ({ linear: 'Linear', exponential: 'Exponential' }[v.trim().toLowerCase()] ?? v) : v,
          z.enum(['Linear', 'Exponential'], { error: 'must be "Linear" or "Exponential"' }),
        )
        .nullish(),
      on_status: z
        .preprocess(
          (v) => (typeof v === 'string' ? v.split(',') : v),
          z
            .array(
              z.preprocess(
                (s) => (typeof s === 'string' ? (ON_STATUS_SPELLINGS[normaliseStatusToken(s)] ?? s) : s),
                z.enum(RETRYABLE_STATUSES, { error: 'must be one of busy, no-answer, failed' }),
              ),
              { error: 'must be an array of busy, no-answer, failed' },
            )
            .min(1, { error: 'must name at least one of busy, no-answer, failed' }),
        )
        .nullish(),
    },
    { error: 'must be an object' },
  )
  .optional();

export const scheduleInput = z
  .object({ send_at: timestamp.nullish(), end_at: timestamp.nullish() }, { error: 'must be an object' })
  .optional();

export const modeInput = z
  .preprocess(lowerCase, z.enum(['auto', 'custom'], { error: 'must be "auto" or "custom"' }))
  .default('auto');

/** `custom_field`: a string of ≤128 characters, or any JSON value whose JSON text is ≤128 characters. */
export const customFieldInput = z
  .unknown()
  .refine((v) => v === undefined || (typeof v === 'string' ? v : JSON.stringify(v)).length <= MAX_CUSTOM_FIELD, {
    error: `must be at most ${MAX_CUSTOM_FIELD} characters (as JSON text when not a string)`,
  })
  .optional();

/** A flow `url` or a callback: absolute http(s). */
export const urlInput = httpUrl.optional();
export const callbackInput = httpUrl.optional();

export const duplicatesInput = lenientBoolean.default(false);
export const throttleInput = intInRange(1, 1_000_000).optional();
export const repeatMenuInput = intInRange(0, 5).default(0);

/** RFC 3339 in the account's zone (SPEC §1 "Timestamps"). */
export const instantWire = z.string();

export const retriesWire = z.object({
  number_of_retries: z.int(),
  interval_mins: z.int().nullable(),
  mechanism: z.enum(['Linear', 'Exponential']),
  on_status: z.array(z.enum(RETRYABLE_STATUSES)),
});

export const scheduleWire = z.object({ send_at: instantWire.nullable(), end_at: instantWire.nullable() });
