/**
 * The root logger (STYLE G13): pino, one JSON object per line (one coloured line on a terminal outside production).
 * Entry points create it once and hand children to components; `installTemporalLogger` routes the Temporal SDK's logs,
 * workflow and activity `log` included, into the same stream.
 */
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import type { LogLevel as TemporalLogLevel } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { redactingHooks } from './log-redaction';

export type { Logger };
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** `json`: one JSON object per line (machines, production); `pretty`: one coloured line per event (people). */
export type LogFormat = 'json' | 'pretty';

/**
 * `LOG_FORMAT=auto` (the default) is `pretty` when stdout is a terminal outside production, and
 * `json` otherwise (a pipe, a file, a container's log driver, NODE_ENV=production).
 */
export function resolveLogFormat(setting: 'auto' | LogFormat, env: { isTTY: boolean; production: boolean }): LogFormat {
  if (setting !== 'auto') return setting;
  return env.isTTY && !env.production ? 'pretty' : 'json';
}

const CAMPAIGN_ID_FIELDS = ['campaignId', 'campaignSid', 'campaign_id', 'campaign_sid'] as const;

/**
 * Fields a person reading a terminal does not need, left out of pretty lines only (JSON keeps them): pino's
 * process fields and the Temporal SDK's plumbing on every forwarded entry (task token, run id, namespace, …).
 * What says which campaign, number, activity and attempt an event is about stays.
 */
const PRETTY_IGNORED = [
  'pid',
  'hostname',
  ...CAMPAIGN_ID_FIELDS,
  'taskToken',
  'namespace',
  'isLocal',
  'activityId',
  'workflowRunId',
  'runId',
  'sdkComponent',
  'sdk_time',
];

/**
 * The campaign an event is about: an id field, the id inside a Temporal workflow id (`campaign/<id>/…`), or a
 * campaign's API path (`…/campaigns/<id>…`) of a request log.
 */
export function campaignIdOf(event: Record<string, unknown>): string | null {
  for (const key of CAMPAIGN_ID_FIELDS) if (typeof event[key] === 'string') return event[key];
  const workflowId = event.workflowId;
  const m = typeof workflowId === 'string' ? /^campaign\/([0-9a-f]{32})/.exec(workflowId) : null;
  if (m) return m[1]!;
  const p = typeof event.path === 'string' ? /\/campaigns\/([0-9a-f]{32})(?:[/?]|$)/.exec(event.path) : null;
  return p ? p[1]! : null;
}

/** A pino-pretty stream: `HH:MM:ss.l LEVEL <campaign id> message {other fields}`, one line per event. */
export function prettyStream(opts: { colorize: boolean; destination?: NodeJS.WritableStream }): DestinationStream {
  return pinoPretty({
    colorize: opts.colorize,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: PRETTY_IGNORED.join(','),
    messageFormat: (event, messageKey, _level, { colors }) => {
      const id = campaignIdOf(event);
      const msg = String(event[messageKey] ?? '');
      return id ? `${colors.magenta(id)} ${msg}` : msg;
    },
    ...(opts.destination && { destination: opts.destination }),
  });
}

/**
 * Creates the process's root logger. `destination` defaults to stdout (tests pass a stream); `format`
 * defaults to JSON. Every line is redacted (`bin/log-redaction.ts`): URL userinfo, secret query
 * parameters, secret fields.
 */
export function createLogger(
  level: LogLevel,
  opts: { name?: string; destination?: DestinationStream; format?: LogFormat } = {},
): Logger {
  const name = opts.name !== undefined ? { name: opts.name } : {};
  if (opts.format === 'pretty') {
    return pino({ level, ...name, hooks: redactingHooks }, opts.destination ?? prettyStream({ colorize: true }));
  }
  return pino(
    {
      level,
      ...name,
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: redactingHooks,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}

/** The root logger of a process entry point, in the format its config and its stdout call for. */
export function createRootLogger(config: {
  LOG_LEVEL: LogLevel;
  LOG_FORMAT: 'auto' | LogFormat;
  NODE_ENV?: string;
}): Logger {
  const format = resolveLogFormat(config.LOG_FORMAT, {
    isTTY: process.stdout.isTTY === true,
    production: config.NODE_ENV === 'production',
  });
  return createLogger(config.LOG_LEVEL, { format });
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
