/**
 * SPEC §1 auth without a database round trip per request: the account row of an API key, kept for
 * a few seconds. The token is still checked on every request (Basic auth compares the presented
 * token's hash with the row's, in constant time); what the cache saves is the lookup. The cost: a
 * change to an account (a rotated token, a new limit, made by the ops CLI or another process) takes
 * effect in an API process up to `ACCOUNT_CACHE_TTL_MS` later. Unknown keys are not remembered (a
 * key provisioned a moment ago works at once; guessing is slowed per client IP instead). At most
 * `ACCOUNT_CACHE_MAX` keys are kept. One cache per app, never a module singleton (STYLE G8).
 */
import type { Db } from '../db/client';
import { findAccountByApiKey, type AccountRow } from '../db/queries/accounts';

export const ACCOUNT_CACHE_TTL_MS = 5000;
const ACCOUNT_CACHE_MAX = 10_000;

export interface AccountCache {
  /** The account of `apiKey` (undefined when none has it), read at most `ACCOUNT_CACHE_TTL_MS` ago. */
  byApiKey(apiKey: string): Promise<AccountRow | undefined>;
}

export function createAccountCache(db: Db, ttlMs = ACCOUNT_CACHE_TTL_MS): AccountCache {
  const rows = new Map<string, { at: number; row: Promise<AccountRow | undefined> }>();
  return {
    async byApiKey(apiKey) {
      const now = Date.now();
      const hit = rows.get(apiKey);
      if (hit && now - hit.at < ttlMs) return hit.row;
      // Concurrent requests for one key share one lookup.
      const entry = { at: now, row: findAccountByApiKey(db, apiKey) };
      rows.delete(apiKey);
      if (rows.size >= ACCOUNT_CACHE_MAX) rows.delete(rows.keys().next().value!);
      rows.set(apiKey, entry);
      const forget = () => {
        if (rows.get(apiKey) === entry) rows.delete(apiKey);
      };
      // Only accounts are remembered: an unknown key or a failed lookup is asked again next time.
      entry.row.then((row) => row ?? forget(), forget);
      return entry.row;
    },
  };
}
