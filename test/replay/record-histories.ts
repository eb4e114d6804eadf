/**
 * Records the workflow histories `test/replay/replay.test.ts` replays (STYLE G16): `npm run test:record-histories --
 * <issue>-<change>` drives a whole stack through each scenario below and writes `histories/<issue>-<change>/` with
 * `sources.json` (test/replay/workflow-sources.ts). Earlier sets stay.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startEmbeddedStack, type EmbeddedStack } from '../../bin/embedded-stack';
import { ensureToolchain } from '../../bin/toolchain';
import { campaignWorkflowId, numberWorkflowId } from '../../domain/ids';
import { bundledProjectFiles, bundleWorkflows, historiesDir, sourcesManifest } from './workflow-sources';

const run = promisify(execFile);
const ACCOUNT = {
  sid: 'replay',
  api_key: 'replay_key',
  api_token: 'replay_token_0123456789abcdef',
  calling_window: '00:00-24:00',
};
const auth = { key: ACCOUNT.api_key, token: ACCOUNT.api_token };
const campaigns = `/v2/accounts/${ACCOUNT.sid}/campaigns`;

interface Scenario {
  name: string;
  /** Creates the campaign (and drives it); returns its id and the number position worth keeping. */
  run(stack: EmbeddedStack): Promise<{ id: string; position: number }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function create(stack: EmbeddedStack, body: Record<string, unknown>): Promise<string> {
  const res = await stack.api('POST', campaigns, auth, { caller_id: '08012345678', ...body });
  if (res.status !== 200) throw new Error(`create failed: ${res.text}`);
  return res.json.response[0].data.id as string;
}

async function status(stack: EmbeddedStack, id: string): Promise<string> {
  const res = await stack.api('GET', `${campaigns}/${id}`, auth);
  return res.json.response[0].data.status as string;
}

async function until(stack: EmbeddedStack, id: string, wanted: string[], timeoutMs = 10 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!wanted.includes(await status(stack, id))) {
    if (Date.now() > deadline) throw new Error(`campaign ${id} did not reach ${wanted.join('|')}`);
    await sleep(1000);
  }
}

async function act(stack: EmbeddedStack, id: string, action: string): Promise<void> {
  const res = await stack.api('PUT', `${campaigns}/${id}`, auth, { action });
  if (res.status !== 200) throw new Error(`${action} failed: ${res.text}`);
}

const scenarios: Scenario[] = [
  {
    // Every simulator outcome once, a refused dial, and one retry a minute later (SPEC §4.3, §7).
    name: 'inline-retries',
    async run(stack) {
      const from = [
        '+919876543210',
        '+919876543216',
        '+919876543217',
        '+919876543218',
        '+919876543219',
        '+919876543000',
      ];
      const id = await create(stack, {
        from,
        read_via_text: 'Your parcel arrives today',
        retries: { number_of_retries: 1, interval_mins: 1 },
      });
      await until(stack, id, ['Completed', 'Failed']);
      return { id, position: 4 };
    },
  },
  {
    // Pause before start, resume, pause while running, resume, pause and complete (a drain) (SPEC §4.1).
    name: 'pause-resume-complete',
    async run(stack) {
      const from = ['+919876543211', '+919876543212', '+919876543216', '+919876543213'];
      const sendAt = new Date(Date.now() + 5000).toISOString().replace(/\.\d+Z$/, 'Z');
      const id = await create(stack, {
        from,
        url: 'http://flow.example/start',
        schedule: { send_at: sendAt },
        retries: { number_of_retries: 2, interval_mins: 1 },
      });
      await act(stack, id, 'pause');
      await act(stack, id, 'resume');
      await until(stack, id, ['InProgress']);
      await sleep(3000);
      await act(stack, id, 'pause');
      await sleep(2000);
      await act(stack, id, 'resume');
      await sleep(3000);
      // SPEC §4.1: complete applies to a paused campaign.
      await act(stack, id, 'pause');
      await act(stack, id, 'complete');
      await until(stack, id, ['Completed']);
      return { id, position: 2 };
    },
  },
  {
    // Enough numbers for the campaign's first run to pass 400 events and continue-as-new (issue 10 short runs).
    name: 'long-run',
    async run(stack) {
      const from = Array.from({ length: 60 }, (_, i) => `+9198765${String(i).padStart(4, '0')}1`);
      const id = await create(stack, { from, url: 'http://flow.example/start' });
      await until(stack, id, ['Completed']);
      return { id, position: 30 };
    },
  },
];

async function saveRun(client: Client, address: string, workflowId: string, file: string): Promise<void> {
  // The first run: continue-as-new starts later runs under the same id; each run replays on its own.
  const runs = [];
  for await (const r of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(r);
  runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  const first = runs[0];
  if (!first) throw new Error(`no run of ${workflowId}`);
  // The CLI writes Temporal's standard JSON history (what `historyFromJSON` reads and the Web UI exports).
  const { stdout } = await run(
    ensureToolchain().temporal,
    ['workflow', 'show', '--address', address, '-w', workflowId, '-r', first.runId, '--output', 'json'],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  const history = JSON.parse(stdout) as { events: unknown[] };
  const body = { workflowId, workflowType: first.type, history };
  writeFileSync(file, JSON.stringify(body, null, 1) + '\n');
  process.stdout.write(`  ${path.basename(file)}: ${history.events.length} events\n`);
}

/** The set's name: the patch it follows, `<issue>-<change>` (e.g. `10-not-sent-redials`). */
function setName(): string {
  const name = process.argv[2] ?? '';
  if (!/^\d+-[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) {
    process.stderr.write('usage: npm run test:record-histories -- <issue>-<change>   (e.g. 10-not-sent-redials)\n');
    process.exit(2);
  }
  return name;
}

async function main(): Promise<void> {
  const dir = path.join(historiesDir, setName());
  // The sources this run records against, read before the stack starts running them.
  const sources = sourcesManifest(bundledProjectFiles(await bundleWorkflows()));
  mkdirSync(dir, { recursive: true });
  const stack = await startEmbeddedStack({
    env: { OUTCALL_ACCOUNTS: JSON.stringify([ACCOUNT]), OUTCALL_SIM_RING_MS: '200', OUTCALL_SIM_TALK_MS: '500' },
  });
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  try {
    for (const s of scenarios) {
      process.stdout.write(`${s.name}\n`);
      const { id, position } = await s.run(stack);
      await sleep(2000); // let the last number workflows close
      await saveRun(client, stack.temporalAddress, campaignWorkflowId(id), path.join(dir, `${s.name}.campaign.json`));
      await saveRun(
        client,
        stack.temporalAddress,
        numberWorkflowId(id, position),
        path.join(dir, `${s.name}.number.json`),
      );
    }
    writeFileSync(path.join(dir, 'sources.json'), JSON.stringify(sources, null, 1) + '\n');
    process.stdout.write(`${path.relative(process.cwd(), dir)}: recorded against ${sources.hash.slice(0, 12)}\n`);
  } finally {
    await connection.close();
    await stack.stop();
  }
}

await main();
process.exit(0);
