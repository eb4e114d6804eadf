/**
 * SPEC §1 "Rate limit": per account, a sliding 60-second window over authenticated `/v2` requests, kept in PostgreSQL
 * so replicas share it; 429s do not count, bulk elements do (`chargeBulkElements`). Unauthenticated requests are
 * limited per client IP in memory. Headers and details: docs/architecture.md.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Db } from '../../db/client';
import type { AccountRow } from '../../db/queries/accounts';
import { hitWindow, pruneRequests, refundHit, type WindowState } from '../../db/queries/api-requests';
import type { AppEnv } from '../context';
import { renderError } from '../envelope';
import { ApiError } from '../errors';
import {
  createMemoryWindow,
  UNAUTHENTICATED_LIMIT,
  WINDOW_MS,
  type MemoryWindow,
  type Quota,
} from '../../domain/sliding-window';

export { createMemoryWindow, UNAUTHENTICATED_LIMIT, WINDOW_MS, type MemoryWindow };
const PRUNE_EVERY_MS = 60_000;

function quotaHeaders(q: Quota, now: number, rejected: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'X-RateLimit-Limit': String(q.limit),
    'X-RateLimit-Remaining': String(Math.max(0, q.remaining)),
    'X-RateLimit-Reset': String(Math.ceil(q.resetAt / 1000)),
  };
  if (rejected) headers['Retry-After'] = String(Math.max(1, Math.ceil((q.resetAt - now) / 1000)));
  return headers;
}

function rejection(q: Quota, now: number, who: string): ApiError {
  const retry = Math.max(1, Math.ceil((q.resetAt - now) / 1000));
  return new ApiError(
    'RATE_LIMITED',
    `${who} has made ${q.limit} requests in the last 60 seconds; retry in ${retry} s`,
    {
      headers: quotaHeaders(q, now, true),
    },
  );
}

function setHeaders(c: Context<AppEnv>, q: Quota, now: number): void {
  for (const [name, value] of Object.entries(quotaHeaders(q, now, false))) c.res.headers.set(name, value);
}

/** What the account limit puts on the context for a bulk handler (SPEC §1: each element counts). */
export interface RateLimitHandle {
  /**
   * Counts a bulk body of `elements` elements as that many requests: the request itself was counted
   * once on arrival, so the other `elements - 1` are charged now, all or none. When they do not fit
   * the request becomes a 429 and its own hit is taken back (a rejected request does not count).
   * Call it before doing any of the elements' work; a second call on the same request does nothing.
   */
  chargeElements(elements: number): Promise<void>;
}

/** The account's quota from the window's state (reset: when the oldest counted request leaves it). */
function quotaOf(state: WindowState, limit: number): Quota {
  return { limit, remaining: limit - state.count, resetAt: state.oldest.getTime() + WINDOW_MS };
}

/**
 * The account limit, after Basic auth: one database round trip per request (`hitWindow`), exact
 * across replicas. Quota headers go on every response, errors included.
 */
export function accountRateLimit(deps: { db: Db }): MiddlewareHandler<AppEnv> {
  let lastPrune = 0;
  return async (c, next) => {
    const account = c.get('account');
    const bucket = `account:${account.sid}`;
    const who = `account "${account.sid}"`;
    const limit = account.apiRequestsPerMinute;
    const state = await hitWindow(deps.db, { bucket, limit, windowMs: WINDOW_MS });
    let quota = quotaOf(state, limit);
    let now = state.now.getTime();
    if (!state.allowed) throw rejection(quota, now, who);
    let settled = false;
    const handle: RateLimitHandle = {
      async chargeElements(elements) {
        if (settled) return;
        settled = true;
        const extra = Math.floor(elements) - 1;
        if (extra <= 0) return;
        const more = await hitWindow(deps.db, { bucket, limit, windowMs: WINDOW_MS, weight: extra });
        now = more.now.getTime();
        if (more.allowed) {
          quota = quotaOf(more, limit);
          return;
        }
        await refundHit(deps.db, bucket, state.hitId!);
        quota = { ...quotaOf(more, limit), remaining: limit - (more.count - 1) };
        throw rejection(
          quota,
          now,
          `${who} (a bulk body of ${elements} elements counts as ${elements} requests; ${quota.remaining} remain)`,
        );
      },
    };
    c.set('rateLimit', handle);
    if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = Date.now();
      pruneRequests(deps.db, WINDOW_MS).catch((err: unknown) =>
        c.get('log').warn({ err }, 'Pruning api_requests failed'),
      );
    }
    await next();
    setHeaders(c, quota, now);
  };
}

/**
 * SPEC §1 for bulk bodies: counts the body's `elements` against the account's limit (see
 * `RateLimitHandle.chargeElements`); a no-op on requests the account limit did not see.
 */
export async function chargeBulkElements(c: Context<AppEnv>, elements: number): Promise<void> {
  const handle = c.get('rateLimit') as RateLimitHandle | undefined;
  await handle?.chargeElements(elements);
}

function clientIp(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // Not served by @hono/node-server (e.g. `app.request()` in tests): one shared bucket.
    return 'unknown';
  }
}

/**
 * The per-IP limit for requests that do not authenticate. Wraps Basic auth: a request that ends
 * without an authenticated account counts against its IP and gets that IP's quota headers; once the
 * IP is over its limit such requests answer 429 instead of 401. Authenticated requests are untouched.
 */
export function unauthenticatedRateLimit(window: MemoryWindow): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    // `account` is set only by Basic auth; its absence here means the request did not authenticate.
    if ((c.get('account') as AccountRow | undefined) !== undefined) return;
    const ip = clientIp(c);
    const now = Date.now();
    const before = window.peek(ip, now);
    if (before.remaining <= 0) {
      c.res = renderError(c, rejection(before, now, `client ${ip} (unauthenticated)`));
      return;
    }
    setHeaders(c, window.hit(ip, now), now);
  };
}
