/** Which databases exist on a PostgreSQL server (the Temporal cluster's schema setup asks it). */
import postgres from 'postgres';

/** The subset of `names` that exist on the server `serverUrl` points at (any database on it). */
export async function existingDatabases(serverUrl: string, names: string[]): Promise<string[]> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => undefined });
  try {
    const rows = await sql<{ datname: string }[]>`select datname from pg_database where datname in ${sql(names)}`;
    return rows.map((r) => r.datname);
  } finally {
    await sql.end();
  }
}
