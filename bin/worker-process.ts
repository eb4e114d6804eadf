/**
 * The worker as its own process (`bin/worker.ts`), beside an embedded stack started with `worker: false`,
 * as the production topology runs it (docker-compose: api and worker apart). Timing benchmarks use it
 * so that the simulator (in the API process) and the dial requests (in the worker) do not share one
 * event loop; `npm run stack:cluster` runs N of them; the cluster smoke test kills one with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What a worker process needs to know of the stack it joins. */
export interface WorkerTarget {
  databaseUrl: string;
  temporalAddress: string;
  config: Pick<Config, 'OUTCALL_PUBLIC_URL' | 'OUTCALL_DATA_DIR' | 'OUTCALL_TASK_QUEUE'>;
}

export interface WorkerProcess {
  pid: number;
  /** Where its output goes, when the caller gave a file. */
  logFile?: string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after 15 s; resolves once it has exited. */
  stop(): Promise<void>;
  /** Sends `signal` (e.g. SIGKILL to prove a crash loses nothing) and resolves once it has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `bin/worker.ts` against the stack's database and Temporal; resolves once it polls. */
export async function startWorkerProcess(
  stack: WorkerTarget,
  env: Record<string, string> = {},
  logFile?: string,
): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bin/worker.ts')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      OUTCALL_PUBLIC_URL: stack.config.OUTCALL_PUBLIC_URL,
      OUTCALL_DATA_DIR: stack.config.OUTCALL_DATA_DIR,
      OUTCALL_TASK_QUEUE: stack.config.OUTCALL_TASK_QUEUE,
      OUTCALL_ALLOW_LOOPBACK_WEBHOOKS: 'true',
      OUTCALL_WORKER_METRICS_PORT: '0',
      ...env,
      // The start is read from the log: it is written at info whatever LOG_LEVEL the caller wants.
      LOG_LEVEL: env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace' ? env.LOG_LEVEL : 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker process did not start within 120 s')), 120_000);
    void exited.then((code) => reject(new Error(`the worker process exited with ${code}`)));
    let seen = '';
    let started = false;
    child.stdout!.on('data', (chunk: Buffer) => {
      log?.write(chunk);
      if (started) return;
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (seen.includes('Worker running')) {
        started = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => log?.write(chunk));
  });
  const kill = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited.then(() => undefined);
  };
  return {
    pid: child.pid!,
    ...(logFile && { logFile }),
    exited,
    kill,
    stop: () => {
      const timer = setTimeout(() => void kill('SIGKILL'), 15_000);
      timer.unref();
      return kill('SIGTERM').finally(() => clearTimeout(timer));
    },
  };
}
