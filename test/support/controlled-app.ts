/**
 * The set-up the PUT/DELETE API tests share: a fresh database, the app on it with the workflow-like engine of
 * `campaign-control.ts` (its answer overridden by `script`), the account and a second one (a stranger).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createApp } from '../../api/app';
import type { ControlResult } from '../../api/deps';
import type { AccountInput } from '../../domain/schemas/account';
import { provisionAccount, testDeps, type App, type TestAccount } from './api';
import { workflowLikeEngine, type WorkflowLikeEngine } from './campaign-control';
import { freshDatabase, type TestDatabase } from './db';

export interface ControlledTestApp {
  database: TestDatabase;
  engine: WorkflowLikeEngine;
  app: App;
  /** The account, with `account`'s settings. */
  acct: TestAccount;
  other: TestAccount;
}

/** The workflow's next answer, when a test scripts one; reset to none before each test. */
export interface ControlScript {
  next: ControlResult | null;
}

/**
 * Registers the calling file's `beforeAll` (set up, then `use` receives it), `beforeEach` (the script reset) and
 * `afterAll` (the database dropped); returns the script the engine answers by.
 */
export function controlOnFreshDatabase(
  use: (app: ControlledTestApp) => void,
  opts: { account?: Partial<AccountInput> } = {},
): ControlScript {
  const script: ControlScript = { next: null };
  let database: TestDatabase | undefined;
  beforeEach(() => {
    script.next = null;
  });
  beforeAll(async () => {
    database = await freshDatabase();
    const engine = workflowLikeEngine(database.db, { script: () => script.next });
    const app = createApp(testDeps(database.db, engine));
    const acct = await provisionAccount(database.db, opts.account);
    const other = await provisionAccount(database.db);
    use({ database, engine, app, acct, other });
  });
  afterAll(async () => {
    await database?.drop();
  });
  return script;
}
