/**
 * Temporal on PostgreSQL on this machine: the real server (bin/temporal-server.ts) with all services in one process and
 * several history shards, its schemas set up by the SQL tool (idempotent), the namespace and search attributes
 * registered, by the steps of ../shared/reference/temporal-on-postgres.md.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { msToTs } from '@temporalio/common/lib/time';
import { SA } from '../domain/search-attributes';
import type { RunningTemporal } from './services';
import {
  clusterConfig,
  clusterPortsFrom,
  dynamicConfigFile,
  outcallDynamicConfig,
  TEMPORAL_DATABASES,
  toYaml,
  type ClusterDatabase,
  type ClusterPorts,
  type DynamicConfigValue,
} from './temporal-cluster-config';
import { ensureTemporalServer, type TemporalServerBinaries } from './temporal-server';
import { existingDatabases } from '../db/queries/databases';

export const DEFAULT_HISTORY_SHARDS = 4;

export interface TemporalClusterOptions {
  /** A PostgreSQL URL whose server gets Temporal's two databases (its own path is ignored). */
  databaseUrl: string;
  /** Config files and the server's log go here. */
  dir: string;
  /** The frontend's gRPC port (the others follow it, bin/temporal-cluster-config.ts); default: free ports. */
  frontendPort?: number;
  numHistoryShards?: number;
  namespace?: string;
  dynamicConfig?: Record<string, DynamicConfigValue>;
  log?: (line: string) => void;
}

export interface RunningTemporalCluster extends RunningTemporal {
  binaries: TemporalServerBinaries;
  ports: ClusterPorts;
  configFile: string;
  logFile: string;
}

export function clusterDatabase(databaseUrl: string): ClusterDatabase {
  const u = new URL(databaseUrl);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * Eleven consecutive free ports below 32768: the cluster stores membership ports in a `smallint`
 * column, so the kernel's ephemeral range (32768 and up) cannot be used.
 */
async function freePorts(): Promise<ClusterPorts> {
  const count = Object.keys(clusterPortsFrom(0)).length;
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * (32_767 - 20_000 - count));
    let free = true;
    for (let p = base; p < base + count && free; p++) free = await portIsFree(p);
    if (free) return clusterPortsFrom(base);
  }
  throw new Error('no block of free ports below 32768 for the Temporal cluster');
}

function sqlTool(bin: TemporalServerBinaries, db: ClusterDatabase, database: string, args: string[]): void {
  const r = spawnSync(
    bin.sql,
    ['--plugin', 'postgres12', '--ep', db.host, '-p', String(db.port), '-u', db.user, '--db', database, ...args],
    { encoding: 'utf8', env: { ...process.env, SQL_PASSWORD: db.password }, timeout: 300_000 },
  );
  if (r.status !== 0) throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${r.stderr || r.stdout}`);
}

/** Creates the two databases when missing and brings both schemas to the binary's version. */
export async function setupTemporalSchema(bin: TemporalServerBinaries, databaseUrl: string): Promise<void> {
  const db = clusterDatabase(databaseUrl);
  const existing = await existingDatabases(databaseUrl, [TEMPORAL_DATABASES.default, TEMPORAL_DATABASES.visibility]);
  for (const [database, dir] of [
    [TEMPORAL_DATABASES.default, 'temporal'],
    [TEMPORAL_DATABASES.visibility, 'visibility'],
  ] as const) {
    if (!existing.includes(database)) sqlTool(bin, db, database, ['create-database']);
    // setup-schema -v 0.0 only creates the version tables and skips a database already past 0.0.
    sqlTool(bin, db, database, ['setup-schema', '-v', '0.0']);
    sqlTool(bin, db, database, ['update-schema', '-d', path.join(bin.postgresSchemaDir, dir, 'versioned')]);
  }
}

async function until<T>(what: string, timeoutMs: number, child: ChildProcess, f: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal server exited with code ${child.exitCode} (${what})`);
    try {
      return await f();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs / 1000} s: ${String(err)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The namespace (when missing) and Outcall's search attributes; waits until the frontend serves both. */
async function registerNamespace(connection: Connection, namespace: string, child: ChildProcess): Promise<void> {
  const svc = connection.workflowService;
  try {
    await svc.describeNamespace({ namespace });
  } catch {
    await svc
      .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') })
      .catch((err: { code?: number }) => {
        if (err.code !== 6) throw err; // ALREADY_EXISTS: another start registered it meanwhile
      });
  }
  // The frontend learns of a new namespace at its next cache refresh (2 s by default).
  await until('namespace visible', 60_000, child, () => svc.listWorkflowExecutions({ namespace, pageSize: 1 }));
  const wanted = Object.values(SA);
  await until('search attributes registered', 60_000, child, async () => {
    const have = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
    const missing = wanted.filter((k) => !(k.name in have));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)!]),
      ),
    });
    throw new Error(`added ${missing.map((k) => k.name).join(', ')}; checking again`);
  });
  // Visibility accepts queries on them (what the API and the benchmarks run).
  await until('search attributes queryable', 60_000, child, () =>
    svc.listWorkflowExecutions({ namespace, pageSize: 1, query: `${SA.campaignId.name} = 'probe'` }),
  );
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 15_000).unref();
  });
}

/** Builds (or reuses) the server, sets up its schema, starts it and readies the namespace. */
export async function startTemporalCluster(opts: TemporalClusterOptions): Promise<RunningTemporalCluster> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`[temporal-cluster] ${line}\n`));
  const binaries = await ensureTemporalServer({ log });
  await setupTemporalSchema(binaries, opts.databaseUrl);
  mkdirSync(opts.dir, { recursive: true });
  const ports = opts.frontendPort ? clusterPortsFrom(opts.frontendPort) : await freePorts();
  const dynamicFile = path.join(opts.dir, 'dynamicconfig.yaml');
  writeFileSync(dynamicFile, toYaml(dynamicConfigFile(outcallDynamicConfig(opts.dynamicConfig))));
  const configFile = path.join(opts.dir, 'config.yaml');
  const config = clusterConfig({
    db: clusterDatabase(opts.databaseUrl),
    ports,
    numHistoryShards: opts.numHistoryShards ?? DEFAULT_HISTORY_SHARDS,
    dynamicConfigFile: dynamicFile,
  });
  writeFileSync(configFile, toYaml(config), { mode: 0o600 }); // it holds the database password
  const logFile = path.join(opts.dir, 'temporal-server.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(binaries.server, ['--config-file', configFile, '--allow-no-auth', 'start'], {
    stdio: ['ignore', fd, fd],
  });
  // However this process ends, the server is told to stop, never orphaned (as the dev server).
  const onExit = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.on('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  const address = `127.0.0.1:${ports.frontend}`;
  const namespace = opts.namespace ?? 'default';
  try {
    log(`Temporal ${binaries.version} on PostgreSQL starting at ${address} (log: ${logFile})`);
    // "Not enough hosts" and "shard status unknown" for the first seconds while the services meet.
    const connection = await until('frontend up', 120_000, child, async () => {
      const c = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await c.workflowService.getSystemInfo({});
        return c;
      } catch (err) {
        await c.close();
        throw err;
      }
    });
    try {
      await registerNamespace(connection, namespace, child);
    } finally {
      await connection.close();
    }
  } catch (err) {
    await stopChild(child);
    throw new Error(`${(err as Error).message} (see ${logFile})`);
  }
  return {
    address,
    uiUrl: null,
    process: child,
    binaries,
    ports,
    configFile,
    logFile,
    stop: () => stopChild(child),
  };
}
