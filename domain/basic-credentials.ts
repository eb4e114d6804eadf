/**
 * SPEC §1 "Auth": HTTP Basic, user = API key, password = API token (curl's `https://KEY:TOKEN@host/`
 * form sends exactly this). The header parsed once, for the API and the simulator's inspection view.
 */

import { textProblem } from './text-safety';

/**
 * The key and token of a `Basic` Authorization header, or null when it is missing or malformed
 * (credentials holding a NUL byte or a lone surrogate are malformed: no account can have them).
 */
export function parseBasicCredentials(header: string | undefined): { key: string; token: string } | null {
  const m = header ? /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header) : null;
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || textProblem(decoded) !== null) return null;
  return { key: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
}
