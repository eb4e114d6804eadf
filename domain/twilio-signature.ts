/**
 * SPEC §7 `twilio`: `X-Twilio-Signature` as Twilio computes it, base64 HMAC-SHA1 keyed with the auth token over the
 * full URL then every POST parameter sorted by name. The API verifies callbacks with it, the simulator signs with it;
 * the HMAC primitive is passed in, so domain/ imports nothing with I/O.
 */
import { equalInConstantTime } from './constant-time';

export const TWILIO_SIGNATURE_HEADER = 'X-Twilio-Signature';

/** base64 of HMAC-SHA1 of the UTF-8 `data` keyed with `key` (node:crypto's, in the callers). */
export type HmacSha1Base64 = (key: string, data: string) => string;

/** The signature of a request to `url` carrying the form `params` (an empty object for a GET). */
export function twilioSignature(
  hmac: HmacSha1Base64,
  authToken: string,
  url: string,
  params: Record<string, string>,
): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return hmac(authToken, data);
}

/** `url` without and with its scheme's default port (Twilio may have signed either form). */
function portVariants(url: string): string[] {
  const m = /^(https?:\/\/)([^/?#:@]+|\[[^\]]+\])(?::(\d+))?(.*)$/is.exec(url);
  if (!m) return [url];
  const [, scheme = '', host = '', port, rest = ''] = m;
  const defaultPort = scheme.toLowerCase() === 'https://' ? '443' : '80';
  if (port !== undefined && port !== defaultPort) return [url];
  return [`${scheme}${host}${rest}`, `${scheme}${host}:${defaultPort}${rest}`];
}

/**
 * True when `signature` is Twilio's for this request: compared in constant time against the URL as
 * given, with and without the default port.
 */
export function verifyTwilioSignature(
  hmac: HmacSha1Base64,
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
): boolean {
  if (!signature) return false;
  return portVariants(url).some((candidate) =>
    equalInConstantTime(twilioSignature(hmac, authToken, candidate, params), signature),
  );
}
