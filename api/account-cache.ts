/**
 * SPEC §1 auth with fewer account lookups: requests for one API key that arrive while its lookup is
 * still in flight share that lookup, so a burst costs one round trip, not one per request. A lookup
 * that has answered is not reused (`ACCOUNT_CACHE_TTL_MS` is 0): a change to an account (a rotated
 * token, a new limit or setting, made by the ops CLI or another process) applies to the next request,
 * which a cache kept for seconds would not. The token is still checked on every request (Basic auth
 * compares the presented token's hash with the row's, in constant time). Unknown keys and failed
 * lookups are asked again next time. At most `ACCOUNT_CACHE_MAX` keys are kept. One cache per app,
 * never a module singleton (STYLE G8).
 */
import type { Db } from '../db/client';
import { findAccountByApiKey, type AccountRow } from '../db/queries/accounts';

export const ACCOUNT_CACHE_TTL_MS = 0;
const ACCOUNT_CACHE_MAX = 10_000;

export interface AccountCache {
  /** The account of `apiKey` (undefined when none has it): a lookup in flight, or at most `ttlMs` old. */
  byApiKey(apiKey: string): Promise<AccountRow | undefined>;
}

export function createAccountCache(db: Db, ttlMs = ACCOUNT_CACHE_TTL_MS): AccountCache {
  const rows = new Map<string, { at: number; settled: boolean; row: Promise<AccountRow | undefined> }>();
  return {
    async byApiKey(apiKey) {
      const now = Date.now();
      const hit = rows.get(apiKey);
      if (hit && (!hit.settled || now - hit.at < ttlMs)) return hit.row;
      // Concurrent requests for one key share one lookup.
      const entry = { at: now, settled: false, row: findAccountByApiKey(db, apiKey) };
      rows.delete(apiKey);
      if (rows.size >= ACCOUNT_CACHE_MAX) rows.delete(rows.keys().next().value!);
      rows.set(apiKey, entry);
      const forget = () => {
        if (rows.get(apiKey) === entry) rows.delete(apiKey);
      };
      // Only accounts are remembered: an unknown key or a failed lookup is asked again next time.
      entry.row.then((row) => {
        entry.settled = true;
        entry.at = Date.now();
        if (!row) forget();
      }, forget);
      return entry.row;
    },
  };
}
