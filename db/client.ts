/** Database connection: one postgres-js pool wrapped by drizzle. Passed in, never a module singleton. */
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle, type PostgresJsDatabase, type PostgresJsQueryResultHKT } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export type Db = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };

/** A transaction of `Db`. */
export type Tx = PgTransaction<PostgresJsQueryResultHKT, typeof schema, ExtractTablesWithRelations<typeof schema>>;

/** A transaction handle or the database itself: both can run a query. */
export type DbOrTx = Db | Tx;

const urls = new WeakMap<Db, string>();

export function createDb(url: string, opts: { max?: number } = {}): Db {
  const client = postgres(url, { max: opts.max ?? 10, onnotice: () => {}, idle_timeout: 30 });
  const db = drizzle(client, { schema }) as Db;
  urls.set(db, url);
  return db;
}

/** The URL `db` was opened with, for a worker thread that opens its own connections to the same database. */
export function databaseUrlOf(db: Db): string {
  const url = urls.get(db);
  if (!url) throw new Error('databaseUrlOf: this Db was not made by createDb');
  return url;
}

export async function closeDb(db: Db): Promise<void> {
  await db.$client.end({ timeout: 5 });
}
