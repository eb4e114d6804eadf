import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../../api/errors';

const readme = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');

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
});
