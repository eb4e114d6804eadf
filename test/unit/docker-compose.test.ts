/**
 * SPEC §10: docker-compose.yml, the production topology, parsed and checked against the project
 * (services, env vars the config knows, search attributes, ports, npm scripts). Where Docker is absent
 * it checks what `docker compose config` does: the interpolated file against the Compose Specification's
 * JSON schema (test/fixtures/compose-spec.json), and that every named volume, config and network is declared.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../bin/config';
import { TEMPORAL_SERVER_VERSION } from '../../bin/temporal-server';
import { SEARCH_ATTRIBUTES } from '../../domain/ids';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

const COMPOSE_SPEC = JSON.parse(readFileSync(path.join(root, 'test/fixtures/compose-spec.json'), 'utf8')) as object;

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: Array<string | number>;
  expose?: Array<string | number>;
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string | string[] };
  deploy?: { replicas?: number };
  volumes?: Array<string | { type?: string; source?: string }>;
  configs?: Array<string | { source: string }>;
  networks?: string[] | Record<string, unknown>;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  configs?: Record<string, unknown>;
  networks?: Record<string, unknown>;
}
const compose = parse(composeText, { merge: true }) as ComposeFile;
const services = compose.services;

/** Compose's own `${VAR:-default}` / `${VAR:?message}` interpolation, with defaults (or a stand-in) filled in. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::?([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) =>
    op === '-' ? (arg ?? '') : `<${name}>`,
  );
}

function env(name: string): Record<string, string> {
  const e = services[name]?.environment ?? {};
  const pairs = Array.isArray(e) ? e.map((kv) => kv.split(/=(.*)/s) as [string, string]) : Object.entries(e);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(String(v ?? ''))]));
}

/** Every string in a parsed compose file interpolated, as `docker compose config` does before it validates. */
function interpolated(value: unknown): unknown {
  if (typeof value === 'string') return interpolate(value);
  if (Array.isArray(value)) return value.map(interpolated);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolated(v)]));
  return value;
}

const validateCompose = new Ajv2020({ allErrors: true, strict: false }).compile(COMPOSE_SPEC);

const words = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(' ') : (v ?? ''));

