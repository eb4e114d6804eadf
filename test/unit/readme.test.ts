import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../../api/errors';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** Every file of the repository, relative to its root (dependencies, data and tools left out). */
function repoFiles(dir = ''): string[] {
  const skip = new Set(['node_modules', '.data', '.tools', '.git', 'dist', 'coverage']);
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    if (skip.has(e.name)) return [];
    return e.isDirectory() ? repoFiles(rel) : [rel];
  });
}
const files = repoFiles();

/** `test/api/campaigns.update.*` as a regular expression (`*` stays within one path segment). */
const globRegex = (glob: string) =>
  new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);

/** Backticked repository paths in the README's table rows: `domain/time.ts`, `test/unit/campaign-*.test.ts`. */
const FOLDERS = /^(api|activities|bench|bin|db|docs|domain|simulator|test|workflows)\//;
const ROOT_FILES = new Set(['docker-compose.yml', '.env.example', 'eslint.config.js', 'package.json']);
const tablePaths = [
  ...new Set(
    readme
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .flatMap((line) => [...line.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!))
      .filter((token) => FOLDERS.test(token) || ROOT_FILES.has(token)),
  ),
];

/** Named in the README: its path, or a glob whose file part is more than a bare `*`. */
function named(file: string): boolean {
  if (readme.includes(file)) return true;
  const globs = [...readme.matchAll(/`([^`\s]*\*[^`\s]*)`/g)].map((m) => m[1]!);
  return globs.some((g) => !g.endsWith('/*') && globRegex(g).test(file));
}

describe('README', () => {
  it('starts with the two commands', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(firstBlock).toContain('npm install && npm start');
    expect(firstBlock).toContain('npm install && npm test');
  });

  it('lists exactly the error codes of api/errors.ts', () => {
    const rows = [...readme.matchAll(/^\| (\d{4}) \| (\d{3}) \| ([A-Z_]+) \|$/gm)].map((m) => [
      m[3],
      Number(m[1]),
      Number(m[2]),
    ]);
    const table = Object.entries(ERROR_CODES).map(([key, v]) => [key, v.code, v.http]);
    expect(rows.sort()).toEqual(table.sort());
  });

  it('names only npm scripts that exist', () => {
    const scripts = Object.keys(
      (
        JSON.parse(
          readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../package.json'), 'utf8'),
        ) as { scripts: Record<string, string> }
      ).scripts,
    );
    for (const m of readme.matchAll(/npm run ([a-z:-]+)/g)) expect(scripts, m[0]).toContain(m[1]);
  });

  it('names only paths that exist in its tables', () => {
    expect(tablePaths.length).toBeGreaterThan(50);
    const missing = tablePaths.filter((p) => {
      if (p.includes('*')) return !files.some((f) => globRegex(p).test(f));
      const target = path.join(root, p);
      try {
        return p.endsWith('/') ? !statSync(target).isDirectory() : !statSync(target).isFile();
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });

  it('names every domain/ file and every test file', () => {
    const wanted = files.filter((f) => (f.startsWith('domain/') && f.endsWith('.ts')) || f.endsWith('.test.ts'));
    expect(wanted.filter((f) => !named(f))).toEqual([]);
  });
});
