/**
 * SPEC §7 simulator: what the dialling code and the simulator agree on (where it is mounted, the
 * credentials it accepts, the greeting flow's URL). Kept apart from the Hono app so importing it
 * loads no server code.
 */
import { createHmac } from 'node:crypto';

/**
 * The credentials the simulator's Exotel API accepts for one account: the account sid as API key,
 * and as token an HMAC of it under the deployment's secret, which the worker (dialling) and the API
 * (serving the simulator) both hold. Nobody else can place calls, and no account can place calls
 * under another account's sid.
 */
export function simulatorCredentials(accountSid: string, secret: string): { apiKey: string; apiToken: string } {
  const apiToken = createHmac('sha256', secret).update(`outcall-simulator:${accountSid}`).digest('hex');
  return { apiKey: accountSid, apiToken };
}

/**
 * The simulator creates a call only within this long of receiving its dial request, and answers the
 * request in the transaction that records it: a call it does not know once `SIMULATOR_RECORDS_COMPLETE_MS`
 * have passed since the request left was never created (SPEC §7; a real carrier's records may lag).
 */
export const SIMULATOR_CREATE_DEADLINE_MS = 10_000;
/** Dial timeout (10 s) + the create deadline + the insert's own statement timeout, with a margin. */
export const SIMULATOR_RECORDS_COMPLETE_MS = 30_000;
/** The simulator's insert of a call gives up past this (inside `SIMULATOR_RECORDS_COMPLETE_MS`). */
export const SIMULATOR_INSERT_TIMEOUT_MS = 5_000;

/** The stack mounts the simulator app here, under the public URL. */
export const SIMULATOR_MOUNT_PATH = '/simulator';

/** Path of the simulated "greeting flow" (the simulator's stand-in for an Exotel greeting applet). */
export const SIMULATOR_GREETING_FLOW_PATH = `${SIMULATOR_MOUNT_PATH}/greeting-flow`;

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** Base URL of the simulator's Exotel-compatible API (what the exotel adapter is pointed at). */
export function simulatorBaseUrl(publicUrl: string): string {
  return `${trimSlash(publicUrl)}${SIMULATOR_MOUNT_PATH}`;
}

/**
 * The flow URL to dial greeting campaigns with on the simulator: a call answered on this flow makes
 * the simulator fetch `GET {publicUrl}/carriers/exotel/greeting?CallSid=<sid>&CustomField=<token>`.
 */
export function simulatorGreetingFlowUrl(publicUrl: string): string {
  return `${trimSlash(publicUrl)}${SIMULATOR_GREETING_FLOW_PATH}`;
}

/** True when a call's `Url` is the simulator's greeting flow (whatever host the stack is reached by). */
export function isSimulatorGreetingFlow(url: string | null): boolean {
  if (!url) return false;
  try {
    return trimSlash(new URL(url).pathname).endsWith(SIMULATOR_GREETING_FLOW_PATH);
  } catch {
    return false;
  }
}

/** Where the simulator fetches a greeting, as a real Exotel greeting applet would (with the call's sid). */
export function greetingFetchUrl(publicUrl: string, callSid: string, customField: string): string {
  const query = `CallSid=${encodeURIComponent(callSid)}&CustomField=${encodeURIComponent(customField)}`;
  return `${trimSlash(publicUrl)}/carriers/exotel/greeting?${query}`;
}
