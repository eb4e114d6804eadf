/**
 * API tests (STYLE G14): the real app on a real database, with a fake workflow engine at the edge.
 * `createApp(deps).request(...)` runs the whole middleware chain without a server.
 */
import pino from 'pino';
import { createApp } from '../../api/app';
import { EngineUnavailableError, type AppDeps, type CampaignEngine, type ControlResult } from '../../api/deps';
import type { Db } from '../../db/client';
import { upsertAccount } from '../../db/queries/accounts';
import type { AccountInput } from '../../domain/schemas/account';
import { newSid } from '../../domain/ids';

export interface FakeEngine extends CampaignEngine {
  started: Array<{ campaignId: string; accountSid: string; campaignName: string }>;
  controls: Array<Parameters<CampaignEngine['controlCampaign']>[0]>;
  replays: Array<Parameters<CampaignEngine['replayWebhook']>[0]>;
}

/**
 * Records every start and control request; `unavailable` makes it throw as an unreachable Temporal
 * does; `control` scripts the workflow's answer to a control request (default: the workflow ended).
 */
export function fakeEngine(
  opts: {
    unavailable?: boolean;
    control?: (input: Parameters<CampaignEngine['controlCampaign']>[0]) => ControlResult;
    archive?: boolean;
  } = {},
): FakeEngine {
  const started: FakeEngine['started'] = [];
  const controls: FakeEngine['controls'] = [];
  const replays: FakeEngine['replays'] = [];
  return {
    started,
    controls,
    replays,
    async replayWebhook(input) {
      if (opts.unavailable) throw new EngineUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:7233'));
      replays.push(input);
    },
    async controlCampaign(input) {
      if (opts.unavailable) throw new EngineUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:7233'));
      controls.push(input);
      return opts.control?.(input) ?? { kind: 'closed' };
    },
    async archiveCampaign() {
      return opts.archive ?? false;
    },
    async startCampaign(input) {
      if (opts.unavailable) throw new EngineUnavailableError(new Error('connect ECONNREFUSED 127.0.0.1:7233'));
      started.push(input);
    },
    async reportCallStatus() {
      return 'unknown_token';
    },
    async ping() {
      return !opts.unavailable;
    },
  };
}

export function testDeps(db: Db, engine: CampaignEngine = fakeEngine()): AppDeps {
  return {
    db,
    engine,
    log: pino({ level: 'silent' }),
    publicUrl: 'http://127.0.0.1:3000',
    signingSecret: 'test-signing-secret-0123456789',
    allowLoopbackWebhooks: true,
    allowPrivateWebhooks: false,
  };
}

export interface TestAccount {
  sid: string;
  key: string;
  token: string;
  /** `Authorization` header value for this account. */
  auth: string;
}

export function basicAuthHeader(key: string, token: string): string {
  return `Basic ${Buffer.from(`${key}:${token}`).toString('base64')}`;
}

/** A new account with unique sid and key; `settings` override SPEC §7 defaults. */
export async function provisionAccount(db: Db, settings: Partial<AccountInput> = {}): Promise<TestAccount> {
  const suffix = newSid().slice(0, 8);
  const input: AccountInput = {
    sid: `acct_${suffix}`,
    api_key: `key_${suffix}`,
    api_token: `token_${newSid()}`,
    ...settings,
  };
  await upsertAccount(db, input);
  return {
    sid: input.sid,
    key: input.api_key,
    token: input.api_token,
    auth: basicAuthHeader(input.api_key, input.api_token),
  };
}

export type App = ReturnType<typeof createApp>;

/**
 * A parsed response body. `any` on purpose: tests read arbitrary envelope fields and assert on them,
 * and an assertion failure is the type check that matters there.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** Sends `body` as JSON (or as given when a string) with the account's credentials. */
export async function call(
  app: App,
  account: TestAccount | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Json }> {
  const res = await app.request(path, {
    method,
    headers: {
      ...(account && { Authorization: account.auth }),
      ...(body !== undefined && typeof body !== 'string' && { 'Content-Type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, json };
}

/** A valid inline-`from` create body; override any field. */
export function aCampaignRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    from: ['+919876543210', '09876543211', '01140002400'],
    caller_id: '08047112233',
    url: 'https://flows.example.com/start_voice/926',
    ...overrides,
  };
}
