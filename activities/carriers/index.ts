/** SPEC §7 carriers: one adapter per account configuration, built by the factory the worker holds. */
import type { CarrierConfig } from '../../db/schema';
import type { Carrier, CarrierFactory } from './carrier';
import { createExotelCarrier } from './exotel';
import { createTwilioCarrier } from './twilio';
import { SIMULATOR_RECORDS_COMPLETE_MS, simulatorBaseUrl, simulatorCredentials } from '../../simulator/contract';

export type { Carrier, CarrierFactory } from './carrier';
export { createExotelCarrier, CarrierFailure } from './exotel';
export { createTwilioCarrier } from './twilio';
export { simulatorGreetingFlowUrl } from '../../simulator/contract';

/**
 * `{type:'simulator'}` is the exotel adapter pointed at the simulator (under the public URL unless
 * `simulatorUrl` says where), with the account's own sid and the account's simulator credentials
 * (derived from `simulatorSecret`, which the simulator holds too); `{type:'exotel'}` is the real one;
 * `{type:'twilio'}` the twilio adapter (on Twilio, or on the simulator's Twilio contract), which
 * reads greetings with `greetingText` to send them as TwiML.
 */
export function createCarrierFactory(opts: {
  publicUrl: string;
  /** Where the simulator's API is, when not under the public URL (docker compose: its own service). */
  simulatorUrl?: string;
  simulatorSecret: string;
  fetch?: typeof fetch;
  greetingText?: (token: string) => Promise<string | null>;
}): CarrierFactory {
  const simulatorUrl = opts.simulatorUrl ?? simulatorBaseUrl(opts.publicUrl);
  return (config: CarrierConfig, accountSid: string): Carrier => {
    switch (config.type) {
      case 'simulator':
        return createExotelCarrier({
          baseUrl: simulatorUrl,
          accountSid,
          ...simulatorCredentials(accountSid, opts.simulatorSecret),
          recordsCompleteAfterMs: SIMULATOR_RECORDS_COMPLETE_MS,
          fetch: opts.fetch,
        });
      case 'exotel':
        return createExotelCarrier({
          baseUrl: config.baseUrl,
          accountSid: config.sid,
          apiKey: config.apiKey,
          apiToken: config.apiToken,
          fetch: opts.fetch,
        });
      case 'twilio':
        return createTwilioCarrier({
          baseUrl: config.baseUrl,
          accountSid: config.accountSid,
          authToken: config.authToken,
          apiKey: config.apiKey,
          publicUrl: opts.publicUrl,
          greetingText: opts.greetingText,
          fetch: opts.fetch,
        });
    }
  };
}
