/** Applies the drizzle migrations in `db/migrations`; safe to run concurrently and repeatedly. */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import type { Db } from './client';

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function migrateDb(db: Db): Promise<void> {
  // One migrator at a time across processes (API and worker may start together); session lock on
  // one reserved connection, since a pool may hand lock and unlock to different connections.
  const conn = await db.$client.reserve();
  try {
    await conn`select pg_advisory_lock(727001)`;
    await migrate(db, { migrationsFolder });
  } finally {
    await conn`select pg_advisory_unlock(727001)`;
    conn.release();
  }
}
