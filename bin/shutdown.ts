/**
 * The stop sequence of a command that starts several parts (`npm start`, `stack:cluster`): on
 * SIGINT/SIGTERM, or when asked, each part is stopped once, last started first, and the process exits.
 */
import type { Logger } from './logger';

export interface Shutdown {
  /** Registers a part to stop; parts stop in the reverse of the order they were added. */
  add(stop: () => Promise<void>): void;
  /** True once the stop sequence has begun. */
  readonly stopping: boolean;
  /** Stops every part (an error is logged, the rest still stop) and exits with `code`; runs once. */
  run(code: number): Promise<void>;
}

/** Installs the SIGINT/SIGTERM handlers (exit code 0) and returns the sequence to add parts to. */
export function installShutdown(log: Logger): Shutdown {
  const stops: Array<() => Promise<void>> = [];
  let stopping = false;
  const shutdown: Shutdown = {
    add: (stop) => void stops.push(stop),
    get stopping() {
      return stopping;
    },
    async run(code) {
      if (stopping) return;
      stopping = true;
      process.stdout.write('\nStopping Outcall...\n');
      for (const stop of stops.reverse()) {
        try {
          await stop();
        } catch (err) {
          log.error({ err }, 'Error while stopping');
        }
      }
      process.exit(code);
    },
  };
  process.on('SIGINT', () => void shutdown.run(0));
  process.on('SIGTERM', () => void shutdown.run(0));
  return shutdown;
}
