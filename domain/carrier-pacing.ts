/**
 * SPEC §4.5 (ext) per-carrier pacing: each carrier connection (one carrier account at one API base) has a
 * calls-per-second ceiling, enforced at the send beside the account's own pacing (activities/send-spacer.ts), and
 * is backed off when the carrier says so (429, `Retry-After`, 503). Twilio's default ceiling is 1 call per second;
 * Exotel and the simulator have none unless the account sets `carrier.cps`, but they back off all the same.
 */
import { dialIntervalMs } from './throttle';

/** What of an account's carrier setting (db/schema-carrier.ts) names its connection and ceiling. */
export type CarrierPacingConfig =
  | { type: 'twilio'; baseUrl: string; accountSid: string; cps?: number }
  | { type: 'exotel'; baseUrl: string; sid: string; cps?: number }
  | { type: 'simulator'; cps?: number };

/** Twilio's default outbound rate per account (calls per second). */
export const TWILIO_DEFAULT_CPS = 1;

/** When the carrier asks to slow down without saying how long (a 503 without `Retry-After`). */
export const CARRIER_BACKOFF_DEFAULT_MS = 1_000;

export interface CarrierConnection {
  /** Names the connection: accounts that share one carrier account share its ceiling. */
  key: string;
  /** Calls per second; null: no ceiling of its own (the account's pacing only). */
  cps: number | null;
}

/** The connection an account's carrier config dials through, with its ceiling. */
export function carrierConnection(config: CarrierPacingConfig, accountSid: string): CarrierConnection {
  switch (config.type) {
    case 'twilio':
      return { key: `twilio ${config.baseUrl} ${config.accountSid}`, cps: config.cps ?? TWILIO_DEFAULT_CPS };
    case 'exotel':
      return { key: `exotel ${config.baseUrl} ${config.sid}`, cps: config.cps ?? null };
    case 'simulator':
      return { key: `simulator ${accountSid}`, cps: config.cps ?? null };
  }
}

/** Milliseconds between two requests on a connection, the pacing guard included (0: no ceiling). */
export function connectionIntervalMs(cps: number | null): number {
  return cps === null ? 0 : dialIntervalMs(cps * 60);
}

/** The account's dial rate the gate grants at: its `calls_per_minute`, or less when its carrier is slower. */
export function effectiveCallsPerMinute(callsPerMinute: number, connection: CarrierConnection): number {
  return connection.cps === null ? callsPerMinute : Math.min(callsPerMinute, connection.cps * 60);
}
