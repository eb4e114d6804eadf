/**
 * The worker as its own process (`bin/worker.ts`), beside an embedded stack started with `worker: false`,
 * as the production topology runs it (docker-compose: api and worker apart). Timing benchmarks use it
 * so that the simulator (in the API process) and the dial requests (in the worker) do not share one
 * event loop: a late timer in one must not show up as a late request in the other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EmbeddedStack } from '../../bin/embedded-stack';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface WorkerProcess {
  pid: number;
  stop(): Promise<void>;
}

/** Starts `bin/worker.ts` against the stack's database and Temporal; resolves once it polls. */
export async function startWorkerProcess(
  stack: EmbeddedStack,
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
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = logFile ? createWriteStream(logFile) : null;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker process did not start within 120 s')), 120_000);
    child.once('exit', (code) => reject(new Error(`the worker process exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      log?.write(chunk);
      if (chunk.toString('utf8').includes('Worker running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => log?.write(chunk));
  });
  return {
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 15_000).unref();
      }),
  };
}
