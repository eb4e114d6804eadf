/**
 * SPEC §1 "Rate limit": per account, a sliding 60-second window over every authenticated `/v2`
 * request (default 200, the account's `api_requests_per_minute`), kept in PostgreSQL so all replicas
 * share it; requests rejected with 429 do not count. Unauthenticated requests are limited per client
 * IP, in this process's memory. Every `/v2` response carries `X-RateLimit-Limit`,
 * `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix seconds); a 429 also `Retry-After`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Db } from '../../db/client';
import type { AccountRow } from '../../db/queries/accounts';
import { hitWindow, pruneRequests } from '../../db/queries/api-requests';
import type { AppEnv } from '../context';
import { renderError } from '../envelope';
import { ApiError } from '../errors';

export const WINDOW_MS = 60_000;
/** Unauthenticated requests per client IP per window: generous for humans, a brake on token guessing. */
export const UNAUTHENTICATED_LIMIT = 300;
const PRUNE_EVERY_MS = 60_000;

interface Quota {
  limit: number;
  remaining: number;
  /** When the oldest counted request leaves the window (epoch ms). */
  resetAt: number;
}

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

/** The account limit, after Basic auth. */
export function accountRateLimit(deps: { db: Db }): MiddlewareHandler<AppEnv> {
  let lastPrune = 0;
  return async (c, next) => {
    const account = c.get('account');
    const now = new Date();
    const limit = account.apiRequestsPerMinute;
    const state = await hitWindow(deps.db, { bucket: `account:${account.sid}`, limit, windowMs: WINDOW_MS, now });
    const quota: Quota = { limit, remaining: limit - state.count, resetAt: state.oldest.getTime() + WINDOW_MS };
    if (!state.allowed) throw rejection(quota, now.getTime(), `account "${account.sid}"`);
    if (now.getTime() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = now.getTime();
      pruneRequests(deps.db, new Date(now.getTime() - WINDOW_MS)).catch((err: unknown) =>
        c.get('log').warn({ err }, 'Pruning api_requests failed'),
      );
    }
    await next();
    setHeaders(c, quota, now.getTime());
  };
}

/** An in-memory sliding-window log per key; created once per app, never a module singleton. */
export function createMemoryWindow(limit: number, windowMs = WINDOW_MS) {
  const hits = new Map<string, number[]>();
  const recent = (key: string, now: number) => (hits.get(key) ?? []).filter((t) => t > now - windowMs);
  return {
    limit,
    peek(key: string, now: number): Quota {
      const log = recent(key, now);
      return { limit, remaining: limit - log.length, resetAt: (log[0] ?? now) + windowMs };
    },
    hit(key: string, now: number): Quota {
      const log = recent(key, now);
      log.push(now);
      hits.set(key, log);
      if (hits.size > 10_000) for (const [k, v] of hits) if (!v.some((t) => t > now - windowMs)) hits.delete(k);
      return { limit, remaining: limit - log.length, resetAt: log[0]! + windowMs };
    },
  };
}

export type MemoryWindow = ReturnType<typeof createMemoryWindow>;

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
