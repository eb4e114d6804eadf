/**
 * The only reader of `process.env` (STYLE G12): one zod schema, parsed once at process start.
 * Every component receives only its slice.
 */
import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Base of every URL handed to others (carrier callbacks, greetings, report_url). */
  OUTCALL_PUBLIC_URL: z.string().url().optional(),
  OUTCALL_DATA_DIR: z.string().default('.data'),
  /** Any PostgreSQL; when unset the local stack starts an embedded one. */
  DATABASE_URL: z.string().optional(),
  /** An existing Temporal frontend (host:port); when unset the local stack starts a dev server. */
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /**
   * How many number workflows one campaign keeps live at once (ARCHITECTURE: well under Temporal's
   * 2,000 pending children per run). Set when a campaign starts.
   */
  OUTCALL_MAX_LIVE_NUMBERS: z.coerce.number().int().min(1).max(1500).default(500),
  /**
   * How many children one campaign run may have open, sleeping numbers included, before it
   * continues-as-new: below the server's per-run pending-children limit (2,000 by default).
   */
  OUTCALL_MAX_RUN_CHILDREN: z.coerce.number().int().min(1).max(1900).default(1000),
  /** Task queue of the workflows and activities (webhooks use `<queue>-webhooks`, dials `<queue>-dial`). */
  OUTCALL_TASK_QUEUE: z.string().min(1).default('outcall'),
  /**
   * SPEC §4.5 first layer: dial requests per second across the whole dial task queue, enforced by the
   * Temporal server for every worker (`maxTaskQueueActivitiesPerSecond`). A ceiling for the deployment;
   * the per-account and per-campaign limits are the dial gate's (docs/pacing.md).
   */
  OUTCALL_MAX_DIALS_PER_SECOND: z.coerce.number().positive().default(50),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  /** JSON array of accounts to create or update at start-up (SPEC §7). */
  OUTCALL_ACCOUNTS: z.string().optional(),
  OUTCALL_SIM_RING_MS: z.coerce.number().int().min(0).default(1000),
  OUTCALL_SIM_TALK_MS: z.coerce.number().int().min(0).default(2000),
  /** Share (0..1) of dial requests the simulator's Twilio contract answers 429 (benchmarks, SPEC §4.5 ext). */
  OUTCALL_SIM_TWILIO_429_SHARE: z.coerce.number().min(0).max(1).default(0),
  /** SPEC §6.3: allow loopback callback and flow URLs, at create and at delivery (the local stack sets it). */
  OUTCALL_ALLOW_LOOPBACK_WEBHOOKS: bool.default(false),
  /** SPEC §6.3: allow private-range (and CGNAT, unique-local) callback and flow URLs too (a deployment setting). */
  OUTCALL_ALLOW_PRIVATE_WEBHOOKS: bool.default(false),
  /** Secret that signs report_url tokens; generated and kept under the data dir when unset. */
  OUTCALL_SIGNING_SECRET: z.string().min(16).optional(),
  /** Serve the simulator carrier at /simulator from the API process (default on). */
  OUTCALL_SIMULATOR: bool.default(true),
  /** Where workers reach the simulator's Exotel-compatible API; default `<OUTCALL_PUBLIC_URL>/simulator`. */
  OUTCALL_SIMULATOR_URL: z.string().url().optional(),
  /**
   * The simulator's own way to Outcall: status callbacks and greeting fetches addressed to
   * OUTCALL_PUBLIC_URL go to this base instead (a simulator on a private network, docker compose).
   */
  OUTCALL_SIM_CALLBACK_URL: z.string().url().optional(),
  /** Port of a worker's own `/metrics` (SPEC §8); 0 picks a free one. */
  OUTCALL_WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** When set, the API's `/metrics` needs `Authorization: Bearer <token>`. */
  OUTCALL_METRICS_TOKEN: z.string().min(16).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `auto`: one coloured line per event on a terminal outside production, JSON lines otherwise. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** `production` keeps logs JSON even on a terminal (the Docker image sets it). */
  NODE_ENV: z.string().optional(),
});

export type Config = z.infer<typeof configSchema> & { OUTCALL_PUBLIC_URL: string };

/** Parses an environment; on failure prints every bad variable and exits (or throws in tests). */
export function loadConfig(env: Record<string, string | undefined> = process.env, exitOnError = true): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    const msg = `Invalid configuration:\n${lines.join('\n')}`;
    if (exitOnError) {
      console.error(msg);
      process.exit(2);
    }
    throw new Error(msg);
  }
  const c = parsed.data;
  return { ...c, OUTCALL_PUBLIC_URL: c.OUTCALL_PUBLIC_URL ?? `http://localhost:${c.PORT}` };
}
