/**
 * `npm run ops -- <command>`: the operators' CLI (SPEC §8). One command per operation, each a few
 * lines around the same definitions the REST facade uses: the pause/resume/complete signals and the
 * `status` query from workflows/definitions.ts, sent to the workflow id from domain/ids.ts.
 *
 * Configuration comes only from `loadConfig()`. DATABASE_URL and TEMPORAL_ADDRESS fall back to the
 * running local stack's `<OUTCALL_DATA_DIR>/stack.json` (`{ databaseUrl, temporalAddress }`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { loadConfig, type Config } from './config';
import {
  isLoopbackUrl,
  maskSecret,
  parseOpsArgs,
  parseStackFile,
  resolveEndpoint,
  USAGE,
  UsageError,
  type CampaignAction,
  type OpsCommand,
} from './ops-args';
import { closeDb, createDb, type Db } from '../db/client';
import { listAccounts, upsertAccount, type AccountRow } from '../db/queries/accounts';
import { campaignStats } from '../db/queries/stats';
import { campaigns } from '../db/schema';
import { campaignWorkflowId, SEARCH_ATTRIBUTES } from '../domain/ids';
import { accountInputSchema } from '../domain/schemas/account';
import { campaignStatusQuery, completeSignal, pauseSignal, resumeSignal } from '../workflows/definitions';

/** An error whose message is meant for the operator as is (no stack). */
class OpsError extends Error {}

interface Output {
  json: boolean;
  /** A result: printed as JSON with --json, else by `human`. */
  result(value: unknown, human: () => string): void;
}

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Left-aligned columns; every cell is already a string. */
function table(rows: Array<Record<string, string>>): string {
  if (rows.length === 0) return '(none)';
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return [line(cols), ...rows.map((r) => line(cols.map((c) => r[c] ?? '')))].join('\n');
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : '-');

// ---------------------------------------------------------------------------------------------
// Connections

function stackFile(config: Config): { file: string; contents: ReturnType<typeof parseStackFile> } | null {
  const file = path.join(config.OUTCALL_DATA_DIR, 'stack.json');
  if (!existsSync(file)) return null;
  return { file, contents: parseStackFile(readFileSync(file, 'utf8')) };
}

function endpoint(config: Config, name: 'DATABASE_URL' | 'TEMPORAL_ADDRESS'): string {
  const r = resolveEndpoint(config[name], name, stackFile(config));
  if ('error' in r) throw new OpsError(r.error);
  return r.value;
}

function openDb(config: Config): Db {
  return createDb(endpoint(config, 'DATABASE_URL'), { max: 2 });
}

async function connectTemporal(config: Config): Promise<{ client: Client; connection: Connection; address: string }> {
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

async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = openDb(config);
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

async function withTemporal<T>(config: Config, fn: (client: Client) => Promise<T>): Promise<T> {
  const { client, connection } = await connectTemporal(config);
  try {
    return await fn(client);
  } finally {
    await connection.close();
  }
}

// ---------------------------------------------------------------------------------------------
// accounts

/** An account as the CLI shows it: settings in full, credentials masked, hashes never. */
function accountView(a: AccountRow) {
  const c = a.carrier;
  const carrier =
    c.type === 'simulator'
      ? { type: 'simulator' }
      : c.type === 'exotel'
        ? { type: c.type, base_url: c.baseUrl, sid: c.sid, api_key: maskSecret(c.apiKey) }
        : {
            type: c.type,
            base_url: c.baseUrl,
            account_sid: c.accountSid,
            auth_token: maskSecret(c.authToken),
            ...(c.apiKey && { api_key_sid: c.apiKey.sid }),
          };
  return {
    sid: a.sid,
    api_key: maskSecret(a.apiKey),
    calls_per_minute: a.callsPerMinute,
    channels: a.channels,
    api_requests_per_minute: a.apiRequestsPerMinute,
    timezone: a.timezone,
    calling_window: a.callingWindow,
    calling_days: a.callingDays,
    recipient_local_time: a.recipientLocalTime,
    default_region: a.defaultRegion,
    caller_ids: a.callerIds,
    carrier,
    ring_timeout_s: a.ringTimeoutS,
    call_time_limit_s: a.callTimeLimitS,
  };
}

function accountsTable(rows: AccountRow[]): string {
  return table(
    rows.map((a) => {
      const v = accountView(a);
      return {
        SID: v.sid,
        API_KEY: v.api_key,
        CARRIER: v.carrier.type,
        CPM: String(v.calls_per_minute),
        CHANNELS: String(v.channels),
        TIMEZONE: v.timezone,
        WINDOW: v.calling_window,
        DAYS: v.calling_days.join(','),
      };
    }),
  );
}

async function accountsUpsert(config: Config, o: Output, text: string): Promise<void> {
  const raw = text === '-' ? readFileSync(0, 'utf8') : text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new OpsError(`the account is not valid JSON: ${(err as Error).message}`);
  }
  const input = accountInputSchema.safeParse(parsed);
  if (!input.success) {
    throw new OpsError(input.error.issues.map((i) => `${i.path.join('.') || '(account)'}: ${i.message}`).join('\n'));
  }
  const row = await withDb(config, (db) => upsertAccount(db, input.data));
  o.result(accountView(row), () => `Account ${row.sid} saved.\n${accountsTable([row])}`);
}

