/**
 * The root logger (STYLE G13): pino, one JSON object per line. Process entry points create it once
 * and hand children (`log.child({ component })`) to the components they wire.
 *
 * `installTemporalLogger` routes the Temporal SDK's own logs — worker and core messages, and the
 * replay-aware `log` of `@temporalio/workflow` and `@temporalio/activity` — into the same stream,
 * so a workflow's log line carries its workflowId/runId next to the API's request logs.
 */
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { LogLevel as TemporalLogLevel } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Creates the process's root logger. `destination` defaults to stdout (tests pass a stream). */
export function createLogger(level: LogLevel, opts: { name?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level,
      ...(opts.name !== undefined && { name: opts.name }),
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}

/** The SDK's level for a pino level: the SDK then drops what pino would drop anyway. */
export function temporalLevel(level: LogLevel): TemporalLogLevel {
  switch (level) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'info':
      return 'INFO';
    case 'warn':
      return 'WARN';
    case 'fatal':
    case 'error':
    case 'silent':
      return 'ERROR';
  }
}

const pinoMethod = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * Writes one SDK log entry to `logger`: the message stays fixed, the SDK's metadata (workflowId,
 * activityType, sdkComponent, …) become fields. Symbol keys (the SDK's internal timestamp) are dropped.
 */
export function forwardTemporalEntry(logger: Logger, entry: LogEntry): void {
  const fields: Record<string, unknown> = entry.meta ? Object.fromEntries(Object.entries(entry.meta)) : {};
  // Forwarded core logs are buffered up to 100 ms; keep the SDK's own time beside pino's.
  fields.sdk_time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  logger[pinoMethod[entry.level]](fields, entry.message);
}

/**
 * A logger for `bundleWorkflowCode`: warnings and errors only, into `logger`. At INFO the bundler
 * writes webpack's whole module listing as one line, which buries the start-up banner.
 */
export function bundlerLogger(logger: Logger): DefaultLogger {
  const sdkLog = logger.child({ component: 'temporal' });
  return new DefaultLogger('WARN', (entry) => forwardTemporalEntry(sdkLog, entry));
}

/**
 * Installs the Temporal Runtime with a logger that writes into `logger` (child `component: temporal`).
 * Call once per process, before the first Worker or NativeConnection is created: the Runtime is a
 * singleton and a second install throws.
 */
export function installTemporalLogger(logger: Logger): Runtime {
  const sdkLog = logger.child({ component: 'temporal' });
  const level = temporalLevel(logger.level as LogLevel);
  return Runtime.install({
    logger: new DefaultLogger(level, (entry) => forwardTemporalEntry(sdkLog, entry)),
    telemetryOptions: {
      // Core (Rust) logs are forwarded too, at WARN and above, instead of printed to the console.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
    },
  });
}
