/**
 * `bin/api.ts` as a real child process (as `npm run start:api` runs it) on a test database and the
 * shared Temporal dev server, for tests that kill it. Node itself with tsx's loader, not the `tsx`
 * CLI: the CLI runs the script in a child process that a SIGKILL of the CLI would leave running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { freePort } from '../../bin/services';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ApiProcess {
  baseUrl: string;
  process: ChildProcess;
  exited: Promise<void>;
}

/** Starts the API against `databaseUrl` with `accounts` provisioned; resolves once it answers. */
export async function startApiProcess(databaseUrl: string, accounts: unknown[]): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/api.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      OUTCALL_PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      OUTCALL_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'outcall-api-process-')),
      OUTCALL_SIGNING_SECRET: 'api-process-test-signing-secret',
      OUTCALL_SIMULATOR: 'false',
      OUTCALL_ACCOUNTS: JSON.stringify(accounts),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bin/api.ts exited with ${child.exitCode}`);
    const up = await fetch(`${baseUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { baseUrl, process: child, exited };
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('bin/api.ts did not start within 90 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
