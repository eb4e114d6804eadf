/** A fresh, migrated database per test file, cloned from the template the global setup built. */
import { inject } from 'vitest';
import { createDb, closeDb, type Db } from '../../db/client';
import { newSid } from '../../domain/ids';

export interface TestDatabase {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `t_${newSid().slice(0, 16)}`;
  const admin = createDb(adminUrl, { max: 1 });
  await admin.$client.unsafe(`create database ${name} template outcall_template`);
  await closeDb(admin);
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const db = createDb(url);
  return {
    db,
    url,
    drop: async () => {
      await closeDb(db);
      const a = createDb(adminUrl, { max: 1 });
      await a.$client.unsafe(`drop database if exists ${name} with (force)`);
      await closeDb(a);
    },
  };
}
