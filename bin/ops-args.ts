/**
 * The ops CLI's vocabulary (SPEC §8), parsed without I/O so it can be tested on its own.
 * `bin/ops.ts` runs what this returns.
 */

export type CampaignAction = 'pause' | 'resume' | 'complete';

export type OpsCommand =
  | { kind: 'help' }
  | { kind: 'accounts.upsert'; json: string }
  | { kind: 'accounts.list' }
  | { kind: 'campaigns.list'; accountSid?: string; status?: string; limit: number }
  | { kind: 'campaigns.show'; campaignId: string }
  | { kind: 'campaigns.signal'; action: CampaignAction; campaignId: string }
  | { kind: 'campaigns.tail'; campaignId: string; intervalMs: number }
  | {
      kind: 'lists.upload';
      file: string;
      name: string;
      type: 'static' | 'dynamic';
      accountSid?: string;
      key?: string;
      token?: string;
      url?: string;
    }
  | { kind: 'doctor' }
  | { kind: 'simulator.twilio'; accountSid: string };

export interface ParsedOps {
  command: OpsCommand;
  /** Print machine-readable JSON instead of tables. */
  json: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `Usage: npm run ops -- <command> [--json]

  accounts upsert '<json>'          create or update an account (SPEC §7 names; '-' reads stdin)
  accounts list                     accounts and their settings (secrets masked)
  campaigns list [--account <sid>] [--status <status>] [--limit <n>]
  campaigns show <id>               the campaign's row, stats and its workflow's status query
  campaigns pause <id>              send the pause signal to workflow campaign/<id>
  campaigns resume <id>             send the resume signal
  campaigns complete <id>           send the complete signal
  campaigns tail <id> [--interval <ms>]
                                    print status changes and attempts as they happen, until the
                                    campaign ends or Ctrl-C
  lists upload <file> --name <list> [--type static|dynamic]
                [--account <sid> --key <api key> --token <api token>] [--url <api base url>]
                                    upload a CSV through the API with a progress bar, then print the
                                    counts and the first failures (default: the local stack's demo
                                    account, at OUTCALL_PUBLIC_URL)
  doctor                            check the database, Temporal and carrier settings
  simulator twilio-credentials <AC sid>
                                    the auth token of that simulated Twilio account, for a twilio
                                    carrier pointed at the local stack's /simulator/twilio

--json prints JSON for scripts (tail: one object per line).

DATABASE_URL and TEMPORAL_ADDRESS come from the environment, or else from the running local
stack (<OUTCALL_DATA_DIR>/stack.json, written by \`npm start\`).`;

const DEFAULT_LIST_LIMIT = 50;
const CAMPAIGN_ACTIONS: readonly string[] = ['pause', 'resume', 'complete'] satisfies CampaignAction[];

/** Splits `--name value` / `--name=value` options from positional words. */
function splitOptions(args: string[], known: readonly string[]): { words: string[]; options: Map<string, string> } {
  const words: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!known.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
    options.set(name, value);
  }
  return { words, options };
}

function exactly(words: string[], n: number, what: string): void {
  if (words.length < n) throw new UsageError(`missing ${what}`);
  if (words.length > n) throw new UsageError(`unexpected argument '${words[n]}'`);
}

