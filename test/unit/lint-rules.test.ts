/**
 * STYLE G2: prove the boundary rules fire. A glob that silently matches nothing looks exactly like a
 * clean codebase, so each rule is fed a deliberate violation as if it were a real file of its folder.
 * The type-aware parser only accepts files of the TypeScript project, so the text is linted under
 * the path of an existing file in that folder (its content on disk is not read).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function fileIn(folder: string): string {
  const name = readdirSync(path.join(root, folder))
    .sort()
    .find((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
  if (!name) throw new Error(`no .ts file in ${folder}/ to lint a probe as`);
  return path.join(root, folder, name);
}

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** Lints `code` as a file of `folder` (or as the file itself, given a path ending in `.ts`). */
async function lintAs(folder: string, code: string): Promise<Linter.LintMessage[]> {
  const filePath = folder.endsWith('.ts') ? path.join(root, folder) : fileIn(folder);
  const [result] = await eslint.lintText(code, { filePath });
  const messages = result!.messages;
  const fatal = messages.find((m) => m.fatal);
  if (fatal) throw new Error(`probe did not parse: ${fatal.message}`);
  return messages;
}

const restricted = (messages: Linter.LintMessage[]) =>
  messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.line);

describe('G2 workflow sandbox imports', () => {
  it('rejects Node built-ins, bare or node:-prefixed', async () => {
    const messages = await lintAs(
      'workflows',
      "import { readFileSync } from 'node:fs';\nimport { join } from 'path';\nexport const x = [readFileSync, join];\n",
    );
    expect(restricted(messages)).toEqual([1, 2]);
    expect(messages[0]!.message).toMatch(/no Node built-ins/);
  });

  it('rejects values from the activities, db, api and bin folders', async () => {
    const code = [
      "import { something } from '../activities/x';",
      "import { createDb } from '../db/client';",
      "import { createApp } from '../api/app';",
      "import { loadConfig } from '../bin/config';",
      'export const x = [something, createDb, createApp, loadConfig];',
    ].join('\n');
    expect(restricted(await lintAs('workflows', code))).toEqual([1, 2, 3, 4]);
  });

  it('rejects the I/O packages', async () => {
    const code = [
      "import pino from 'pino';",
      "import postgres from 'postgres';",
      "import { eq } from 'drizzle-orm';",
      "import { Hono } from 'hono';",
      "import { parsePhoneNumber } from 'libphonenumber-js';",
      "import { Client } from '@temporalio/client';",
      'export const x = [pino, postgres, eq, Hono, parsePhoneNumber, Client];',
    ].join('\n');
    expect(restricted(await lintAs('workflows', code))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('accepts type-only imports of activities, db and the I/O packages', async () => {
    const code = [
      "import type { createActivities } from '../activities';",
      "import type { Db } from '../db/client';",
      "import type { Logger } from 'pino';",
      "import { type AccountRow } from '../db/queries/accounts';",
      "import { proxyActivities } from '@temporalio/workflow';",
      'export type T = [typeof createActivities, Db, Logger, AccountRow, typeof proxyActivities];',
    ].join('\n');
    expect(await lintAs('workflows', code)).toEqual([]);
  });
});

/** The lines of `code` (one import per line, then an export using them all) that the rule reports. */
async function refused(folder: string, imports: string[]): Promise<number[]> {
  const names = imports.map((line) => /import (?:type )?\{ (\w+)/.exec(line)?.[1] ?? /import (\w+)/.exec(line)![1]);
  const code = [...imports, `export const x = [${names.join(', ')}];`, ''].join('\n');
  return restricted(await lintAs(folder, code));
}

describe('G1 folder boundaries', () => {
  it('keeps api/ from importing activities/', async () => {
    const messages = await lintAs(
      'api',
      "import { createActivities } from '../activities';\nexport const x = createActivities;\n",
    );
    expect(restricted(messages)).toEqual([1]);
  });

  it('keeps api/ to db/queries/ for the database, and away from the simulator', async () => {
    const lines = [
      "import { campaigns } from '../db/schema';",
      "import { createDb } from '../db/client';",
      "import { eq } from 'drizzle-orm';",
      "import postgres from 'postgres';",
      "import { createSimulatorApp } from '../simulator';",
      "import { findCampaign } from '../db/queries/campaigns';",
    ];
    expect(await refused('api', lines)).toEqual([1, 2, 3, 4, 5]);
  });

  it('lets api/ import database types', async () => {
    const code = [
      "import type { campaigns } from '../db/schema';",
      "import type { SQL } from 'drizzle-orm';",
      "import { type Db } from '../db/client';",
      'export type T = [typeof campaigns, SQL, Db];',
      '',
    ].join('\n');
    expect(await lintAs('api', code)).toEqual([]);
  });

  it('keeps hono out of activities/, and the simulator but its contract', async () => {
    const lines = [
      "import { Hono } from 'hono';",
      "import { serve } from '@hono/node-server';",
      "import { createSimulatorApp } from '../simulator/app';",
      "import { simulatedOutcome } from '../simulator/outcome';",
      "import { simulatorBaseUrl } from '../simulator/contract';",
    ];
    expect(await refused('activities', lines)).toEqual([1, 2, 3, 4]);
  });

  it('keeps domain/ from importing any other project folder', async () => {
    const lines = [
      "import { createDb } from '../db/client';",
      "import { pauseSignal } from '../workflows/definitions';",
    ];
    expect(await refused('domain', lines)).toEqual([1, 2]);
  });

  it('keeps domain/ free of Node built-ins, SDKs and I/O packages', async () => {
    const lines = [
      "import { createHmac } from 'node:crypto';",
      "import { randomUUID } from 'crypto';",
      "import { defineSearchAttributeKey } from '@temporalio/common';",
      "import { proxyActivities } from '@temporalio/workflow';",
      "import pino from 'pino';",
      "import { sql } from 'drizzle-orm';",
      "import { Hono } from 'hono';",
      "import { simulatedOutcome } from '../simulator/outcome';",
      "import { z } from 'zod';",
      "import { parsePhoneNumber } from 'libphonenumber-js';",
    ];
    expect(await refused('domain', lines)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('keeps the simulator its own part, and db/ below the engine', async () => {
    const sim = [
      "import { createActivities } from '../activities';",
      "import { createApp } from '../api/app';",
      "import { pauseSignal } from '../workflows/definitions';",
      "import { loadConfig } from '../bin/config';",
      "import { simCalls } from '../db/schema';",
    ];
    expect(await refused('simulator', sim)).toEqual([1, 2, 3, 4]);
    const db = ["import { createApp } from '../../api/app';", "import { x } from '../../simulator/contract';"];
    expect(await refused('db/queries', db)).toEqual([1, 2]);
  });

  it('keeps the simulator out of workflows/', async () => {
    expect(await refused('workflows', ["import { simulatorBaseUrl } from '../simulator/contract';"])).toEqual([1]);
  });

  it('keeps bin/ to db/queries/ for reads and writes, wiring db/client and db/migrate', async () => {
    const lines = [
      "import { campaigns } from '../db/schema';",
      "import { sql } from 'drizzle-orm';",
      "import { createDb } from '../db/client';",
      "import { migrateDb } from '../db/migrate';",
      "import { findCampaign } from '../db/queries/campaigns';",
    ];
    expect(await refused('bin', lines)).toEqual([1, 2]);
  });

  it('keeps test/ from importing bench/', async () => {
    const lines = [
      "import { recordResults } from '../../bench/support/results';",
      "import { x } from '../support/db';",
    ];
    expect(await refused('test/unit', lines)).toEqual([1]);
  });
});

describe('G12 config and promises', () => {
  it('bans process.env outside bin/ and test/', async () => {
    const code = 'export const url = process.env.DATABASE_URL;\n';
    expect((await lintAs('api', code)).map((m) => m.ruleId)).toEqual(['no-restricted-properties']);
    expect(await lintAs('bin', code)).toEqual([]);
  });

  it('reports a floating promise (type-aware)', async () => {
    const code = 'async function work(): Promise<void> {}\nexport function run(): void {\n  work();\n}\n';
    const messages = await lintAs('domain', code);
    expect(messages.map((m) => [m.ruleId, m.line])).toEqual([['@typescript-eslint/no-floating-promises', 3]]);
  });
});
