/**
 * SPEC §1 auth with fewer account lookups: requests for one API key that arrive while its lookup is in flight share it.
 * An answered lookup is not reused (`ACCOUNT_CACHE_TTL_MS` is 0), so an account change applies to the next request; the
 * token is checked on every request. One cache per app (STYLE G8).
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
