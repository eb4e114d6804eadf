/** `npm run db:migrate`: applies the migrations to DATABASE_URL (the stack and processes also do it at start). */
import { loadConfig } from './config';
import { createDb, closeDb } from '../db/client';
import { migrateDb } from '../db/migrate';

const config = loadConfig();
if (!config.DATABASE_URL) {
  console.error('DATABASE_URL is required for db:migrate');
  process.exit(2);
}
const db = createDb(config.DATABASE_URL, { max: 1 });
await migrateDb(db);
await closeDb(db);
console.log('migrations applied');
