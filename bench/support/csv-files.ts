/**
 * The contact CSVs of the import benchmarks, on disk (never held in memory): a dynamic file with the
 * standard columns number, first_name, last_name and 5 extra columns; the same file as a streamed
 * multipart body; and the engine's own limit beside it, a plain `COPY` of the file into a bare table.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type postgres from 'postgres';
import { median } from './figures';

export const CSV_HEADER = 'number,first_name,last_name,plan,amount,due_date,branch,ref';
const BOUNDARY = 'outcallBenchBoundary9f8e7d6c';
export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** Writes `rows` rows to `file` (numbers +9190… from `first`); returns the file's size in bytes. */
export async function writeCsv(file: string, rows: number, first = 0): Promise<number> {
  const out = createWriteStream(file);
  const plans = ['Gold', 'Silver', 'Bronze', 'Platinum', 'Basic'];
  let chunk: string[] = [CSV_HEADER];
  for (let n = first; n < first + rows; n++) {
    chunk.push(
      `+9190${String(10_000_000 + n)},Name${n},Surname${n % 997},${plans[n % 5]},${(n % 9000) + 100}.50,` +
        `2025-0${(n % 9) + 1}-1${n % 10},BR${n % 100},REF-${n}`,
    );
    if (chunk.length >= 10_000) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      chunk = [];
    }
  }
  out.end(chunk.length > 0 ? `${chunk.join('\n')}\n` : '');
  await once(out, 'finish');
  return statSync(file).size;
}

/** The multipart body, streamed from disk: `list_name`, `type`, then the file. */
export function multipartFromFile(file: string, listName: string): ReadableStream<Uint8Array> {
  const head = [
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="list_name"\r\n\r\n${listName}\r\n`,
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="type"\r\n\r\ndynamic\r\n`,
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file_name"; filename="bench.csv"\r\n` +
      'Content-Type: text/csv\r\n\r\n',
  ].join('');
  async function* parts() {
    yield Buffer.from(head);
    for await (const piece of createReadStream(file, { highWaterMark: 256 * 1024 })) yield piece as Buffer;
    yield Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  }
  return Readable.toWeb(Readable.from(parts())) as ReadableStream<Uint8Array>;
}

/** One `COPY` of the file into a fresh bare table with one text column per CSV column; ms. */
async function copyOnce(sql: postgres.Sql, file: string): Promise<number> {
  const columns = CSV_HEADER.split(',')
    .map((c) => `${c} text`)
    .join(', ');
  await sql.unsafe(`drop table if exists bench_copy; create table bench_copy (${columns})`);
  const started = performance.now();
  const writable = await sql`copy bench_copy from stdin with (format csv, header true)`.writable();
  await pipeline(createReadStream(file), writable);
  const ms = performance.now() - started;
  const [{ n } = { n: 0 }] = await sql<Array<{ n: number }>>`select count(*)::int as n from bench_copy`;
  await sql`drop table bench_copy`;
  if (n <= 0) throw new Error('COPY loaded nothing');
  return ms;
}

/** The engine's limit for these rows: the median of three plain `COPY`s of the file, in ms. */
export async function copyBaselineMs(sql: postgres.Sql, file: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push(await copyOnce(sql, file));
  return median(runs);
}