async function accountsList(config: Config, o: Output): Promise<void> {
  const rows = await withDb(config, (db) => listAccounts(db));
  o.result(rows.map(accountView), () => accountsTable(rows));
}

// ---------------------------------------------------------------------------------------------
// campaigns

async function campaignsList(
  config: Config,
  o: Output,
  c: Extract<OpsCommand, { kind: 'campaigns.list' }>,
): Promise<void> {
  const rows = await withDb(config, (db) => {
    const where: SQL[] = [];
    if (c.accountSid) where.push(eq(campaigns.accountSid, c.accountSid));
    if (c.status) where.push(sql`lower(${campaigns.status}) = ${c.status.toLowerCase()}`);
    return db
      .select({
        id: campaigns.id,
        accountSid: campaigns.accountSid,
        name: campaigns.name,
        status: campaigns.status,
        dateCreated: campaigns.dateCreated,
        dateEnded: campaigns.dateEnded,
      })
      .from(campaigns)
      .where(where.length > 0 ? and(...where) : undefined)
      .orderBy(desc(campaigns.dateCreated))
      .limit(c.limit);
  });
  o.result(rows, () =>
    table(
      rows.map((r) => ({
        ID: r.id,
        ACCOUNT: r.accountSid,
        STATUS: r.status,
        CREATED: iso(r.dateCreated),
        ENDED: iso(r.dateEnded),
        NAME: r.name,
      })),
    ),
  );
}

const QUERY_TIMEOUT_MS = 10_000;

/**
 * The campaign workflow's execution state and, while it runs, its own `status` query (which may lag
 * the read model). Never throws for an unanswered query: the error is part of what is shown.
 */
async function workflowStatus(client: Client, campaignId: string): Promise<Record<string, unknown>> {
  const handle = client.workflow.getHandle(campaignWorkflowId(campaignId));
  let base: Record<string, unknown>;
  try {
    const d = await handle.describe();
    base = { workflowId: d.workflowId, runId: d.runId, execution: d.status.name, startTime: d.startTime.toISOString() };
    if (d.status.name !== 'RUNNING') return base;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { workflowId: handle.workflowId, execution: 'NOT_FOUND' };
    throw err;
  }
  try {
    const status = await client.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(campaignStatusQuery));
    return { ...base, status };
  } catch (err) {
    return { ...base, queryError: `${(err as Error).message} (is a worker running on this task queue?)` };
  }
}

