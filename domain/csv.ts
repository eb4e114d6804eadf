/**
 * CSV rendering for the reports (SPEC §4.10): RFC 4180 quoting, and formula-injection neutralising:
 * a cell starting with `=`, `+`, `-` or `@` is prefixed with `'` so a spreadsheet shows it as text.
 * Plain numbers (`+919876543210`, `-5`, `12.5`) cannot be formulas and are left as they are, so
 * E.164 numbers stay usable.
 */

const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@]/.test(s) && !PLAIN_NUMBER.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
