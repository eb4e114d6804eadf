/**
 * SPEC §4.2/§7: what became of one call attempt — the one outcome type of the whole attempt path.
 * Each boundary has one converter: carrier → outcome (domain/exotel-callback.ts parses callbacks and
 * call records), outcome ↔ row (db/queries/attempts.ts), row → wire (call-details, webhooks).
 */
import type { AttemptStatus } from './attempt-status';

/** A call's final outcome. Times are epoch milliseconds, so it crosses workflow boundaries as JSON. */
export interface CallOutcome {
  status: AttemptStatus;
  /** Outcall's reason (`carrier_refused`, `dial_unknown`, …); null for what the carrier reported. */
  reason: string | null;
  /** The carrier's call sid; null when no call was created (a refused dial) or it was never learnt. */
  carrierSid: string | null;
  startTimeMs: number | null;
  endTimeMs: number | null;
  /** Seconds both parties were connected. */
  duration: number;
  digits: string | null;
  recordingUrl: string | null;
}

/** An attempt that ends `failed` without a call Outcall knows of (refused, never found). */
export function failedWithoutCall(reason: string): CallOutcome {
  return {
    status: 'failed',
    reason,
    carrierSid: null,
    startTimeMs: null,
    endTimeMs: null,
    duration: 0,
    digits: null,
    recordingUrl: null,
  };
}