/** Parses the words after `npm run ops --`. Throws `UsageError` naming what is wrong. */
export function parseOpsArgs(argv: string[]): ParsedOps {
  const json = argv.includes('--json');
  const rest = argv.filter((a) => a !== '--json');
  if (rest.length === 0 || rest.some((a) => a === '--help' || a === '-h') || rest[0] === 'help') {
    return { command: { kind: 'help' }, json };
  }
  const [group, verb, ...args] = rest as [string, string | undefined, ...string[]];
  switch (group) {
    case 'doctor': {
      exactly(rest.slice(1), 0, '');
      return { command: { kind: 'doctor' }, json };
    }
    case 'simulator': {
      if (verb === 'twilio-credentials') {
        exactly(args, 1, 'the Twilio account sid (AC…)');
        return { command: { kind: 'simulator.twilio', accountSid: args[0]! }, json };
      }
      throw new UsageError(
        verb ? `unknown simulator command '${verb}'` : 'simulator needs a command: twilio-credentials',
      );
    }
    case 'accounts': {
      if (verb === 'list') {
        exactly(args, 0, '');
        return { command: { kind: 'accounts.list' }, json };
      }
      if (verb === 'upsert') {
        exactly(args, 1, 'the account JSON (e.g. \'{"sid":"acme","api_key":"k","api_token":"t"}\')');
        return { command: { kind: 'accounts.upsert', json: args[0]! }, json };
      }
      throw new UsageError(verb ? `unknown accounts command '${verb}'` : 'accounts needs a command: upsert | list');
    }
    case 'campaigns': {
      if (verb === 'list') {
        const { words, options } = splitOptions(args, ['account', 'status', 'limit']);
        exactly(words, 0, '');
        const limitText = options.get('limit');
        const limit = limitText === undefined ? DEFAULT_LIST_LIMIT : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
          throw new UsageError(`--limit must be an integer from 1 to 10000, got '${limitText}'`);
        }
        const accountSid = options.get('account');
        const status = options.get('status');
        return {
          command: {
            kind: 'campaigns.list',
            limit,
            ...(accountSid !== undefined && { accountSid }),
            ...(status !== undefined && { status }),
          },
          json,
        };
      }
      if (verb === 'show') {
        exactly(args, 1, 'the campaign id');
        return { command: { kind: 'campaigns.show', campaignId: args[0]! }, json };
      }
      if (verb === 'tail') {
        const { words, options } = splitOptions(args, ['interval']);
        exactly(words, 1, 'the campaign id');
        const text = options.get('interval');
        const intervalMs = text === undefined ? 500 : Number(text);
        if (!Number.isInteger(intervalMs) || intervalMs < 50 || intervalMs > 60_000)
          throw new UsageError(`--interval must be an integer from 50 to 60000 (milliseconds), got '${text}'`);
        return { command: { kind: 'campaigns.tail', campaignId: words[0]!, intervalMs }, json };
      }
      if (verb !== undefined && CAMPAIGN_ACTIONS.includes(verb)) {
        exactly(args, 1, 'the campaign id');
        return { command: { kind: 'campaigns.signal', action: verb as CampaignAction, campaignId: args[0]! }, json };
      }
      throw new UsageError(
        verb
          ? `unknown campaigns command '${verb}'`
          : 'campaigns needs a command: list | show | tail | pause | resume | complete',
      );
    }
    case 'lists': {
      if (verb !== 'upload')
        throw new UsageError(verb ? `unknown lists command '${verb}'` : 'lists needs a command: upload');
      const { words, options } = splitOptions(args, ['name', 'type', 'account', 'key', 'token', 'url']);
      exactly(words, 1, 'the CSV file');
      const name = options.get('name');
      if (!name) throw new UsageError('--name is required: the list to add the contacts to');
      const type = (options.get('type') ?? 'static').toLowerCase();
      if (type !== 'static' && type !== 'dynamic')
        throw new UsageError(`--type must be static or dynamic, got '${options.get('type')}'`);
      const pick = (k: string) => options.get(k);
      return {
        command: {
          kind: 'lists.upload',
          file: words[0]!,
          name,
          type,
          ...(pick('account') !== undefined && { accountSid: pick('account') }),
          ...(pick('key') !== undefined && { key: pick('key') }),
          ...(pick('token') !== undefined && { token: pick('token') }),
          ...(pick('url') !== undefined && { url: pick('url') }),
        },
        json,
      };
    }
    default:
      throw new UsageError(`unknown command '${group}'`);
  }
}

/** Shows the first and last characters of a credential only (`acme…xyz`); short ones are fully masked. */
export function maskSecret(value: string): string {
  if (value.length <= 8) return '*'.repeat(value.length);
  return `${value.slice(0, 4)}…${value.slice(-2)}`;
}

/** True for a URL whose host is loopback (localhost, 127.0.0.0/8, ::1) or unspecified (0.0.0.0). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  host = host.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === '::1' ||
    host === '0.0.0.0' ||
    host === '::'
  );
}

/** The local stack's endpoints, as `npm start` writes them to `<OUTCALL_DATA_DIR>/stack.json`. */
export interface StackFile {
  databaseUrl: string;
  temporalAddress: string;
}

/** Reads a stack.json's text; null when it is not the agreed `{ databaseUrl, temporalAddress }` shape. */
export function parseStackFile(text: string): StackFile | null {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null) return null;
    const { databaseUrl, temporalAddress } = v as Record<string, unknown>;
    if (typeof databaseUrl !== 'string' || typeof temporalAddress !== 'string') return null;
    return { databaseUrl, temporalAddress };
  } catch {
    return null;
  }
}

export interface Endpoint {
  value: string;
  /** Where the value came from, for messages. */
  source: string;
}

/**
 * Picks the database URL and Temporal address: the environment first, then the local stack's file.
 * A missing one is returned as an error message telling the user where the values come from.
 */
export function resolveEndpoint(
  envValue: string | undefined,
  envName: 'DATABASE_URL' | 'TEMPORAL_ADDRESS',
  stack: { file: string; contents: StackFile | null } | null,
): Endpoint | { error: string } {
  if (envValue) return { value: envValue, source: envName };
  const fromStack = stack?.contents?.[envName === 'DATABASE_URL' ? 'databaseUrl' : 'temporalAddress'];
  if (fromStack) return { value: fromStack, source: stack!.file };
  return {
    error:
      `${envName} is not set${stack ? ` and ${stack.file} has no usable value` : ''}. ` +
      'Start the local stack with `npm start` (it prints the database URL and Temporal address and writes ' +
      'them to <OUTCALL_DATA_DIR>/stack.json), or set ' +
      `${envName} to your deployment's value.`,
  };
}
