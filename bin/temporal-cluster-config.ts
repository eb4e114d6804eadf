/**
 * The Temporal server's static and dynamic config for Outcall, in the shape of the module's
 * `config/development-postgres12.yaml` (PostgreSQL for persistence and visibility, several history
 * shards, frontend, history, matching and worker services in one process), with every port moved
 * and a dynamic config file of Outcall's own. Pure: the caller writes the files (`toYaml`).
 */

export interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
  pprof: number;
  metrics: number;
}

/** Eleven consecutive ports from `base` (the frontend's gRPC port), off every Temporal default when base ≠ 7233. */
export function clusterPortsFrom(base: number): ClusterPorts {
  return {
    frontend: base,
    history: base + 1,
    matching: base + 2,
    worker: base + 3,
    frontendMembership: base + 4,
    historyMembership: base + 5,
    matchingMembership: base + 6,
    workerMembership: base + 7,
    frontendHttp: base + 8,
    pprof: base + 9,
    metrics: base + 10,
  };
}

export interface ClusterDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface ClusterConfigInput {
  db: ClusterDatabase;
  ports: ClusterPorts;
  /** Fixed when the cluster's database is created: a later start must use the same number. */
  numHistoryShards: number;
  dynamicConfigFile: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export const TEMPORAL_DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

function sqlStore(db: ClusterDatabase, databaseName: string, maxConns: number) {
  return {
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${db.host}:${db.port}`,
      connectProtocol: 'tcp',
      user: db.user,
      password: db.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

function service(grpcPort: number, membershipPort: number, httpPort?: number) {
  return { rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...(httpPort && { httpPort }) } };
}

/** The server's config file (`server --config-file <it> start`). */
export function clusterConfig(input: ClusterConfigInput): Record<string, unknown> {
  const { db, ports } = input;
  return {
    log: { stdout: true, level: input.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: input.numHistoryShards,
      datastores: {
        'postgres-default': sqlStore(db, TEMPORAL_DATABASES.default, 20),
        // The module's file gives visibility 2 connections; listing thousands of runs needs more.
        'postgres-visibility': sqlStore(db, TEMPORAL_DATABASES.visibility, 10),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      pprof: { port: ports.pprof },
      metrics: {
        prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` },
      },
    },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, ports.frontendHttp),
      matching: service(ports.matching, ports.matchingMembership),
      history: service(ports.history, ports.historyMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${ports.frontend}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
}

export type DynamicConfigValue = string | number | boolean;

/**
 * What Outcall needs from the server, as the dev server gets it (bin/services.ts and the CLI's own
 * defaults), plus `extra` (a benchmark's or test's settings, which win).
 */
export function outcallDynamicConfig(
  extra: Record<string, DynamicConfigValue> = {},
): Record<string, DynamicConfigValue> {
  return {
    // One read/write partition, so the task-queue rate limit is one precise cap (ARCHITECTURE).
    'matching.numTaskqueueReadPartitions': 1,
    'matching.numTaskqueueWritePartitions': 1,
    // Workflow ids are `<campaign>/<position>`-shaped; the module's development config allows 255.
    'limit.maxIDLength': 255,
    // Search attributes registered at start are usable at once (the dev server sets this too).
    'system.forceSearchAttributesCacheRefreshOnRead': true,
    // The dev server's persistence rates, so neither engine is held back by a default QPS cap.
    'frontend.persistenceMaxQPS': 10_000,
    'history.persistenceMaxQPS': 45_000,
    'matching.persistenceMaxQPS': 45_000,
    'history.hostLevelCacheMaxSize': 8192,
    'frontend.enableUpdateWorkflowExecution': true,
    'frontend.enableUpdateWorkflowExecutionAsyncAccepted': true,
    // The machine has no route to Temporal's version-check service.
    'frontend.enableServerVersionCheck': false,
    ...extra,
  };
}

/** The dynamic config file: every key with one unconstrained value. */
export function dynamicConfigFile(values: Record<string, DynamicConfigValue>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, [{ value: v, constraints: {} }]]));
}

function scalar(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(String(v)); // a JSON string is a valid YAML double-quoted scalar
}

/** YAML for plain objects, arrays and scalars (all this config holds). */
export function toYaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        if (item !== null && typeof item === 'object') {
          const body = toYaml(item, `${indent}  `);
          return `${indent}- ${body.slice(indent.length + 2)}`;
        }
        return `${indent}- ${scalar(item)}\n`;
      })
      .join('');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries
      .map(([k, v]) => {
        if (v !== null && typeof v === 'object') {
          const empty = Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
          if (empty) return `${indent}${k}: ${Array.isArray(v) ? '[]' : '{}'}\n`;
          return `${indent}${k}:\n${toYaml(v, `${indent}  `)}`;
        }
        return `${indent}${k}: ${scalar(v)}\n`;
      })
      .join('');
  }
  return `${indent}${scalar(value)}\n`;
}
