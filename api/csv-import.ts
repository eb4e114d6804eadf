/**
 * SPEC §5 "Upload is asynchronous": the API process's side of the CSV import, which runs on a worker thread of its own
 * (api/csv-import-thread.ts). This side only relays: it starts the thread on first use and forwards `start`, `sweep`,
 * `idle` and `stop`; the thread's log lines come back to `deps.log`. How the import works: docs/architecture.md.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { importDatabaseUrl } from '../db/queries/import-pool';
import type { ThreadData, ThreadMessage, ThreadRequest } from './csv-import-thread';

export interface CsvImporterDeps {
  db: Db;
  log: Logger;
  /** How often to look for uploads nobody is importing (0: only when `sweep()` is called). */
  sweepEveryMs?: number;
}

/** The import side of the CSV upload, one per API process. */
export interface CsvImporter {
  /** Imports an upload in the background (its POST has committed). Never throws. */
  start(uploadId: string): void;
  /** Starts importing every upload left `processing` that no live process holds; returns how many it found. */
  sweep(): Promise<number>;
  /** Resolves when no import is running in this process. */
  idle(): Promise<void>;
  /** Stops after the batch being written; unfinished uploads stay `processing` for the next sweep. */
  stop(): Promise<void>;
}

/** Connections of the import thread's own pool (each running import holds one for its lease). */
const THREAD_CONNECTIONS = 4;
/**
 * The import thread's old-generation heap limit. Without one V8 lets the thread's heap grow with the
 * garbage a long import leaves (peak RSS rose with the file's size); capped, it collects sooner, and
 * what an import holds live is bounded by the batch limits (api/csv-import-run.ts), far below this.
 * A thread that ran out anyway would exit, and the next sweep would resume its upload.
 */
const THREAD_OLD_GENERATION_MIB = 192;
/** A plain module that registers the TypeScript loader (tsx) in the thread, then loads the thread. */
const THREAD_ENTRY = new URL('./csv-import-thread-loader.mjs', import.meta.url);

/** The CSV importer of one API process (see the file comment). */
export function createCsvImporter(deps: CsvImporterDeps): CsvImporter {
  let worker: Worker | null = null;
  let exited: Promise<void> = Promise.resolve();
  let stopped = false;
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: number) => void; reject: (e: Error) => void }>();

  function thread(): Worker {
    if (worker) return worker;
    const data: ThreadData = {
      databaseUrl: importDatabaseUrl(deps.db),
      sweepEveryMs: deps.sweepEveryMs ?? 0,
      connections: THREAD_CONNECTIONS,
    };
    // No inherited flags: the thread needs none, and a test runner's would not apply to it.
    const w = new Worker(THREAD_ENTRY, {
      workerData: data,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: THREAD_OLD_GENERATION_MIB },
    });
    // The thread never keeps the process alive on its own; `stop()` ends it in an orderly way.
    w.unref();
    w.on('message', (m: ThreadMessage) => {
      if (m.op === 'log') deps.log[m.level](m.obj, m.msg);
      else {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.value ?? 0);
      }
    });
    w.on('error', (err) => deps.log.error({ err }, 'CSV import thread failed'));
    exited = new Promise((resolve) =>
      w.once('exit', () => {
        worker = null;
        for (const p of pending.values()) p.reject(new Error('the CSV import thread exited'));
        pending.clear();
        resolve();
      }),
    );
    worker = w;
    return w;
  }

  function ask(op: 'sweep' | 'idle' | 'stop'): Promise<number> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      thread().postMessage({ op, id } satisfies ThreadRequest);
    });
  }

  return {
    start(uploadId) {
      if (stopped) return;
      thread().postMessage({ op: 'start', uploadId } satisfies ThreadRequest);
    },
    async sweep() {
      return stopped ? 0 : ask('sweep');
    },
    async idle() {
      if (worker) await ask('idle');
    },
    async stop() {
      stopped = true;
      if (!worker) return;
      await ask('stop').catch((err: unknown) => deps.log.warn({ err }, 'CSV import thread did not stop cleanly'));
      await worker?.terminate();
      await exited;
    },
  };
}
