/**
 * bin/temporal-cluster-config.ts: the real Temporal server's config for Outcall — every port its own
 * and off Temporal's defaults, both stores on the given PostgreSQL, the dynamic config Outcall needs —
 * and the YAML it is written as (read back with a YAML parser).
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  clusterConfig,
  clusterPortsFrom,
  dynamicConfigFile,
  outcallDynamicConfig,
  toYaml,
} from '../../bin/temporal-cluster-config';

const TEMPORAL_DEFAULT_PORTS = [7233, 7234, 7235, 7239, 6933, 6934, 6935, 6939, 7243, 7936, 8000];
const db = { host: '127.0.0.1', port: 5544, user: 'postgres', password: 'p"w: #x' };

describe('the Temporal cluster config', () => {
  it('gives every service its own ports, off the defaults, the frontend at the base', () => {
    const ports = clusterPortsFrom(7333);
    const all = Object.values(ports);
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((p) => TEMPORAL_DEFAULT_PORTS.includes(p))).toEqual([]);
    expect(ports.frontend).toBe(7333);
    // Membership ports are stored in a smallint column.
    expect(Math.max(...Object.values(clusterPortsFrom(32_767 - all.length)))).toBeLessThanOrEqual(32_767);
  });

  it('puts persistence and visibility on the given PostgreSQL, with the shards asked for', () => {
    const ports = clusterPortsFrom(7333);
    const c = clusterConfig({ db, ports, numHistoryShards: 4, dynamicConfigFile: '/x/dynamic.yaml' }) as {
      persistence: { numHistoryShards: number; datastores: Record<string, { sql: Record<string, unknown> }> };
      services: Record<string, { rpc: { grpcPort: number; membershipPort: number } }>;
      clusterMetadata: { clusterInformation: { active: { rpcAddress: string } } };
      dynamicConfigClient: { filepath: string };
    };
    expect(c.persistence.numHistoryShards).toBe(4);
    const stores = Object.values(c.persistence.datastores).map((s) => s.sql);
    expect(stores.map((s) => [s.pluginName, s.databaseName, s.connectAddr, s.user, s.password])).toEqual([
      ['postgres12', 'temporal', '127.0.0.1:5544', 'postgres', db.password],
      ['postgres12', 'temporal_visibility', '127.0.0.1:5544', 'postgres', db.password],
    ]);
    expect(Object.keys(c.services).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
    expect(c.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:7333');
    expect(c.dynamicConfigClient.filepath).toBe('/x/dynamic.yaml');
  });

  it("sets one task-queue partition, as the dev server gets, and lets a caller's settings win", () => {
    const d = outcallDynamicConfig({ 'limit.numPendingChildExecutions.error': 50, 'limit.maxIDLength': 1000 });
    expect(d['matching.numTaskqueueReadPartitions']).toBe(1);
    expect(d['matching.numTaskqueueWritePartitions']).toBe(1);
    expect(d['limit.numPendingChildExecutions.error']).toBe(50);
    expect(d['limit.maxIDLength']).toBe(1000);
    expect(dynamicConfigFile({ a: 1 })).toEqual({ a: [{ value: 1, constraints: {} }] });
  });

  it('writes YAML that reads back as the same config', () => {
    const c = clusterConfig({ db, ports: clusterPortsFrom(20_000), numHistoryShards: 8, dynamicConfigFile: '/d' });
    expect(parse(toYaml(c))).toEqual(c);
    const d = dynamicConfigFile(outcallDynamicConfig());
    expect(parse(toYaml(d))).toEqual(d);
  });
});
