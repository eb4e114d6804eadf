/**
 * SPEC §8 the ops CLI, run as a process (`node --import tsx bin/ops.ts ...`) against a real stack:
 * `campaigns tail` follows a campaign to its end in time order (and stops on Ctrl-C), `lists upload` shows its
 * progress and the counts, `doctor` warns about a real carrier behind a loopback public URL; `--json`
 * everywhere for scripts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startTestStack, type TestStack } from '../support/stack';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ACCOUNT = {
  sid: 'ops_cli',
  api_key: 'ops_cli_key',
  api_token: 'ops_cli_token_0123456789',
  calling_window: '00:00-24:00',
  api_requests_per_minute: 100_000,
  calls_per_minute: 600,
};
const REAL_CARRIER = {
  sid: 'ops_real',
  api_key: 'ops_real_key',
  api_token: 'ops_real_token_0123456789',
  carrier: { type: 'exotel', base_url: 'http://127.0.0.1:9/v1', sid: 'x', api_key: 'y', api_token: 'z' },
};

let stack: TestStack;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  stack = await startTestStack({ OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT, REAL_CARRIER]) });
  api = client(stack.baseUrl, ACCOUNT.api_key, ACCOUNT.api_token);
});
afterAll(async () => {
  await stack?.stop();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI; `done` resolves when it exits. */
function ops(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/ops.ts', ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: stack.config.DATABASE_URL!,
      TEMPORAL_ADDRESS: stack.config.TEMPORAL_ADDRESS!,
      OUTCALL_TASK_QUEUE: stack.taskQueue,
      OUTCALL_PUBLIC_URL: stack.config.OUTCALL_PUBLIC_URL,
      OUTCALL_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'outcall-ops-')),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (c: Buffer) => (run.stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (run.stderr += c.toString('utf8')));
  const done = new Promise<Run>((resolve) =>
    child.on('exit', (code) => {
      run.code = code;
      resolve(run);
    }),
  );
  return { child, run, done };
}

const waitFor = async (what: string, ok: () => boolean, ms = 30_000) => {
  for (const deadline = Date.now() + ms; !ok(); await new Promise((r) => setTimeout(r, 100)))
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${ms} ms`);
};

async function createCampaign(body: Record<string, unknown>): Promise<string> {
  const res = await api('POST', `/v2/accounts/${ACCOUNT.sid}/campaigns`, body);
  expect(res.status, res.text).toBe(200);
  return res.json.response[0].data.id;
}

describe('§8 ops campaigns tail', () => {
  it('streams status changes and attempts until the campaign ends (--json: one object per line)', async () => {
    const numbers = ['+919876543210', '+919876543216', '+919876543218'];
    const id = await createCampaign({
      from: numbers,
      caller_id: '08012345678',
      read_via_text: 'Hello',
      mode: 'custom',
      throttle: 30,
    });
    const tail = ops(['campaigns', 'tail', id, '--json', '--interval', '200']);
    const run = await tail.done;
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; event?: string; number?: string; status: string });
    const settled = events.filter((e) => e.type === 'attempt' && e.event === 'settled');
    expect(settled.map((e) => [e.number, e.status]).sort()).toEqual([
      ['+919876543210', 'completed'],
      ['+919876543216', 'busy'],
      ['+919876543218', 'failed'],
    ]);
    for (const n of numbers) {
      const mine = events.filter((e) => e.number === n).map((e) => e.event);
      expect(mine, n).toEqual(['dialled', 'settled']);
    }
    expect(events.filter((e) => e.type === 'status').at(-1)?.status).toBe('Completed');
    expect(events.at(-1)).toMatchObject({ type: 'end', status: 'Completed' });
  });

  it('prints what happened in time order, an attempt dialled during another one before its settle', async () => {
    // Calls overlap (five dials a second, each call ringing and talking for over a second): the ended campaign's
    // whole history comes in one poll, which prints dialled and settled lines interleaved by time.
    const numbers = Array.from({ length: 6 }, (_, i) => `+9198765031${i}0`);
    const id = await createCampaign({
      from: numbers,
      caller_id: '08012345678',
      read_via_text: 'Hello',
      mode: 'custom',
      throttle: 300,
    });
    const status = async () =>
      (await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`)).json.response[0].data.status as string;
    for (const deadline = Date.now() + 120_000; (await status()) !== 'Completed';)
      if (Date.now() > deadline) throw new Error('the campaign did not complete in 120 s');
      else await new Promise((r) => setTimeout(r, 250));
    const run = await ops(['campaigns', 'tail', id, '--json']).done;
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; event?: string; at: string; number?: string });
    const instants = events.map((e) => e.at);
    expect(instants).toEqual([...instants].sort());
    expect(events.at(-1)?.type).toBe('end');
    for (const n of numbers) {
      const mine = events.filter((e) => e.number === n).map((e) => e.event);
      expect(mine, n).toEqual(['dialled', 'settled']);
    }
    const kinds = events.filter((e) => e.type === 'attempt').map((e) => e.event);
    // Interleaved, not six dialled/settled pairs: some dial came before an earlier call settled.
    expect(kinds.join(' ')).not.toBe(Array(numbers.length).fill('dialled settled').join(' '));
  });

  it('prints lines for people and stops on Ctrl-C while the campaign goes on', async () => {
    const id = await createCampaign({
      from: Array.from({ length: 30 }, (_, i) => `+91987650${String(2000 + i)}`),
      caller_id: '08012345678',
      read_via_text: 'Hello',
      mode: 'custom',
      throttle: 6,
    });
    const tail = ops(['campaigns', 'tail', id]);
    await waitFor('the first dial in the tail', () => /dialled/.test(tail.run.stdout));
    tail.child.kill('SIGINT');
    const run = await tail.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Following campaign ${id}`));
    expect(run.stdout).toMatch(/\d\d:\d\d:\d\d {2}campaign {2}InProgress/);
    expect(run.stdout).toMatch(/\d\d:\d\d:\d\d {2}dialled {3}\+91987650200\d/);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('Stopped (the campaign goes on).');
    const still = await api('GET', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`);
    expect(still.json.response[0].data.status).toBe('InProgress');
    await api('PUT', `/v2/accounts/${ACCOUNT.sid}/campaigns/${id}`, { action: 'pause' });
  });
});

