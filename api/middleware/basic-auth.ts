/**
 * SPEC §1 "Auth": HTTP Basic, user = API key, password = API token (curl's `https://KEY:TOKEN@host/...`
 * sends exactly this header). Missing or invalid credentials → 401; valid credentials on another
 * account's path → 403 (a separate step, after the rate limit has counted the request). Once an
 * address is over its failed-login limit, every request from it answers 429, right token or not.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Db } from '../../db/client';
import { parseBasicCredentials } from '../../domain/basic-credentials';
import { accountIfTokenMatches } from '../../db/queries/accounts';
import { createAccountCache } from '../account-cache';
import type { AppEnv } from '../context';
import { ApiError } from '../errors';
import type { MemoryWindow } from './rate-limit';

const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="Outcall", charset="UTF-8"' };

/** The client's address (one shared bucket when not served by @hono/node-server, e.g. `app.request()`). */
function clientIp(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Authenticates the API key and token; sets `account` to the key's account. An address that is over
 * its limit of failed logins (`failedLogins`, the window `unauthenticatedRateLimit` counts them in)
 * is refused before its credentials are looked at, so the right token is slowed exactly like a
 * wrong one and guessing gains nothing from the limit.
 */
export function basicAuth(deps: { db: Db }, failedLogins?: MemoryWindow): MiddlewareHandler<AppEnv> {
  const accounts = createAccountCache(deps.db);
  return async (c, next) => {
    if (failedLogins && failedLogins.peek(clientIp(c), Date.now()).remaining <= 0) {
      throw new ApiError('RATE_LIMITED', 'too many failed logins from this address; retry later');
    }
    const creds = parseBasicCredentials(c.req.header('authorization'));
    if (!creds) {
      throw new ApiError(
        'UNAUTHORIZED',
        'credentials are missing: use HTTP Basic auth with the API key as user and the API token as password',
        {
          headers: CHALLENGE,
        },
      );
    }
    const account = accountIfTokenMatches(await accounts.byApiKey(creds.key), creds.token);
    if (!account) throw new ApiError('UNAUTHORIZED', 'the API key or API token is not valid', { headers: CHALLENGE });
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
