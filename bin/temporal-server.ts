/**
 * The real Temporal server and its SQL tool, built once from their Go module into `.tools/temporal-server/v<version>/`
 * (`server`, `sql`, the PostgreSQL schema) and reused, so a filled cache needs no Go. Building needs Go ≥ 1.21 on PATH;
 * Go fetches the pinned toolchain from the module proxy.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPORAL_SERVER_VERSION = '1.32.2';
/** The server's go.mod needs Go ≥ 1.26.10; this is the toolchain it is built with. */
export const TEMPORAL_GO_TOOLCHAIN = 'go1.27.3';
const MODULE = 'go.temporal.io/server';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface TemporalServerBinaries {
  version: string;
  /** `server --config-file F start`. */
  server: string;
  /** temporal-sql-tool: create-database, setup-schema, update-schema. */
  sql: string;
  /** `<schema>/temporal/versioned` and `<schema>/visibility/versioned` for update-schema. */
  postgresSchemaDir: string;
}

/** Where the cache of one version lives (`.tools` may be a symlink to a shared cache). */
export function temporalServerDir(version = TEMPORAL_SERVER_VERSION): string {
  return path.join(root, '.tools', 'temporal-server', `v${version}`);
}

function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: TEMPORAL_GO_TOOLCHAIN, GO111MODULE: 'on' };
}

function reportsVersion(binary: string, version: string): boolean {
  if (!existsSync(binary)) return false;
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 && `${r.stdout}${r.stderr}`.includes(version);
}

/** `GOBIN=<dir> go install <pkg>@v<version>`, its output appended to `<dir>/build.log`. */
async function goInstall(dir: string, pkg: string, version: string, log: (line: string) => void): Promise<void> {
  const target = `${MODULE}/${pkg}@v${version}`;
  log(`building ${target} with ${TEMPORAL_GO_TOOLCHAIN} (the first build takes about 6 minutes)`);
  const out = createWriteStream(path.join(dir, 'build.log'), { flags: 'a' });
  out.write(`$ GOTOOLCHAIN=${TEMPORAL_GO_TOOLCHAIN} GOBIN=${dir} go install ${target}\n`);
  const t0 = Date.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    // Outside any module (cwd = temp dir): `go install pkg@version` builds exactly that version.
    const child = spawn('go', ['install', target], {
      cwd: os.tmpdir(),
      env: { ...goEnv(), GOBIN: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  out.end(`rc=${code}\n`);
  if (code !== 0) throw new Error(`go install ${target} failed (exit ${code}); see ${path.join(dir, 'build.log')}`);
  log(`built ${target} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** The module's directory in the Go module cache, downloading the module when it is not there. */
function moduleDir(version: string): string {
  const r = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@v${version}`], {
    cwd: os.tmpdir(),
    env: goEnv(),
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`go mod download ${MODULE}@v${version} failed: ${r.stderr || r.stdout}`);
  const dir = (JSON.parse(r.stdout) as { Dir?: string }).Dir;
  if (!dir || !existsSync(dir)) throw new Error(`go mod download did not report the module directory: ${r.stdout}`);
  return dir;
}

/**
 * Copies the module's PostgreSQL schema beside the binaries (once; written under a temp name and
 * renamed, so a concurrent caller never sees half a copy). The module cache is read-only: the copy
 * is not, so the cache directory can be removed normally.
 */
function cacheSchema(dir: string, version: string, log: (line: string) => void): string {
  const schema = path.join(dir, 'schema', 'postgresql', 'v12');
  if (existsSync(path.join(schema, 'temporal', 'versioned'))) return schema;
  const from = path.join(moduleDir(version), 'schema', 'postgresql', 'v12');
  log(`copying the PostgreSQL schema of ${MODULE}@v${version} into ${path.relative(root, schema)}`);
  const tmp = `${schema}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(path.dirname(schema), { recursive: true });
  cpSync(from, tmp, { recursive: true, mode: 0 });
  spawnSync('chmod', ['-R', 'u+w', tmp]);
  if (existsSync(path.join(schema, 'temporal', 'versioned'))) rmSync(tmp, { recursive: true, force: true });
  else renameSync(tmp, schema);
  return schema;
}

/**
 * Finds the cached server and schema tool of `version` (in `dir`, default the shared cache),
 * building what is missing. Quick when the cache is filled (two `--version` calls).
 */
export async function ensureTemporalServer(
  opts: { version?: string; log?: (line: string) => void; dir?: string } = {},
): Promise<TemporalServerBinaries> {
  const version = opts.version ?? TEMPORAL_SERVER_VERSION;
  const log = opts.log ?? ((line: string) => process.stderr.write(`[temporal-server] ${line}\n`));
  const dir = opts.dir ?? temporalServerDir(version);
  mkdirSync(dir, { recursive: true });
  const server = path.join(dir, 'server');
  const sql = path.join(dir, 'sql');
  if (!reportsVersion(server, version)) await goInstall(dir, 'cmd/server', version, log);
  if (!reportsVersion(sql, version)) await goInstall(dir, 'cmd/tools/sql', version, log);
  for (const b of [server, sql])
    if (!reportsVersion(b, version)) throw new Error(`${b} does not report version ${version} after the build`);
  return { version, server, sql, postgresSchemaDir: cacheSchema(dir, version, log) };
}
