/**
 * The import thread of an API process (`node:worker_threads`, started by api/csv-import.ts): CSV
 * parsing, number validation and the database writes of every import run here, on this thread's
 * own connections, so the API's event loop only ever relays a few messages. Requests come in as
 * `{ op, id?, uploadId? }`; log lines go back to the API's logger as `{ op: 'log' }` messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { closeImportPool, openImportPool } from '../db/queries/import-pool';
import { createImportEngine, type EngineLog } from './csv-import-engine';

export interface ThreadData {
  databaseUrl: string;
  sweepEveryMs: number;
  /** Connections of this thread's pool: one per upload being imported, and one for the rest. */
  connections: number;
}

export type ThreadRequest = { op: 'start'; uploadId: string } | { op: 'sweep' | 'idle' | 'stop'; id: number };

export type ThreadMessage =
  | { op: 'reply'; id: number; value?: number; error?: string }
  | { op: 'log'; level: 'info' | 'warn' | 'error'; obj: Record<string, unknown>; msg: string };

const port = parentPort!;
const data = workerData as ThreadData;

/** Errors do not survive structured cloning with their message and stack; send what the log needs. */
function loggable(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj };
  const err = (obj as { err?: unknown }).err;
  if (err instanceof Error) out.err = { type: err.name, message: err.message, stack: err.stack };
  else if (err !== undefined) out.err = String(err);
  return out;
}

const send = (m: ThreadMessage) => port.postMessage(m);
const log: EngineLog = {
  info: (obj, msg) => send({ op: 'log', level: 'info', obj: loggable(obj), msg }),
  warn: (obj, msg) => send({ op: 'log', level: 'warn', obj: loggable(obj), msg }),
  error: (obj, msg) => send({ op: 'log', level: 'error', obj: loggable(obj), msg }),
};

const db = openImportPool(data.databaseUrl, data.connections);
const engine = createImportEngine({ db, log, sweepEveryMs: data.sweepEveryMs });

async function answer(id: number, work: () => Promise<number | void>): Promise<void> {
  try {
    const value = await work();
    send({ op: 'reply', id, ...(typeof value === 'number' && { value }) });
  } catch (err) {
    send({ op: 'reply', id, error: err instanceof Error ? err.message : String(err) });
  }
}

port.on('message', (m: ThreadRequest) => {
  if (m.op === 'start') engine.start(m.uploadId);
  else if (m.op === 'sweep') void answer(m.id, () => engine.sweep());
  else if (m.op === 'idle') void answer(m.id, () => engine.idle());
  else
    void answer(m.id, async () => {
      await engine.stop();
      await closeImportPool(db);
    });
});
