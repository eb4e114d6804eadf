/**
 * SPEC §5 the CSV imports of one API process, as they run inside its import thread: which uploads
 * are being imported, the sweep for uploads nobody holds, and retries with backoff when a run ends
 * in an unexpected error (the database going away). One run is `runUpload` (api/csv-import-run.ts).
 */
import type { Db } from '../db/client';
import { failUpload, noteImportError } from '../db/queries/csv-import';
import { processingUploadIds } from '../db/queries/csv-uploads';
import { runUpload, type RunLog } from './csv-import-run';

/** Runs that end in an unexpected error before the upload is marked `failed` (backoff in between). */
const MAX_RUNS = 5;
const RETRY_BASE_MS = 2000;

export interface EngineLog extends RunLog {
  warn(obj: object, msg: string): void;
}

export interface ImportEngine {
  start(uploadId: string): void;
  sweep(): Promise<number>;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function createImportEngine(deps: { db: Db; log: EngineLog; sweepEveryMs?: number }): ImportEngine {
  const running = new Map<string, Promise<void>>();
  const retries = new Map<string, { runs: number; timer: NodeJS.Timeout }>();
  let stopped = false;
  const stopping = () => stopped;
  const sql = deps.db.$client;

  function start(uploadId: string): void {
    if (stopped || running.has(uploadId)) return;
    const run = (async () => {
      try {
        const outcome = await runUpload(sql, deps.log, uploadId, stopping);
        if (outcome !== 'stopped') retries.delete(uploadId);
      } catch (err) {
        await retryLater(uploadId, err);
      } finally {
        running.delete(uploadId);
      }
    })();
    running.set(uploadId, run);
  }

  /** An unexpected error (e.g. the database went away): try again with backoff, then give up. */
  async function retryLater(uploadId: string, err: unknown): Promise<void> {
    const runs = (retries.get(uploadId)?.runs ?? 0) + 1;
    const message = err instanceof Error ? err.message : String(err);
    if (stopped) return;
    if (runs >= MAX_RUNS) {
      deps.log.error({ err, uploadId, runs }, 'CSV import gave up');
      retries.delete(uploadId);
      await failUpload(sql, uploadId, `import stopped after ${runs} attempts: ${message}`).catch(() => {});
      return;
    }
    deps.log.warn({ err, uploadId, runs }, 'CSV import interrupted; retrying');
    await noteImportError(sql, uploadId, message).catch(() => {});
    const timer = setTimeout(() => start(uploadId), RETRY_BASE_MS * 2 ** (runs - 1));
    timer.unref();
    retries.set(uploadId, { runs, timer });
  }

  async function sweep(): Promise<number> {
    if (stopped) return 0;
    const ids = await processingUploadIds(deps.db);
    for (const id of ids) if (!retries.has(id)) start(id);
    return ids.length;
  }

  const sweeper =
    deps.sweepEveryMs && deps.sweepEveryMs > 0
      ? setInterval(() => {
          sweep().catch((err: unknown) => deps.log.warn({ err }, 'CSV import sweep failed'));
        }, deps.sweepEveryMs)
      : null;
  sweeper?.unref();

  async function idle(): Promise<void> {
    while (running.size > 0) await Promise.all(running.values());
  }

  return {
    start,
    sweep,
    idle,
    async stop() {
      stopped = true;
      if (sweeper) clearInterval(sweeper);
      for (const { timer } of retries.values()) clearTimeout(timer);
      retries.clear();
      await idle();
    },
  };
}
