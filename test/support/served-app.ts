/**
 * The set-up that the API tests over real HTTP share: a fresh database, the real app on it behind
 * the API's HTTP server, and one account whose request rate limit stays out of the way.
 */
import { afterAll, beforeAll } from 'vitest';
import { createApp } from '../../api/app';
import type { CampaignEngine } from '../../api/deps';
import type { AccountInput } from '../../domain/schemas/account';
import { provisionAccount, testDeps, type TestAccount } from './api';
import { freshDatabase, type TestDatabase } from './db';
import { httpClient, serveApp, type HttpCall, type ServedApp } from './http-app';

export interface ServedTestApp {
  database: TestDatabase;
  served: ServedApp;
  /** The account, with `api_requests_per_minute` at 1,000,000 and `account`'s settings. */
  acct: TestAccount;
  /** JSON over HTTP as `acct`. */
  api: HttpCall;
}

/**
 * Registers the calling file's `beforeAll` (set up, then `use` receives what was set up) and
 * `afterAll` (the server stopped, the database dropped).
 */
export function serveOnFreshDatabase(
  use: (app: ServedTestApp) => void,
  opts: { account?: Partial<AccountInput>; engine?: CampaignEngine } = {},
): void {
  let database: TestDatabase | undefined;
  let served: ServedApp | undefined;
  beforeAll(async () => {
    database = await freshDatabase();
    served = await serveApp(createApp(testDeps(database.db, opts.engine)));
    const acct = await provisionAccount(database.db, { api_requests_per_minute: 1_000_000, ...opts.account });
    use({ database, served, acct, api: httpClient(served.baseUrl, acct) });
  });
  afterAll(async () => {
    await served?.stop();
    await database?.drop();
  });
}
