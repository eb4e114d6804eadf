/**
 * The ops CLI's connections. DATABASE_URL and TEMPORAL_ADDRESS come from `loadConfig()`, or else from
 * the running local stack's `<OUTCALL_DATA_DIR>/stack.json` (`{ databaseUrl, temporalAddress }`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { parseStackFile, resolveEndpoint } from '../ops-args';
import { closeDb, createDb, type Db } from '../../db/client';
import { OpsError } from './output';

export function stackFile(config: Config): { file: string; contents: ReturnType<typeof parseStackFile> } | null {
  const file = path.join(config.OUTCALL_DATA_DIR, 'stack.json');
  if (!existsSync(file)) return null;
  return { file, contents: parseStackFile(readFileSync(file, 'utf8')) };
}

export function endpoint(config: Config, name: 'DATABASE_URL' | 'TEMPORAL_ADDRESS'): string {
  const r = resolveEndpoint(config[name], name, stackFile(config));
  if ('error' in r) throw new OpsError(r.error);
  return r.value;
}

export async function connectTemporal(
  config: Config,
): Promise<{ client: Client; connection: Connection; address: string }> {
  const address = endpoint(config, 'TEMPORAL_ADDRESS');
  const useTls = config.TEMPORAL_TLS || config.TEMPORAL_API_KEY !== undefined;
  const certPair =
    config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH
      ? {
          clientCertPair: {
            crt: readFileSync(config.TEMPORAL_TLS_CERT_PATH),
            key: readFileSync(config.TEMPORAL_TLS_KEY_PATH),
          },
        }
      : undefined;
  const connection = await Connection.connect({
    address,
    tls: useTls ? (certPair ?? true) : undefined,
    ...(config.TEMPORAL_API_KEY !== undefined && { apiKey: config.TEMPORAL_API_KEY }),
    connectTimeout: '5s',
  });
  return { client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), connection, address };
}

export async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(endpoint(config, 'DATABASE_URL'), { max: 2 });
  try {
    return await fn(db);
  } catch (err) {
    if (err instanceof Error && /relation "[a-z_]+" does not exist/.test(err.message)) {
      throw new OpsError(
        `${err.message}: the database is not migrated yet (start the API or worker once, or run npm run db:migrate)`,
      );
    }
    throw err;
  } finally {
    await closeDb(db);
  }
}

export async function withTemporal<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const { client, connection } = await connectTemporal(config);
  try {
    return await fn(client);
  } finally {
    await connection.close();
  }
}
