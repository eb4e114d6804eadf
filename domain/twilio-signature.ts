/**
 * SPEC §7 `twilio`: Twilio's request signature (`X-Twilio-Signature`), computed as Twilio computes it:
 * base64 of HMAC-SHA1, keyed with the account's auth token, over the full URL Twilio requested
 * (query string included) followed by every POST parameter, sorted by name, as name then value.
 * The API verifies callbacks with it; the simulator's Twilio contract signs its callbacks with it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TWILIO_SIGNATURE_HEADER = 'X-Twilio-Signature';

/** The signature of a request to `url` carrying the form `params` (an empty object for a GET). */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
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
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
): boolean {
  if (!signature) return false;
  const given = Buffer.from(signature);
  return portVariants(url).some((candidate) => {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params));
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
