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

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * PostgreSQL's `COPY … (format csv)` ends each record with LF; the reports end them with CRLF, as
 * `csvRow`. Returns `chunk` with a CR before every LF that is outside a quoted cell (an LF inside a
 * name stays as it is, as csvCell leaves it). `state.quoted` carries a quoted cell that a chunk
 * ends inside of on to the next chunk (`""` inside a quoted cell closes and reopens it: the same).
 */
export function crlfRecords(chunk: Uint8Array, state: { quoted: boolean }): Uint8Array {
  const ends: number[] = [];
  const next = (byte: number, from: number) => {
    const at = chunk.indexOf(byte, from);
    return at < 0 ? chunk.length : at;
  };
  // The next quote and LF at or after i (chunk.length: none), each searched for again only once passed.
  let quote = -1;
  let lf = -1;
  for (let i = 0; i < chunk.length;) {
    if (quote < i) quote = next(QUOTE, i);
    if (state.quoted) {
      if (quote === chunk.length) break;
      state.quoted = false;
      i = quote + 1;
      continue;
    }
    if (lf < i) lf = next(LF, i);
    if (quote < lf) {
      state.quoted = true;
      i = quote + 1;
    } else if (lf < chunk.length) {
      ends.push(lf);
      i = lf + 1;
    } else break;
  }
  if (ends.length === 0) return chunk;
  const out = new Uint8Array(chunk.length + ends.length);
  let from = 0;
  let to = 0;
  for (const end of ends) {
    out.set(chunk.subarray(from, end), to);
    to += end - from;
    out[to++] = CR;
    from = end;
  }
  out.set(chunk.subarray(from), to);
  return out;
}
