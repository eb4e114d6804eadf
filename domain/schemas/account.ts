/**
 * SPEC §7 accounts as provisioned by `OUTCALL_ACCOUNTS` and the ops CLI: `sid`, `api_key`,
 * `api_token` and any of the settings under their SPEC names. Omitted settings keep their stored
 * value (or the default for a new account).
 */
import { z } from 'zod';
import { isValidTimeZone } from '../time';
import { parseWindow } from '../calling-window-format';
import { weakTokenReason } from '../token-strength';

/** SPEC §4.5 (ext): the carrier connection's calls-per-second ceiling (Twilio's default is 1). */
const cps = z.number().positive().max(1000).optional();

const carrier = z.discriminatedUnion('type', [
  z.object({ type: z.literal('simulator'), cps }),
  z.object({
    type: z.literal('exotel'),
    cps,
    base_url: z.string().url(),
    sid: z.string().min(1),
    api_key: z.string().min(1),
    api_token: z.string().min(1),
  }),
  z.object({
    type: z.literal('twilio'),
    cps,
    /** Default `https://api.twilio.com`. */
    base_url: z.string().url().optional(),
    account_sid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'account_sid must be AC followed by 32 hex digits'),
    /** Signs Twilio's callbacks (X-Twilio-Signature), so it is needed even with an API key. */
    auth_token: z.string().min(1),
    api_key: z
      .object({
        sid: z.string().regex(/^SK[0-9a-fA-F]{32}$/, 'api_key.sid must be SK followed by 32 hex digits'),
        secret: z.string().min(1),
      })
      .optional(),
  }),
]);

/** Twilio's REST API, where a `twilio` carrier without `base_url` sends its requests. */
export const TWILIO_API_BASE_URL = 'https://api.twilio.com';

export const accountInputSchema = z.object({
  sid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'sid must be 1..64 letters, digits, _ or -'),
  api_key: z.string().min(1).max(128),
  // SPEC §1: a high-entropy secret of at least 128 bits (domain/token-strength.ts).
  api_token: z
    .string()
    .max(256)
    .superRefine((token, ctx) => {
      const reason = weakTokenReason(token);
      if (reason) ctx.addIssue({ code: 'custom', message: reason });
    }),
  calls_per_minute: z.number().int().min(1).max(100_000).optional(),
  channels: z.number().int().min(1).max(100_000).optional(),
  api_requests_per_minute: z.number().int().min(1).max(1_000_000).optional(),
  timezone: z.string().refine(isValidTimeZone, 'not an IANA time zone').optional(),
  calling_window: z
    .string()
    .refine((w) => parseWindow(w) !== null, 'calling_window must be HH:MM-HH:MM (00:00-24:00 = always)')
    .optional(),
  calling_days: z.array(z.number().int().min(1).max(7)).min(1).optional(),
  /** SPEC §4.4 (ext): apply `calling_window` and `calling_days` in each recipient's local time. */
  recipient_local_time: z.boolean().optional(),
  default_region: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .optional(),
  caller_ids: z.array(z.string().min(1).max(32)).nullable().optional(),
  carrier: carrier.optional(),
  ring_timeout_s: z.number().int().min(5).max(120).optional(),
  call_time_limit_s: z.number().int().min(10).max(14_400).optional(),
  webhook_secret: z.string().min(16).optional(),
});

export type AccountInput = z.infer<typeof accountInputSchema>;

/** Parses the `OUTCALL_ACCOUNTS` JSON array; throws an Error naming the first bad element and field. */
export function parseAccountsJson(text: string): AccountInput[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`OUTCALL_ACCOUNTS is not valid JSON: ${(e as Error).message}`);
  }
  const arr = z.array(z.unknown()).safeParse(raw);
  if (!arr.success) throw new Error('OUTCALL_ACCOUNTS must be a JSON array of account objects');
  return arr.data.map((item, i) => {
    const r = accountInputSchema.safeParse(item);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new Error(`OUTCALL_ACCOUNTS[${i}].${issue.path.join('.')}: ${issue.message}`);
    }
    return r.data;
  });
}
