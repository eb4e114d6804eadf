/**
 * SPEC §7: the stored form of an account's `carrier` setting (the `accounts.carrier` jsonb column of
 * db/schema.ts, which re-exports these types).
 */

export type CarrierConfig =
  | { type: 'simulator' }
  | { type: 'exotel'; baseUrl: string; sid: string; apiKey: string; apiToken: string }
  | TwilioCarrierConfig;

/**
 * SPEC §7 `twilio`: the account SID and its auth token (which signs Twilio's callbacks, so it is always
 * needed); requests authenticate with the API key when one is given, else with the auth token.
 */
export interface TwilioCarrierConfig {
  type: 'twilio';
  /** `https://api.twilio.com`, or the simulator's Twilio contract under the public URL. */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  apiKey: { sid: string; secret: string } | null;
}
