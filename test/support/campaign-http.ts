/**
 * Campaign control over real HTTP against a real stack (`startTestStack`): create, PUT, DELETE and
 * GET one campaign with an account's credentials, and wait for the read model to reach a state.
 * Every GET checks SPEC §4.9's invariant (and, at a terminal status, that nothing is left
 * unfinished), so a test that polls proves the invariant at every read it makes.
 */
import { expect } from 'vitest';
import { client, type TestStack } from './stack';

/** A parsed JSON body: tests read arbitrary envelope fields (see test/support/api.ts `Json`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface HttpAccount {
  sid: string;
  api_key: string;
  api_token: string;
  [setting: string]: unknown;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Canceled', 'Deleted', 'Archived']);

/** An account for a control test: calls at any hour, and a rate limit that polling cannot reach. */
export function controlAccount(sid: string, settings: Record<string, unknown> = {}): HttpAccount {
  return {
    sid,
    api_key: `${sid}_key`,
    api_token: `${sid}_token_0123456789abcdef`,
    calling_window: '00:00-24:00',
    api_requests_per_minute: 100_000,
    ...settings,
  };
}

/** SPEC §4.9: `created` is the sum of the per-status counts; at a terminal status nothing is unfinished. */
export function expectStatsInvariant(c: Json): void {
  const s = c.stats;
  expect(s.created, JSON.stringify(s)).toBe(
    s.pending + s['in-progress'] + s.retry + s.completed + s.failed + s.canceled + s.suppressed,
  );
  expect(s.in_progress).toBe(s['in-progress']);
  if (TERMINAL.has(c.status))
    expect({ pending: s.pending, inProgress: s['in-progress'], retry: s.retry }, `${c.status} stats`).toEqual({
      pending: 0,
      inProgress: 0,
      retry: 0,
    });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function campaignHttp(stack: TestStack, account: HttpAccount) {
  const api = client(stack.baseUrl, account.api_key, account.api_token);
  const base = `/v2/accounts/${account.sid}/campaigns`;

  async function get(id: string): Promise<Json> {
    const res = await api('GET', `${base}/${id}`);
    expect(res.status, res.text).toBe(200);
    const c = res.json.response[0].data;
    expectStatsInvariant(c);
    return c;
  }

  return {
    api,
    base,
    /** POSTs a campaign (flat body) and returns its data; fails the test on anything but 200. */
    async create(body: Record<string, unknown>): Promise<Json> {
      const res = await api('POST', base, body);
      expect(res.status, res.text).toBe(200);
      return res.json.response[0].data;
    },
    put: (id: string, body: unknown) => api('PUT', `${base}/${id}`, body),
    del: (id: string, body?: unknown) => api('DELETE', `${base}/${id}`, body),
    get,
    /** The campaign's call-details records (one per attempt). */
    async calls(id: string): Promise<Json[]> {
      const res = await api('GET', `${base}/${id}/call-details?limit=500`);
      expect(res.status, res.text).toBe(200);
      return res.json.response;
    },
    /** Polls GET until `done(campaign)` holds; throws with the last state after `timeoutMs`. */
    async waitFor(
      id: string,
      done: (c: Json) => boolean,
      timeoutMs = 60_000,
      what = 'the expected state',
    ): Promise<Json> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const c = await get(id);
        if (done(c)) return c;
        if (Date.now() > deadline)
          throw new Error(
            `campaign ${id} never reached ${what} in ${timeoutMs} ms: ${c.status} ${JSON.stringify(c.stats)}`,
          );
        await sleep(250);
      }
    },
    waitForStatus(id: string, status: string, timeoutMs = 60_000): Promise<Json> {
      return this.waitFor(id, (c) => c.status === status, timeoutMs, status);
    },
  };
}

export type CampaignHttp = ReturnType<typeof campaignHttp>;

/** The success item of a flat response, asserting HTTP 200. */
export function okData(res: { status: number; text: string; json: Json }): Json {
  expect(res.status, res.text).toBe(200);
  expect(res.json.response[0]).toMatchObject({ code: 200, status: 'success' });
  return res.json.response[0].data;
}

/** The failure item of a flat response, asserting its HTTP status and `error_data.code`. */
export function failure(
  res: { status: number; text: string; json: Json },
  http: number,
  code: number,
): { code: number; message: string; description: string } {
  expect(res.status, res.text).toBe(http);
  expect(res.json).toMatchObject({ http_code: http });
  expect(res.json.response[0]).toMatchObject({ code: http, status: 'failure', error_data: { code } });
  return res.json.response[0].error_data;
}

/** An RFC 3339 instant `ms` from now, whole seconds, in UTC. */
export function inMs(ms: number): string {
  return new Date(Math.ceil((Date.now() + ms) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
