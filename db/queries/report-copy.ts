/**
 * SPEC §4.10 per-number report as PostgreSQL renders it: `COPY (SELECT …) TO STDOUT` in CSV with the cells in the
 * report's form, in a transaction of its own on a reserved connection whose `TimeZone` is the account's; the campaign
 * id travels as a setting (COPY takes no bind parameters), never spliced into the text. docs/architecture.md, Exports.
 */
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type postgres from 'postgres';
import { afterCopyOut } from './copy-text';

/**
 * domain/csv.ts's `csvCell` for a text column, in SQL: a cell starting with `=`, `+`, `-` or `@` that
 * is not a plain number gets a leading `'`; an empty string becomes null, because COPY writes `""`
 * for an empty string and nothing for null, where the report writes nothing for both. COPY's own
 * quoting (a cell holding `"`, `,`, CR or LF is quoted, `"` doubled) is RFC 4180's, as csvCell's.
 */
const cell = (column: string) =>
  `case when left(${column}, 1) in ('=', '+', '-', '@') and ${column} !~ '^[+-]?[0-9]+(\\.[0-9]+)?$' ` +
  `then '''' || ${column} else nullif(${column}, '') end`;

/** domain/time.ts's `formatInstant`: RFC 3339, whole seconds, the offset in the session's zone. */
const instant = (column: string) => `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')`;

/** The report's columns (api/routes/reports.ts names them in its header), in position order. */
const REPORT_COPY =
  `copy (select ${cell('number')}, ${cell('name')}, ${cell('status')}, ${cell('reason')}, attempts, ` +
  `${cell('last_status')}, last_duration, ${instant('first_attempt_at')}, ${instant('last_attempt_at')}, ` +
  `${instant('next_attempt_at')} from campaign_numbers ` +
  `where campaign_id = current_setting('outcall.report_campaign') order by position) to stdout with (format csv)`;

/** PostgreSQL's SQLSTATE for a setting it refuses (a time zone it does not know). */
const INVALID_PARAMETER_VALUE = '22023';

/**
 * The report's rows as CSV bytes from PostgreSQL (records end in LF), in chunks of whatever the
 * connection has buffered, or null when PostgreSQL does not know `timeZone` (the caller renders the
 * report itself then). The COPY has started when this returns, so a failing statement fails here,
 * before any byte is sent; the caller must then iterate the chunks, to the end or to an early
 * return, which gives the connection back. Reading is the backpressure: the connection's socket
 * pauses while the consumer is busy. A consumer that stops early cancels the statement, and the
 * connection is drained before it goes back to the pool (a COPY stream that is merely dropped would
 * leave the socket paused for good).
 */
export async function openReportCopy(
  sql: postgres.Sql,
  campaignId: string,
  timeZone: string,
): Promise<AsyncGenerator<Buffer> | null> {
  const conn = await sql.reserve();
  try {
    await conn`begin read only`;
    await conn`
      select set_config('TimeZone', ${timeZone}, true), set_config('outcall.report_campaign', ${campaignId}, true)`;
    const query = conn.unsafe(REPORT_COPY);
    return copyChunks(conn, query, await query.readable());
  } catch (err) {
    await endTransaction(conn).finally(() => conn.release());
    if ((err as { code?: string }).code === INVALID_PARAMETER_VALUE) return null;
    throw err;
  }
}

async function* copyChunks(
  conn: postgres.ReservedSql,
  query: { cancel(): void },
  copy: Readable,
): AsyncGenerator<Buffer> {
  let complete = false;
  try {
    for await (const chunk of copy.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
    complete = true;
  } finally {
    if (!complete && !copy.destroyed) {
      // The driver types cancel() as void; it returns the promise of the cancel request.
      Promise.resolve(query.cancel() as unknown).catch(() => {});
      copy.on('data', () => {}).resume(); // discard what is in flight, so the socket reads on to the end
      await finished(copy).catch(() => {});
    }
    afterCopyOut(copy);
    await endTransaction(conn).finally(() => conn.release());
  }
}

/**
 * Ends the report's transaction. A cancellation that lands after the COPY had already ended would
 * fail the first ROLLBACK instead; the second then succeeds, so the connection never goes back to
 * the pool inside a transaction.
 */
async function endTransaction(conn: postgres.ReservedSql): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await conn`rollback`;
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}
