/**
 * SPEC §7 simulator, Twilio contract: what a `twilio` carrier pointed at the simulator and the
 * simulator agree on (where it is mounted, the credentials it accepts, the auth token it signs its
 * callbacks with). Kept apart from the Hono app so importing it loads no server code.
 */

/** The simulator's Twilio contract is mounted here, under the public URL (`base_url` of the account). */
export const SIMULATOR_TWILIO_MOUNT_PATH = '/simulator/twilio';

/**
 * The auth token of every simulated Twilio account: requests authenticate with `AccountSid:` this
 * token (or an `SK…` API key with `SIMULATOR_TWILIO_API_KEY_SECRET`), and callbacks are signed with it,
 * as Twilio signs with the account's auth token.
 */
export const SIMULATOR_TWILIO_AUTH_TOKEN = 'simulator-twilio-auth-token';
export const SIMULATOR_TWILIO_API_KEY_SECRET = 'simulator-twilio-api-key-secret';

/** `base_url` of a `twilio` carrier that talks to this stack's simulator. */
export function simulatorTwilioBaseUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${SIMULATOR_TWILIO_MOUNT_PATH}`;
}
