/**
 * STYLE "Small units" and the formatter's width: no line of a source file is over 120 characters (Prettier wraps code
 * there, but not strings or comments), no source file but a test's list of cases is over 400 lines, and no file's
 * header comment is over 6 lines (the rest belongs in docs/). The files over a limit today are listed with what they
 * hold now.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAX_WIDTH = 120;
const MAX_LINES = 400;
const MAX_HEADER = 6;

/**
 * Lines over 120 characters, per file, that their owners are wrapping or rewriting on other branches.
 * A file may not gain any; one that no longer has any fails this test until it is taken off the list.
 */
const LONG_LINES: Record<string, number> = {};

/**
 * Source files over 400 lines that their owners are splitting, with their length today: they may
 * not grow, and one that is back under the limit fails this test until it is taken off the list.
 */
const LONG_FILES: Record<string, number> = {};

/** Files whose header comment is over 6 lines, with its length today (none). */
const LONG_HEADERS: Record<string, number> = {};

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SKIP = new Set(['node_modules', '.data', '.tools', '.git', 'dist', 'coverage']);
const GENERATED = ['db/migrations/', 'test/replay/histories/'];
const SOURCE = /\.(ts|js|mjs|cjs|ya?ml|sh)$/;

function sources(dir = ''): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    if (SKIP.has(e.name) || GENERATED.some((g) => `${rel}/`.startsWith(g))) return [];
    if (e.isDirectory()) return sources(rel);
    return e.isFile() && SOURCE.test(e.name) ? [rel] : [];
  });
}

/** Lines of the leading comment (after a shebang): a block comment to its `*/ `, or a run of `; //` or `#` lines. */
function headerLines(lines: string[]): number {
  const start = lines[0]?.startsWith('#!') ? 1 : 0;
  const first = lines[start]?.trimStart() ?? '';
  if (first.startsWith('/*')) {
    const end = lines.findIndex((l, i) => i >= start && l.includes('*/'));
    return (end < 0 ? lines.length : end + 1) - start;
  }
  const prefix = ['//', '#'].find((p) => first.startsWith(p));
  if (prefix === undefined) return 0;
  let end = start;
  while (end < lines.length && lines[end]!.trimStart().startsWith(prefix)) end++;
  return end - start;
}

const files = sources().map((file) => {
  const text = readFileSync(path.join(root, file), 'utf8');
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  // Characters, not UTF-16 units: `—` and `≤` count once, as they do for Prettier.
  const long = lines.filter((l) => [...l].length > MAX_WIDTH).length;
  return { file, lines: lines.length, long, header: headerLines(lines) };
});
const byFile = new Map(files.map((f) => [f.file, f]));

describe('source limits', () => {
  it('reads the source files', () => {
    expect(files.length).toBeGreaterThan(200);
    expect(byFile.has('domain/campaign-update.ts')).toBe(true);
  });

  it(`keeps every line within ${MAX_WIDTH} characters`, () => {
    const over = files.filter((f) => f.long > (LONG_LINES[f.file] ?? 0)).map((f) => `${f.file}: ${f.long}`);
    expect(over, 'files with more lines over the width than the list allows').toEqual([]);
  });

  it(`keeps every source file within ${MAX_LINES} lines (a test file's cases apart)`, () => {
    const over = files
      .filter((f) => !f.file.endsWith('.test.ts') && f.lines > (LONG_FILES[f.file] ?? MAX_LINES))
      .map((f) => `${f.file}: ${f.lines}`);
    expect(over, 'source files longer than the limit or their listed length').toEqual([]);
  });

  it(`keeps every header comment within ${MAX_HEADER} lines`, () => {
    const over = files
      .filter((f) => f.header > (LONG_HEADERS[f.file] ?? MAX_HEADER))
      .map((f) => `${f.file}: ${f.header}`);
    expect(over, 'files whose header comment is longer than the limit or their listed length').toEqual([]);
  });

  it('lists only files still over a limit', () => {
    const clean = [
      ...Object.keys(LONG_LINES).filter((f) => (byFile.get(f)?.long ?? 0) === 0),
      ...Object.keys(LONG_FILES).filter((f) => (byFile.get(f)?.lines ?? 0) <= MAX_LINES),
      ...Object.keys(LONG_HEADERS).filter((f) => (byFile.get(f)?.header ?? 0) <= MAX_HEADER),
    ];
    expect(clean, 'take these off the allow-lists').toEqual([]);
  });
});
