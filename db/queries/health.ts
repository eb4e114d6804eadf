/** SPEC §2 `/readyz`: whether PostgreSQL answers a query now. */
import { sql } from 'drizzle-orm';
import type { Db } from '../client';

export async function databaseAnswers(db: Db): Promise<boolean> {
  return db.execute(sql`select 1`).then(
    () => true,
    () => false,
  );
}
