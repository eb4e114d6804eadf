/**
 * SPEC §1 "Auth": HTTP Basic, user = API key, password = API token (curl's `https://KEY:TOKEN@host/...`
 * sends exactly this header). Missing or invalid credentials → 401; valid credentials on another
 * account's path → 403 (a separate step, after the rate limit has counted the request).
 */
import type { MiddlewareHandler } from 'hono';
import type { Db } from '../../db/client';
import { hashToken, tokenMatches } from '../../db/queries/accounts';
import { createAccountCache } from '../account-cache';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="Outcall", charset="UTF-8"' };

/** A hash no token matches, compared when the key is unknown so both failures take the same time. */
const UNKNOWN_KEY_HASH = hashToken('outcall: no account has this key');

function credentials(header: string | undefined): { key: string; token: string } | null {
  const m = header ? /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header) : null;
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { key: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
}

/** Authenticates the API key and token; sets `account` to the key's account. */
export function basicAuth(deps: { db: Db }): MiddlewareHandler<AppEnv> {
  const accounts = createAccountCache(deps.db);
  return async (c, next) => {
    const creds = credentials(c.req.header('authorization'));
    if (!creds) {
      throw new ApiError(
        'UNAUTHORIZED',
        'credentials are missing: use HTTP Basic auth with the API key as user and the API token as password',
        {
          headers: CHALLENGE,
        },
      );
    }
    const account = await accounts.byApiKey(creds.key);
    const valid = tokenMatches(creds.token, account?.apiTokenHash ?? UNKNOWN_KEY_HASH) && account !== undefined;
    if (!valid) throw new ApiError('UNAUTHORIZED', 'the API key or API token is not valid', { headers: CHALLENGE });
    c.set('account', account);
    c.set('log', c.get('log').child({ account_sid: account.sid }));
    await next();
  };
}

const ACCOUNT_PATH = /^\/v2\/accounts\/([^/]+)/;

/** 403 when the authenticated account is not the one named in `/v2/accounts/{sid}/...`. */
export function requireOwnAccount(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const m = ACCOUNT_PATH.exec(c.req.path);
    if (m) {
      let sid: string;
      try {
        sid = decodeURIComponent(m[1]!);
      } catch {
        sid = m[1]!;
      }
      if (sid !== c.get('account').sid) {
        throw new ApiError(
          'FORBIDDEN',
          `these credentials belong to another account and cannot access account "${sid}"`,
        );
      }
    }
    await next();
  };
}
