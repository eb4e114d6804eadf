/**
 * SPEC §7: the stored form of an account's `carrier` setting (the `accounts.carrier` jsonb column of
 * db/schema.ts, which re-exports these types).
 */

export type CarrierConfig =
  | ({ type: 'simulator' } & CarrierPacing)
  | ({ type: 'exotel'; baseUrl: string; sid: string; apiKey: string; apiToken: string } & CarrierPacing)
  | TwilioCarrierConfig;

/** SPEC §4.5 (ext): the connection's calls-per-second ceiling; absent: the carrier's default. */
export interface CarrierPacing {
  cps?: number;
}

/**
 * SPEC §7 `twilio`: the account SID and its auth token (which signs Twilio's callbacks, so it is always
 * needed); requests authenticate with the API key when one is given, else with the auth token.
 */
export interface TwilioCarrierConfig extends CarrierPacing {
  type: 'twilio';
  /** `https://api.twilio.com`, or the simulator's Twilio contract under the public URL. */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  apiKey: { sid: string; secret: string } | null;
}
