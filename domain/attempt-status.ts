/** SPEC §4.2: attempt and number statuses as the wire shows them. */

export const ATTEMPT_STATUSES = ['completed', 'busy', 'no-answer', 'failed'] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

export const NUMBER_STATUSES = [
  'pending',
  'in-progress',
  'retry',
  'completed',
  'failed',
  'canceled',
  'suppressed',
] as const;
export type NumberStatus = (typeof NUMBER_STATUSES)[number];

export const FINAL_NUMBER_STATUSES: readonly NumberStatus[] = ['completed', 'failed', 'canceled', 'suppressed'];

/** Reasons Outcall records on attempts and numbers (SPEC §4.10). */
export const REASONS = {
  carrierRefused: 'carrier_refused',
  /** SPEC §4.1: the carrier refused the campaign's caller id on `CALLER_ID_REFUSAL_LIMIT` dials in a row. */
  callerIdRefused: 'caller_id_refused',
  dialUnknown: 'dial_unknown',
  dnc: 'dnc',
  /** SPEC §7: the carrier answered that the number is not a valid or reachable phone number. */
  invalidNumber: 'invalid_number',
  campaignEnded: 'campaign_ended',
} as const;

/** Reasons of a `failed` attempt that no retry can help: its number is final whatever `on_status` says. */
export const NO_RETRY_REASONS: ReadonlySet<string> = new Set([REASONS.invalidNumber]);

/** SPEC §4.1: this many dials in a row refused for the caller id stop the campaign (`Failed`) at once. */
export const CALLER_ID_REFUSAL_LIMIT = 20;

/** Normalises a status filter value: any casing, `-`/`_` ignored (SPEC §1). */
export function normaliseStatusToken(s: string): string {
  return s.toLowerCase().replace(/[-_\s]/g, '');
}
