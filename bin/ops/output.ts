/** How the ops CLI prints: a result as JSON (`--json`) or for people, tables, and operator errors. */

/** An error whose message is meant for the operator as is (no stack). */
export class OpsError extends Error {}

export interface Output {
  json: boolean;
  /** A result: printed as JSON with --json, else by `human`. */
  result(value: unknown, human: () => string): void;
}

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function createOutput(json: boolean): Output {
  return { json, result: (value, human) => out(json ? JSON.stringify(value, null, 2) : human()) };
}

/** Left-aligned columns; every cell is already a string. */
export function table(rows: Array<Record<string, string>>): string {
  if (rows.length === 0) return '(none)';
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return [line(cols), ...rows.map((r) => line(cols.map((c) => r[c] ?? '')))].join('\n');
}

export const iso = (d: Date | null | undefined) => (d ? d.toISOString() : '-');
