/**
 * SPEC §7: every carrier implements this one interface. The `exotel` adapter speaks Exotel's v1
 * connect API; the simulator serves that same API, so the adapter's code path is what talks to it.
 */
import type { CarrierConfig } from '../../db/schema';
import type { AttemptStatus } from '../../domain/attempt-status';
import type { CallOutcome } from '../../domain/call-outcome';

export type { AttemptStatus, CallOutcome };

export interface PlaceCallInput {
  /** E.164 number to call. */
  to: string;
  callerId: string;
  /** Flow URL (ivr campaigns) or the account's greeting flow (greeting campaigns). */
  url: string;
  /** Flow campaigns: the campaign's custom_field; greeting campaigns: the attempt token. */
  customField: string;
  ringTimeoutS: number;
  callTimeLimitS: number;
  /** Absolute URL the carrier calls back at the terminal status; carries the attempt token. */
  statusCallbackUrl: string;
}

export type PlaceCallResult =
  | { kind: 'accepted'; carrierSid: string }
  /**
   * The carrier refused the request (HTTP 4xx, no call was made). `callerIdRefused`: it refused the
   * caller id (SPEC §4.1 counts those in a row). `invalidNumber`: the number dialled is not a valid
   * or reachable phone number, so no retry can help (the number ends `failed` at once).
   */
  | {
      kind: 'refused';
      httpStatus: number;
      message: string;
      accountLevel: boolean;
      callerIdRefused: boolean;
      invalidNumber?: boolean;
    }
  /** The carrier asked us to slow down; retry later without consuming a retry (SPEC §4.5). */
  | { kind: 'rate_limited'; retryAfterMs: number }
  /**
   * SPEC §7: not a call — the request provably never left (refused connection, DNS or TLS failure
   * before it was written), or the carrier answered that it created none (503, 408). Dial again after
   * `retryAfterMs` when the carrier said when.
   */
  | {
      kind: 'not_sent';
      cause: string;
      retryAfterMs?: number;
      /** The carrier answered it is unavailable (503): its connection backs off (SPEC §4.5 ext). */
      carrierBusy?: boolean;
    }
  /** SPEC §7: the request may have placed a call and no answer says (reset after the write, timeout, 5xx). */
  | { kind: 'unknown'; cause: string };

export interface CallLookup {
  /** The call's carrier sid, when known. */
  carrierSid?: string | null;
  /** For reconciliation when the sid was never stored: the number and a time window. */
  to: string;
  after: Date;
  before: Date;
  /** The attempt's token, matched against the call's status-callback URL when searching by number. */
  token: string;
  /** When the dial request left (or may have); null when it never did. */
  sentAt?: Date | null;
}

/**
 * What a lookup found: a final outcome, a call still live, or no call at all — `not_found` when the
 * carrier's records may still lag, `never_placed` when they are complete and the call is not in them.
 */
export type LookupResult =
  | { kind: 'final'; outcome: CallOutcome }
  | { kind: 'live'; carrierSid: string }
  | { kind: 'not_found' }
  | { kind: 'never_placed' };

export interface Carrier {
  /** Never throws for what happened to the request: every fate is a `PlaceCallResult` with its cause. */
  placeCall(input: PlaceCallInput): Promise<PlaceCallResult>;
  lookupCall(input: CallLookup): Promise<LookupResult>;
}

/** Builds the carrier for one account's configuration. */
export type CarrierFactory = (config: CarrierConfig, accountSid: string) => Carrier;