describe('§8 ops lists upload', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'outcall-upload-'));
  const file = path.join(dir, 'contacts.csv');
  const rows = ['number,first_name', ...Array.from({ length: 2000 }, (_, i) => `+9198766${String(10000 + i)},P${i}`)];
  writeFileSync(file, `${[...rows, 'nope,Bad', '+919876610000,Again'].join('\n')}\n`);
  const creds = () => ['--account', ACCOUNT.sid, '--key', ACCOUNT.api_key, '--token', ACCOUNT.api_token];

  it('shows upload and import progress, then the counts and the first failures', async () => {
    const run = await ops(['lists', 'upload', file, '--name', 'ops upload', ...creds(), '--url', stack.baseUrl]).done;
    expect(run.code, run.stderr).toBe(0);
    // Not a terminal: the bars print a line per quarter, ending at 100 %.
    expect(run.stderr).toMatch(/\[#+\] 100% {2}uploading/);
    expect(run.stderr).toMatch(/\[#+\] 100% {2}importing {2}2002 rows/);
    expect(run.stdout).toMatch(/: completed\n/);
    expect(run.stdout).toContain('rows 2002   added 2000   duplicate 1   failed 1');
    expect(run.stdout).toMatch(/first failures:\n {4}row 2001 {2}nope {2}invalid_number/);
  });

  it('prints the final status as JSON with --json, and fails naming a wrong token', async () => {
    const run = await ops(['lists', 'upload', file, '--name', 'ops json', ...creds(), '--url', stack.baseUrl, '--json'])
      .done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed', success_count: 2000, failure_count: 1 });
    const bad = await ops([
      'lists',
      'upload',
      file,
      '--name',
      'x',
      ...creds().slice(0, 4),
      '--token',
      'wrong',
      '--url',
      stack.baseUrl,
    ]).done;
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^ops: HTTP 401: the API key or API token is not valid/m);
  });
});

describe('§8 ops doctor', () => {
  it('warns about a real carrier with a loopback public URL, healthy otherwise', async () => {
    const run = await ops(['doctor']).done;
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^WARN {2}public url {9}OUTCALL_PUBLIC_URL is http:\/\/127\.0\.0\.1:\d+ \(loopback\)/m);
    expect(run.stdout).toContain(REAL_CARRIER.sid);
    expect(run.stdout).toMatch(/Outcall looks healthy \(\d warnings?\)\.$/m);
    const json = await ops(['doctor', '--json']).done;
    const report = JSON.parse(json.stdout) as { healthy: boolean; checks: Array<{ check: string; level: string }> };
    expect(report.healthy).toBe(true);
    expect(report.checks.find((c) => c.check === 'public url')?.level).toBe('warn');
    expect(report.checks.find((c) => c.check === 'database')?.level).toBe('ok');
  });
});