describe('§10 docker-compose.yml', () => {
  it('has PostgreSQL, Temporal on it, the Web UI, the API and the worker', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'api', 'worker'])
      expect(services, name).toHaveProperty(name);
    expect(services.postgresql!.image).toMatch(/^postgres:/);
    expect(services.temporal!.image).toMatch(/^temporalio\/(server|auto-setup):/);
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    const t = env('temporal');
    expect(t.DB).toMatch(/^postgres/);
    expect(t.POSTGRES_SEEDS).toBe('postgresql');
  });

  it('gives api and worker the connection settings they need, pointing at the compose services', () => {
    for (const name of ['api', 'worker']) {
      const e = env(name);
      for (const v of [
        'DATABASE_URL',
        'TEMPORAL_ADDRESS',
        'TEMPORAL_NAMESPACE',
        'OUTCALL_PUBLIC_URL',
        'OUTCALL_ACCOUNTS',
      ]) {
        expect(e, `${name}.${v}`).toHaveProperty(v);
      }
      expect(new URL(e.DATABASE_URL!).hostname, `${name} DATABASE_URL`).toBe('postgresql');
      expect(e.TEMPORAL_ADDRESS).toBe('temporal:7233');
      // Processes that do not share a data dir must share the report_url signing key.
      expect(e, `${name}.OUTCALL_SIGNING_SECRET`).toHaveProperty('OUTCALL_SIGNING_SECRET');
    }
  });

  it("gives the simulator the workers' signing secret, from which its per-account credentials derive", () => {
    expect(env('simulator').OUTCALL_SIGNING_SECRET).toBeTruthy();
    expect(env('simulator').OUTCALL_SIGNING_SECRET).toBe(env('worker').OUTCALL_SIGNING_SECRET);
  });

  it('sets only variables that bin/config.ts reads', () => {
    const known = Object.keys(configSchema.shape);
    for (const name of ['api', 'worker', 'simulator'])
      for (const v of Object.keys(env(name))) expect(known, `${name}.${v}`).toContain(v);
  });

  it('runs the API and workers through npm scripts, scaled to at least two workers', () => {
    expect(words(services.api!.command)).toMatch(/npm run start:api/);
    expect(words(services.worker!.command)).toMatch(/npm run start:worker/);
    expect(services.worker!.deploy?.replicas ?? 1).toBeGreaterThanOrEqual(2);
    for (const name of ['api', 'worker']) expect(services[name]!.build, `${name} builds the image`).toBeDefined();
    expect(existsSync(path.join(root, 'Dockerfile'))).toBe(true);
  });

  it('references only npm scripts that exist in package.json', () => {
    const referenced = [...composeText.matchAll(/npm run (?:--silent |-s )?([\w:.-]+)/g)].map((m) => m[1]!);
    const inArrays = [...composeText.matchAll(/'npm',\s*'run',\s*(?:'--silent',\s*)?'([\w:.-]+)'/g)].map((m) => m[1]!);
    expect(referenced.length + inArrays.length).toBeGreaterThan(0);
    for (const script of [...referenced, ...inArrays])
      expect(Object.keys(pkg.scripts), `npm run ${script}`).toContain(script);
  });

  it("registers Outcall's search attributes as Keyword with temporalio/admin-tools", () => {
    const setups = Object.values(services).filter(
      (s) =>
        s.image?.startsWith('temporalio/admin-tools') &&
        /search-attribute create/.test(words(s.command) + words(s.entrypoint)),
    );
    expect(setups).toHaveLength(1);
    const script = words(setups[0]!.command) + words(setups[0]!.entrypoint);
    for (const name of Object.values(SEARCH_ATTRIBUTES)) {
      expect(script).toMatch(new RegExp(`search-attribute create [^\\n]*--name ${name} --type Keyword`));
    }
  });

  it('dials the simulator out of the box without ever publishing it (issue 11)', () => {
    const sim = services.simulator!;
    expect(words(sim.command)).toMatch(/npm run start:simulator/);
    expect(sim.ports, 'the simulator publishes no port').toBeUndefined();
    const simPort = env('simulator').PORT!;
    expect(sim.expose?.map(String)).toContain(simPort);
    // Workers reach it by service name on the compose network, under its mount path.
    const target = new URL(env('worker').OUTCALL_SIMULATOR_URL!);
    expect([target.hostname, target.port, target.pathname]).toEqual(['simulator', simPort, '/simulator']);
    // It reaches the API the same way, for status callbacks and greeting fetches.
    const back = new URL(env('simulator').OUTCALL_SIM_CALLBACK_URL!);
    expect([back.hostname, back.port]).toEqual(['api', env('api').PORT]);
    expect(env('simulator').OUTCALL_PUBLIC_URL).toBe(env('worker').OUTCALL_PUBLIC_URL);
    // The API's public port does not serve /simulator.
    expect(env('api').OUTCALL_SIMULATOR).toBe('false');
  });

  it('runs Temporal server and admin-tools of the version stack:cluster builds', () => {
    const versions = Object.values(services)
      .map((s) => s.image ?? '')
      .filter((i) => /^temporalio\/(server|admin-tools):/.test(i))
      .map((i) => interpolate(i.split(':').slice(1).join(':')));
    expect(versions.length).toBe(3);
    expect(new Set(versions)).toEqual(new Set([TEMPORAL_SERVER_VERSION]));
  });

  it('gives each worker its own metrics port on the network, and checks its health there', () => {
    const port = env('worker').OUTCALL_WORKER_METRICS_PORT!;
    expect(services.worker!.expose?.map(String)).toContain(port);
    expect(words(services.worker!.healthcheck?.test)).toContain(`:${port}/metrics`);
  });

  it('publishes the API on 3000, and Temporal and its Web UI (no authentication) on loopback only', () => {
    expect(services.api!.ports?.map(String)).toContain('3000:3000');
    expect(services['temporal-ui']!.ports?.map(String)).toEqual(['127.0.0.1:8233:8080']);
    expect(services.temporal!.ports?.map(String)).toEqual(['127.0.0.1:7233:7233']);
  });

  it('starts each service only when what it depends on is healthy or done', () => {
    for (const [name, s] of Object.entries(services)) {
      if (!s.depends_on) continue;
      expect(Array.isArray(s.depends_on), `${name}.depends_on uses conditions`).toBe(false);
      for (const [dep, { condition }] of Object.entries(s.depends_on as Record<string, { condition?: string }>)) {
        expect(services, `${name} depends on ${dep}`).toHaveProperty(dep);
        expect(['service_healthy', 'service_completed_successfully', 'service_started'], `${name} -> ${dep}`).toContain(
          condition,
        );
        if (condition === 'service_healthy')
          expect(services[dep]!.healthcheck, `${dep} has a healthcheck`).toBeDefined();
      }
    }
    for (const name of ['api', 'worker']) {
      const deps = services[name]!.depends_on as Record<string, { condition?: string }>;
      expect(deps.postgresql?.condition).toBe('service_healthy');
      const setup = Object.entries(deps).find(([dep]) => /search-attribute create/.test(words(services[dep]!.command)));
      expect(setup?.[1].condition, `${name} waits for the search attributes`).toBe('service_completed_successfully');
    }
  });

  it('follows the Compose Specification once interpolated, as `docker compose config` requires', () => {
    const ok = validateCompose(interpolated(compose));
    expect(validateCompose.errors ?? [], JSON.stringify(validateCompose.errors?.slice(0, 5))).toEqual([]);
    expect(ok).toBe(true);
    // The schema is not vacuous: a misspelt key and a port of the wrong shape are refused.
    const broken = structuredClone(interpolated(compose)) as { services: Record<string, object> };
    broken.services.api = { ...broken.services.api, ports: [{ published: 'x', bogus: 1 }], restrt: 'always' };
    expect(validateCompose(broken)).toBe(false);
    const paths = validateCompose.errors!.map((e) => e.instancePath);
    expect(paths).toEqual(expect.arrayContaining(['/services/api', '/services/api/ports/0']));
  });

  it('declares every named volume, config and network a service uses', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0]! : v.type === 'volume' ? (v.source ?? '') : '';
        // A bind mount starts with a path; anything else names a volume of the file.
        if (source && !/^[./~$]/.test(source)) expect(compose.volumes ?? {}, `${name} volume`).toHaveProperty(source);
      }
      for (const c of s.configs ?? [])
        expect(compose.configs ?? {}, `${name} config`).toHaveProperty(typeof c === 'string' ? c : c.source);
      const networks = Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {});
      for (const n of networks) expect({ default: {}, ...compose.networks }, `${name} network`).toHaveProperty(n);
    }
  });

  it('health-checks the long-running services', () => {
    for (const name of ['postgresql', 'temporal', 'api', 'worker', 'simulator'])
      expect(services[name]!.healthcheck?.test, name).toBeDefined();
  });
});

/** `docker compose` (or `docker-compose` v2) where installed; it needs no Docker engine to read a file. */
function composeCommand(): string[] | null {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), 'version', '--short'], { encoding: 'utf8' });
    // v1 (Python, `1.x`) predates the Compose specification this file uses.
    if (r.status === 0 && !/^v?1\./.test(r.stdout.trim())) return cmd;
  }
  return null;
}

const composeCli = composeCommand();
// Registered only where Docker Compose v2 is installed (no engine is needed): here it checks what
// the parse above cannot, the Compose specification itself.
if (composeCli) {
  describe('§10 docker compose config', () => {
    it('accepts the file, with the services above', () => {
      const out = execFileSync(
        composeCli[0]!,
        [...composeCli.slice(1), '-f', 'docker-compose.yml', 'config', '--services'],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, OUTCALL_SIGNING_SECRET: '0123456789abcdef0123456789abcdef' },
        },
      );
      expect(out.trim().split('\n').sort()).toEqual(Object.keys(services).sort());
    });
  });
}
