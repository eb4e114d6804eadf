/**
 * The CSV import thread's own connections (api/csv-import-thread.ts): the API hands the thread the
 * URL of its database, and the thread opens a pool of its own on it and closes it when it stops.
 */
import { closeDb, createDb, databaseUrlOf, type Db } from '../client';

/** The URL of the API's database, for the import thread (`db` must come from `createDb`). */
export function importDatabaseUrl(db: Db): string {
  return databaseUrlOf(db);
}

/** The import thread's pool of `connections` on `url`. */
export function openImportPool(url: string, connections: number): Db {
  return createDb(url, { max: connections });
}

export async function closeImportPool(db: Db): Promise<void> {
  await closeDb(db);
}
