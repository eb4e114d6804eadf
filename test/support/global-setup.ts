/**
 * One PostgreSQL and one Temporal dev server for the whole run (STYLE G14), shared through vitest's
 * provide/inject. Each test file then takes a fresh database cloned from a migrated template.
 */
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, chmodSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import {
  startEmbeddedPostgres,
  startTemporalDevServer,
  type RunningPostgres,
  type RunningTemporal,
} from '../../bin/services';
import { ensureToolchain } from '../../bin/toolchain';
import { createDb, closeDb } from '../../db/client';
import { migrateDb } from '../../db/migrate';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    temporalAddress: string;
    testServerPath: string;
  }
}

let pg: RunningPostgres | undefined;
let temporal: RunningTemporal | undefined;

export async function setup(project: TestProject): Promise<void> {
  const tools = ensureToolchain();
  const base = mkdtempSync(path.join(os.tmpdir(), 'outcall-test-'));
  chmodSync(base, 0o777);
  const external = process.env.TEST_DATABASE_URL;
  let adminUrl: string;
  if (external) {
    adminUrl = external;
  } else {
    pg = await startEmbeddedPostgres({ dataDir: path.join(base, 'pg'), persistent: false });
    adminUrl = pg.url;
  }
  const db = createDb(adminUrl, { max: 2 });
  await db.$client.unsafe('drop database if exists outcall_template');
  await db.$client.unsafe('create database outcall_template');
  await closeDb(db);
  const tdb = createDb(adminUrl.replace(/\/[^/]*$/, '/outcall_template'), { max: 2 });
  await migrateDb(tdb);
  await closeDb(tdb);
  temporal = await startTemporalDevServer({
    binary: tools.temporal,
    logFile: path.join(base, 'temporal.log'),
    dynamicConfig: {
      // Small enough that continue-as-new and pending-child limits are exercised by the suite.
      'limit.historyCount.suggestContinueAsNew': 400,
      'limit.numPendingChildExecutions.error': 50,
    },
  });
  project.provide('pgAdminUrl', adminUrl);
  project.provide('temporalAddress', temporal.address);
  project.provide('testServerPath', tools.testServer);
}

export async function teardown(): Promise<void> {
  await temporal?.stop();
  await pg?.stop();
}
