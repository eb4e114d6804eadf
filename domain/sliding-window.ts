/**
 * SPEC §1 "Rate limit": an in-memory sliding-window log per key (client IP), for the limits kept in
 * one process's memory (unauthenticated `/v2` requests, the simulator's failed logins). Pure: the
 * caller passes the time; created once per app, never a module singleton.
 */

export const WINDOW_MS = 60_000;
/** Unauthenticated requests per client IP per window: generous for humans, a brake on token guessing. */
export const UNAUTHENTICATED_LIMIT = 300;

export interface Quota {
  limit: number;
  remaining: number;
  /** When the oldest counted request leaves the window (epoch ms). */
  resetAt: number;
}

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