async function campaignsShow(config: Config, o: Output, campaignId: string): Promise<void> {
  const found = await withDb(config, async (db) => {
    const row = await db.query.campaigns.findFirst({ where: eq(campaigns.id, campaignId) });
    return row ? { row, stats: await campaignStats(db, campaignId) } : undefined;
  });
  if (!found) throw new OpsError(`campaign ${campaignId} not found in the database`);
  let workflow: Record<string, unknown>;
  try {
    workflow = await withTemporal(config, (client) => workflowStatus(client, campaignId));
  } catch (err) {
    workflow = { error: `Temporal: ${(err as Error).message}` };
  }
  const { row, stats } = found;
  o.result({ campaign: row, stats, workflow }, () =>
    [
      `Campaign ${row.id}  "${row.name}"  (account ${row.accountSid})`,
      `  status        ${row.status}`,
      `  created       ${iso(row.dateCreated)}   started ${iso(row.dateStarted)}   ended ${iso(row.dateEnded)}`,
      `  send_at       ${iso(row.sendAt)}   end_at ${iso(row.endAt)}   throttle ${row.throttle ?? '-'}`,
      `  stats         ${Object.entries(stats)
        .filter(([k]) => k !== 'in_progress')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
      `  workflow      ${JSON.stringify(workflow)}`,
    ].join('\n'),
  );
}

const SIGNALS = { pause: pauseSignal, resume: resumeSignal, complete: completeSignal } as const;

async function campaignsSignal(config: Config, o: Output, action: CampaignAction, campaignId: string): Promise<void> {
  const workflowId = campaignWorkflowId(campaignId);
  const after = await withTemporal(config, async (client) => {
    try {
      // By workflow id only (no run id), so the signal reaches whichever run is current.
      await client.workflow.getHandle(workflowId).signal(SIGNALS[action]);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new OpsError(`no running workflow ${workflowId}`);
      throw err;
    }
    return workflowStatus(client, campaignId);
  });
  o.result({ workflowId, signal: action, workflow: after }, () =>
    [
      `Sent ${action} to ${workflowId}.`,
      `  workflow now  ${JSON.stringify(after)}`,
      '  (the read model follows once the workflow has handled it)',
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------------------------
// doctor

type CheckLevel = 'ok' | 'warn' | 'fail';
interface Check {
  check: string;
  level: CheckLevel;
  detail: string;
}

async function doctor(config: Config, o: Output): Promise<boolean> {
  const checks: Check[] = [];
  const add = (check: string, level: CheckLevel, detail: string) => checks.push({ check, level, detail });

  let accounts: AccountRow[] | null = null;
  const dbUrl = resolveEndpoint(config.DATABASE_URL, 'DATABASE_URL', stackFile(config));
  if ('error' in dbUrl) {
    add('database', 'fail', dbUrl.error);
  } else {
    const db = createDb(dbUrl.value, { max: 1 });
    try {
      const [v] = await db.$client<Array<{ version: string }>>`select current_setting('server_version') as version`;
      add('database', 'ok', `PostgreSQL ${v?.version} (${dbUrl.source})`);
      try {
        accounts = await listAccounts(db);
        add('database schema', 'ok', `migrated; ${accounts.length} account(s)`);
      } catch (err) {
        add('database schema', 'fail', `${(err as Error).message} (not migrated?)`);
      }
    } catch (err) {
      add('database', 'fail', `${(err as Error).message} (${dbUrl.source})`);
    } finally {
      await closeDb(db);
    }
  }

  const tAddr = resolveEndpoint(config.TEMPORAL_ADDRESS, 'TEMPORAL_ADDRESS', stackFile(config));
  if ('error' in tAddr) {
    add('temporal', 'fail', tAddr.error);
  } else {
    try {
      const { connection } = await connectTemporal(config);
      try {
        const info = await connection.workflowService.getSystemInfo({});
        add('temporal', 'ok', `${tAddr.value} (server ${info.serverVersion || 'unknown version'}, ${tAddr.source})`);
        const ns = config.TEMPORAL_NAMESPACE;
        try {
          await connection.workflowService.describeNamespace({ namespace: ns });
          add('temporal namespace', 'ok', ns);
        } catch (err) {
          add('temporal namespace', 'fail', `${ns}: ${(err as Error).message}`);
        }
        try {
          const sa = await connection.operatorService.listSearchAttributes({ namespace: ns });
          const have = Object.keys(sa.customAttributes ?? {});
          const missing = Object.values(SEARCH_ATTRIBUTES).filter((n) => !have.includes(n));
          if (missing.length === 0) add('search attributes', 'ok', Object.values(SEARCH_ATTRIBUTES).join(', '));
          else
            add(
              'search attributes',
              'fail',
              `missing ${missing.join(', ')}: temporal operator search-attribute create --name <n> --type Keyword`,
            );
        } catch (err) {
          add('search attributes', 'warn', `could not list them: ${(err as Error).message}`);
        }
        try {
          const tq = await connection.workflowService.describeTaskQueue({
            namespace: ns,
            taskQueue: { name: config.OUTCALL_TASK_QUEUE, kind: 1 /* NORMAL */ },
            taskQueueType: 1 /* WORKFLOW */,
          });
          const pollers = tq.pollers?.length ?? 0;
          add(
            'workers',
            pollers > 0 ? 'ok' : 'warn',
            `${pollers} poller(s) on task queue ${config.OUTCALL_TASK_QUEUE}`,
          );
        } catch (err) {
          add(
            'workers',
            'warn',
            `could not describe task queue ${config.OUTCALL_TASK_QUEUE}: ${(err as Error).message}`,
          );
        }
      } finally {
        await connection.close();
      }
    } catch (err) {
      add('temporal', 'fail', `${tAddr.value}: ${(err as Error).message} (${tAddr.source})`);
    }
  }

  const publicUrl = config.OUTCALL_PUBLIC_URL;
  const realCarriers = (accounts ?? []).filter((a) => a.carrier.type !== 'simulator');
  if (isLoopbackUrl(publicUrl) && realCarriers.length > 0) {
    add(
      'public url',
      'warn',
      `OUTCALL_PUBLIC_URL is ${publicUrl} (loopback) but account(s) ${realCarriers.map((a) => a.sid).join(', ')} use a real carrier, ` +
        'which cannot reach status callbacks or greetings there',
    );
  } else {
    add('public url', 'ok', publicUrl);
  }
  const baseUrls = [
    ...new Set(realCarriers.flatMap((a) => (a.carrier.type === 'simulator' ? [] : [a.carrier.baseUrl]))),
  ];
  for (const url of baseUrls) {
    try {
      const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
      add('carrier', 'ok', `${url} answered HTTP ${res.status}`);
    } catch (err) {
      add('carrier', 'warn', `${url} unreachable: ${(err as Error).message}`);
    }
  }

  const healthy = checks.every((c) => c.level !== 'fail');
  const warnings = checks.filter((c) => c.level === 'warn').length;
  o.result({ healthy, checks }, () =>
    [
      ...checks.map(
        (c) => `${c.level === 'ok' ? 'ok  ' : c.level === 'warn' ? 'WARN' : 'FAIL'}  ${c.check.padEnd(18)} ${c.detail}`,
      ),
      healthy
        ? `Outcall looks healthy${warnings > 0 ? ` (${warnings} warning${warnings > 1 ? 's' : ''})` : ''}.`
        : 'Some checks failed.',
    ].join('\n'),
  );
  return healthy;
}

// ---------------------------------------------------------------------------------------------

/** Runs one command; resolves to the process exit code. */
export async function runOps(argv: string[], config: Config): Promise<number> {
  let parsed;
  try {
    parsed = parseOpsArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`ops: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  const o: Output = {
    json: parsed.json,
    result: (value, human) => out(parsed.json ? JSON.stringify(value, null, 2) : human()),
  };
  const c = parsed.command;
  try {
    switch (c.kind) {
      case 'help':
        out(USAGE);
        return 0;
      case 'accounts.upsert':
        await accountsUpsert(config, o, c.json);
        return 0;
      case 'accounts.list':
        await accountsList(config, o);
        return 0;
      case 'campaigns.list':
        await campaignsList(config, o, c);
        return 0;
      case 'campaigns.show':
        await campaignsShow(config, o, c.campaignId);
        return 0;
      case 'campaigns.signal':
        await campaignsSignal(config, o, c.action, c.campaignId);
        return 0;
      case 'doctor':
        return (await doctor(config, o)) ? 0 : 1;
    }
  } catch (err) {
    process.stderr.write(
      `ops: ${err instanceof OpsError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const code = await runOps(process.argv.slice(2), loadConfig());
  process.exit(code);
}
