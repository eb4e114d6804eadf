/**
 * SPEC §7 simulator, Twilio contract: what a `twilio` carrier pointed at the simulator and the
 * simulator agree on (where it is mounted, the credentials it accepts, the auth token it signs its
 * callbacks with). Kept apart from the Hono app so importing it loads no server code.
 */
import { createHmac } from 'node:crypto';

/** The simulator's Twilio contract is mounted here, under the public URL (`base_url` of the account). */
export const SIMULATOR_TWILIO_MOUNT_PATH = '/simulator/twilio';

const hmacHex = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

/**
 * The auth token of the simulated Twilio account `accountSid`: an HMAC of the sid under the
 * deployment's secret (as for the Exotel contract's credentials), so only the deployment can hand it
 * out (`npm run ops -- simulator twilio-credentials <sid>`) and no account's token opens another's.
 * Requests authenticate with `AccountSid:` this token, and callbacks are signed with it, as Twilio
 * signs with the account's auth token.
 */
export function simulatorTwilioAuthToken(accountSid: string, secret: string): string {
  return hmacHex(secret, `outcall-simulator-twilio:${accountSid}`);
}

/** The secret of the `SK…` API key `keySid` of the simulated Twilio account `accountSid`. */
export function simulatorTwilioApiKeySecret(accountSid: string, keySid: string, secret: string): string {
  return hmacHex(secret, `outcall-simulator-twilio-key:${accountSid}:${keySid}`);
}

/** `base_url` of a `twilio` carrier that talks to this stack's simulator. */
export function simulatorTwilioBaseUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${SIMULATOR_TWILIO_MOUNT_PATH}`;
}
