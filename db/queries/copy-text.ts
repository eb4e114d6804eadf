/**
 * PostgreSQL `COPY ... FROM STDIN` in its text format, for bulk writes: one line per row, columns
 * separated by tabs, `\N` for null, and backslash, tab, newline and carriage return escaped. A row
 * is built once as a string and streamed to the server with backpressure, so a chunk of tens of
 * thousands of rows costs one statement.
 */
import type { Readable } from 'node:stream';
import type postgres from 'postgres';

/** NUL cannot be sent in a PostgreSQL text value at all; callers refuse such cells before this. */
const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One column of a COPY text row. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (ch) => ESCAPES[ch]!) : value;
}

/** Streams `text` (whole COPY text rows) into `statement` (a `copy ... from stdin`) on `sql`. */
export async function copyIn(sql: postgres.Sql, statement: string, text: string): Promise<void> {
  const writable = await sql.unsafe(statement).writable();
  await new Promise<void>((resolve, reject) => {
    writable.once('error', reject);
    writable.once('finish', resolve);
    const piece = 256 * 1024;
    let at = 0;
    const pump = () => {
      while (at < text.length) {
        let end = Math.min(text.length, at + piece);
        // Never cut a surrogate pair: each piece is encoded to UTF-8 on its own.
        const code = text.charCodeAt(end);
        if (end < text.length && code >= 0xdc00 && code <= 0xdfff) end++;
        const ok = writable.write(text.slice(at, end));
        at = end;
        if (!ok) return void writable.once('drain', pump);
      }
      writable.end();
    };
    pump();
  });
}

/**
 * Call once a `COPY … TO STDOUT` stream of postgres-js is over (ended, failed or cancelled), before
 * the connection runs anything else. The driver pauses the connection's socket whenever the stream's
 * buffer is full, and only the stream's _read resumes it; when the last rows and CopyDone arrive in
 * one read, the stream ends with the socket paused and the next statement's answer is never read
 * (porsager/postgres#499; the unmerged #1016 resumes the socket at CopyDone, as this does).
 */
export function afterCopyOut(copy: Readable): void {
  copy._read(0);
}
