/**
 * ARCHITECTURE "Intl ties window arithmetic to each worker's tz database": no project module the workflow bundle
 * reaches is the window arithmetic or time-zone formatting, or touches `Intl` or local-time `Date` methods; boundaries
 * reach workflows only as activity results, which replay reads back.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Relative value imports and re-exports of a module (`import type` / `export type` skipped). */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'(\.{1,2}\/[^']+)'/gms)) specs.push(m[1]!);
  for (const m of text.matchAll(/^import\s+'(\.{1,2}\/[^']+)'/gm)) specs.push(m[1]!);
  return specs.map((s) => path.resolve(path.dirname(file), s.endsWith('.ts') ? s : `${s}.ts`));
}

function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...valueImports(file));
  }
  return [...seen].map((f) => path.relative(root, f)).sort();
}

describe('workflow code cannot change control flow on replay through tz data', () => {
  const modules = reachable(path.join(root, 'workflows/index.ts'));

  it('reaches the workflow files and the pure rules they use', () => {
    expect(modules).toContain('workflows/campaign.ts');
    expect(modules).toContain('workflows/number.ts');
    expect(modules).toContain('domain/campaign-transitions.ts');
  });

  it('never reaches the window arithmetic or time-zone formatting', () => {
    expect(modules).not.toContain('domain/calling-window.ts');
    expect(modules).not.toContain('domain/time.ts');
  });

  it("never reaches the recipient's zone rules, the zone table or the phone metadata (SPEC §4.4 ext)", () => {
    expect(modules).not.toContain('domain/recipient-window.ts');
    expect(modules).not.toContain('domain/country-zones.ts');
    expect(modules).not.toContain('domain/phone.ts');
  });

  it.each([
    ['Intl', /\bIntl\./],
    ['toLocale*String', /\.toLocale\w*String\(/],
    ['getTimezoneOffset', /\.getTimezoneOffset\(/],
    ['local-time getters', /\.get(?:FullYear|Month|Date|Day|Hours|Minutes)\(/],
  ])('no reached module uses %s', (_, pattern) => {
    const offenders = modules.filter((m) => pattern.test(readFileSync(path.join(root, m), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
