/**
 * `ops doctor` (SPEC §8): checks the database, Temporal (namespace, search attributes, workers) and
 * the carriers, and warns when an account uses a real carrier while OUTCALL_PUBLIC_URL is loopback
 * (the carrier could reach neither status callbacks nor greetings there). Healthy unless a check fails.
 */
import type { Config } from '../config';
import { isLoopbackUrl, resolveEndpoint } from '../ops-args';
import { closeDb, createDb } from '../../db/client';
import { listAccounts, type AccountRow } from '../../db/queries/accounts';
import { serverVersion } from '../../db/queries/ops';
import { SEARCH_ATTRIBUTES } from '../../domain/ids';
import { connectTemporal, stackFile } from './connect';
import type { Output } from './output';

type CheckLevel = 'ok' | 'warn' | 'fail';
interface Check {
  check: string;
  level: CheckLevel;
  detail: string;
}

export async function doctor(config: Config, o: Output): Promise<boolean> {
  const checks: Check[] = [];
  const add = (check: string, level: CheckLevel, detail: string) => checks.push({ check, level, detail });

  let accounts: AccountRow[] | null = null;
  const dbUrl = resolveEndpoint(config.DATABASE_URL, 'DATABASE_URL', stackFile(config));
  if ('error' in dbUrl) {
    add('database', 'fail', dbUrl.error);
  } else {
    const db = createDb(dbUrl.value, { max: 1 });
    try {
      add('database', 'ok', `PostgreSQL ${await serverVersion(db)} (${dbUrl.source})`);
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
      `OUTCALL_PUBLIC_URL is ${publicUrl} (loopback) but account(s) ` +
        `${realCarriers.map((a) => a.sid).join(', ')} use a real carrier, ` +
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
