/**
 * SPEC §3 (ext) `?validation=report` and §4.4 (ext) for the document: the report a create answers with instead of
 * creating (held equal to `domain/campaign-report.ts`'s `NumberReport` by the type check below), and the account
 * settings that decide its `no_window` list, a component since accounts are provisioned outside this API.
 */
import { z } from 'zod';
import type { NumberReport } from '../../domain/campaign-report';
import { NO_WINDOW_REASON } from '../../domain/recipient-window';
import { accountInputSchema } from '../../domain/schemas/account';

/** The settings of an account that say when its numbers may be dialled (SPEC §4.4). */
export const accountCallingWindowSchema = accountInputSchema
  .pick({ timezone: true, calling_window: true, calling_days: true, recipient_local_time: true })
  .extend({
    timezone: accountInputSchema.shape.timezone.describe('IANA zone of the window, default Asia/Kolkata'),
    calling_window: accountInputSchema.shape.calling_window.describe(
      'HH:MM-HH:MM, default 10:30-21:00; 00:00-24:00 = always; may cross midnight',
    ),
    calling_days: accountInputSchema.shape.calling_days.describe('ISO weekdays, 1 = Monday .. 7; default all'),
    recipient_local_time: accountInputSchema.shape.recipient_local_time.describe(
      'SPEC §4.4 (ext), default false: apply `calling_window` and `calling_days` in each recipient’s zone ' +
        '(from the number’s country; the intersection of its zones when it spans several) instead of ' +
        '`timezone`. A number whose zones share no instant of the window ends `failed`, reason `no_window`, ' +
        'and `?validation=report` lists it in `no_window`.',
    ),
  })
  .describe(
    'Account settings (not set through this API: `npm run ops -- accounts upsert` or OUTCALL_ACCOUNTS) ' +
      'that decide when a campaign’s numbers are dialled.',
  );

const numberReport = z.object({
  total: z.int().describe('entries in `from`, counted before de-duplication'),
  valid: z.int(),
  dialled: z.int().describe('numbers that would be dialled (distinct unless duplicates are allowed)'),
  invalid: z.array(z.object({ position: z.int(), number: z.string(), reason: z.string() })),
  no_window: z
    .array(
      z.object({
        position: z.int().describe('1-based position in `from`'),
        number: z.string().describe('E.164'),
        reason: z.literal(NO_WINDOW_REASON),
        zones: z.array(z.string()).describe('the IANA zones whose windows never meet'),
      }),
    )
    .describe(
      'numbers that would be dialled but have no calling window at `send_at` (or now), each of which ' +
        'would end `failed`, reason `no_window`; empty unless the account sets `recipient_local_time` ' +
        '(component AccountCallingWindow)',
    ),
});

/** Compile-time: the document's report is exactly the domain's (a field added there fails tsc here). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const reportMatchesDomain: Same<z.output<typeof numberReport>, NumberReport> = true;
void reportMatchesDomain;

/** `?validation=report`: every invalid number and every number with no window; nothing created. */
export const validationReportSchema = z
  .object({ validation: z.literal('report'), created: z.literal(false) })
  .extend(numberReport.shape);
