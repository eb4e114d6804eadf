/**
 * SPEC §1 "Bad input never yields a 5xx" and "nothing is half-written", as a property: seeded requests from the zod
 * schemas and hostile shapes (`test/support/fuzz/`) over every endpoint, real HTTP, a real database per lane. Every
 * answer is below 500 and arrives; every refusal is the envelope and changes no row count.
 */
import fc from 'fast-check';
import pino from 'pino';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createApp } from '../../api/app';
import { csvUploads, webhookDeliveries } from '../../db/schema';
import { newSid } from '../../domain/ids';
import { createSimulatorApp, simulatorCredentials } from '../../simulator';
import { aCampaignRequest, provisionAccount, testDeps } from '../support/api';
import { freshDatabase, type TestDatabase } from '../support/db';
import { FIXTURE_DNC_NUMBER } from '../support/fuzz/more-routes';
import { fuzzRequest, type FuzzFixtures, type FuzzRequest } from '../support/fuzz/requests';
import { httpClient, serveApp, type ServedApp } from '../support/http-app';
import { multipart, postUploadBody, waitForUpload } from '../support/csv-upload';
import { tableCounts } from '../support/table-counts';

const SEED = 20261203;
const LANES = 4;
const REQUESTS = 10_000;

interface Lane {
  database: TestDatabase;
  served: ServedApp;
  fixtures: FuzzFixtures;
  agent: Agent;
  /** Every table's row count now: nothing but this lane's requests writes to its database. */
  counts: Record<string, number>;
}

interface Outcome {
  request: FuzzRequest;
  status: number | null;
  problem: string | null;
  ms?: number;
}

const lanes: Lane[] = [];
const SIMULATOR_SECRET = 'fuzz-simulator-secret-0123456789';

async function startLane(): Promise<Lane> {
  const database = await freshDatabase();
  const simulator = createSimulatorApp({
    db: database.db,
    log: pino({ level: 'silent' }),
    ringMs: 0,
    talkMs: 0,
    secret: SIMULATOR_SECRET,
  });
  const served = await serveApp(createApp(testDeps(database.db), { mount: { '/simulator': simulator } }));
  const account = await provisionAccount(database.db, { api_requests_per_minute: 10_000_000 });
  const api = httpClient(served.baseUrl, account);
  const base = `/v2/accounts/${account.sid}`;
  const data = async (
    p: Promise<{
      status: number;
      text: string;
      json: { response: Array<{ data: { sid?: string; id?: string; upload_id?: string } }> };
    }>,
  ) => {
    const res = await p;
    expect(res.status, res.text).toBe(200);
    return res.json.response[0]!.data;
  };
  const campaign = await data(api('POST', `${base}/campaigns`, aCampaignRequest({ name: 'fuzz fixture' })));
  const list = await data(api('POST', `${base}/lists`, { name: 'fuzz fixture list' }));
  const contact = await data(api('POST', `${base}/contacts`, { number: '+919876543299', first_name: 'Fuzz' }));
  const { body, contentType } = multipart([
    { name: 'list_name', value: 'fuzz fixture upload' },
    { name: 'file_name', filename: 'f.csv', content: 'number\n+919876543298\n' },
  ]);
  const upload = await data(postUploadBody(served.baseUrl, account, body, contentType));
  await waitForUpload(served.baseUrl, account, upload.upload_id!);
  await data(api('POST', `${base}/dnc`, { number: FIXTURE_DNC_NUMBER }));
  // A delivery its replay can name: abandoned, so replayable.
  const delivery = newSid();
  await database.db.insert(webhookDeliveries).values({
    id: delivery,
    accountSid: account.sid,
    campaignId: campaign.id!,
    kind: 'status',
    url: 'https://hooks.example.com/fuzz',
    payload: { campaign_sid: campaign.id!, status: 'Completed' },
    status: 'abandoned',
  });
  const sim = simulatorCredentials(account.sid, SIMULATOR_SECRET);
  return {
    database,
    served,
    counts: await tableCounts(database.db),
    agent: new Agent({ connections: 2, headersTimeout: 60_000, bodyTimeout: 60_000 }),
    fixtures: {
      accountSid: account.sid,
      auth: account.auth,
      campaign: campaign.id!,
      list: list.sid!,
      contact: contact.sid!,
      upload: upload.upload_id!,
      token: `1_${newSid()}`,
      delivery,
      simulatorAuth: `Basic ${Buffer.from(`${sim.apiKey}:${sim.apiToken}`).toString('base64')}`,
    },
  };
}

beforeAll(async () => {
  for (let i = 0; i < LANES; i++) lanes.push(await startLane());
}, 300_000);
afterAll(async () => {
  for (const lane of lanes) {
    await lane.agent.close();
    await lane.served.stop();
    await lane.database.drop();
  }
});

/** Waits until an accepted upload's import has ended (its row is no longer `processing`). */
async function importDone(lane: Lane, uploadId: string): Promise<void> {
  for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
    const [row] = await lane.database.db
      .select({ status: csvUploads.status })
      .from(csvUploads)
      .where(eq(csvUploads.id, uploadId));
    if (row?.status !== 'processing') return;
  }
  throw new Error(`upload ${uploadId} still processing after 60 s`);
}

/** Why a refusal is not a proper envelope, or null. */
function envelopeProblem(status: number, text: string): string | null {
  try {
    const body = JSON.parse(text) as {
      http_code?: number;
      response?: Array<{ status?: string; error_data?: { description?: unknown } }>;
    };
    const item = body.response?.[0];
    if (body.http_code !== status) return `http_code ${body.http_code} is not the status ${status}`;
    if (item?.status !== 'failure') return 'response[0] is not a failure item';
    if (typeof item.error_data?.description !== 'string' || item.error_data.description === '') return 'no description';
    return null;
  } catch {
    return `not JSON: ${text.slice(0, 80)}`;
  }
}

/** A refusal: an error status, or a bulk answer in which every element failed. */
function refused(status: number, text: string): boolean {
  if (status >= 400) return true;
  if (status !== 207) return false;
  const body = JSON.parse(text) as { response: Array<{ status: string }> };
  return body.response.every((item) => item.status === 'failure');
}

async function send(lane: Lane, req: FuzzRequest): Promise<Outcome> {
  const outcome = await exchange(lane, req);
  const before = lane.counts;
  lane.counts = await tableCounts(lane.database.db);
  if (outcome.problem === null && outcome.refused) {
    // A keyed request's answer, refusals included, is kept for its replays (SPEC §1 ext); the simulator logs
    // the dial requests it refuses (its view lists them): that one row only.
    const keyed = req.headers['idempotency-key'] !== undefined;
    const logged = /^\/simulator\/v1\/Accounts\/[^/]+\/Calls\/connect/.test(req.path);
    const mayAddOne = (t: string) => (keyed && t === 'idempotency_keys') || (logged && t === 'sim_requests');
    const changed = Object.keys(lane.counts).filter(
      (t) => lane.counts[t] !== before[t] && !(mayAddOne(t) && lane.counts[t] === before[t]! + 1),
    );
    if (changed.length > 0) {
      return { ...outcome, problem: `refused with ${outcome.status} but changed ${changed.join(', ')}` };
    }
  }
  return outcome;
}

/** Sends one request and judges its answer; `refused` when it was a refusal (row counts are checked by `send`). */
async function exchange(lane: Lane, req: FuzzRequest): Promise<Outcome & { refused?: boolean }> {
  let status: number;
  let text: string;
  try {
    const res = await request(`${lane.served.baseUrl}${req.path}`, {
      method: req.method as 'GET',
      headers: req.headers,
      body: req.body,
      dispatcher: lane.agent,
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    const e = err as Error & { code?: string };
    return { request: req, status: null, problem: `no answer (${e.code ?? e.name}: ${e.message})` };
  }
  if (status >= 500) return { request: req, status, problem: `answered ${status}: ${text.slice(0, 200)}` };
  const isCsvUpload = req.path.endsWith('/contacts/csv-upload');
  if (isCsvUpload && status === 200) {
    // An accepted upload imports in the background: let it finish before the next count.
    const uploadId = (JSON.parse(text) as { response: Array<{ data: { upload_id: string } }> }).response[0]!.data
      .upload_id;
    await importDone(lane, uploadId);
  }
  if (!refused(status, text)) return { request: req, status, problem: null };
  if (req.method !== 'HEAD' && !req.path.startsWith('/simulator/')) {
    const problem = envelopeProblem(status, text);
    if (problem) return { request: req, status, problem: `refusal without the envelope: ${problem}` };
  }
  return { request: req, status, problem: null, refused: true };
}

const describeRequest = (r: FuzzRequest) =>
  `${r.kind}: ${r.method} ${r.path.slice(0, 200)} ` +
  (typeof r.body === 'string' ? r.body.slice(0, 200) : r.body ? `<${r.body.length} bytes>` : '');

describe('§1 fuzz: hostile and schema-generated requests', () => {
  it(`answers ${REQUESTS} requests below 500, without a reset, and changes nothing when it refuses`, async () => {
    const started = Date.now();
    const perLane = Math.ceil(REQUESTS / LANES);
    const outcomes = await Promise.all(
      lanes.map(async (lane, i) => {
        const requests = fc.sample(fuzzRequest(lane.fixtures), { seed: SEED + i, numRuns: perLane });
        const out: Outcome[] = [];
        for (const req of requests) {
          const t = performance.now();
          const o = await send(lane, req);
          o.ms = performance.now() - t;
          // A connection closed under a request is often the previous request's doing: name it.
          const prev = out.at(-1)?.request;
          if (o.status === null && prev) o.problem = `${o.problem} (after ${describeRequest(prev).slice(0, 120)})`;
          out.push(o);
        }
        return out;
      }),
    );
    const all = outcomes.flat();
    const byStatus = new Map<string, number>();
    for (const o of all) byStatus.set(String(o.status ?? 'none'), (byStatus.get(String(o.status ?? 'none')) ?? 0) + 1);
    const byKind = new Map<string, number>();
    for (const o of all)
      byKind.set(o.request.kind.split(' ')[0]!, (byKind.get(o.request.kind.split(' ')[0]!) ?? 0) + 1);
    const problems = all.filter((o) => o.problem !== null);
    const timeByKind = new Map<string, number>();
    for (const o of all) timeByKind.set(o.request.kind, (timeByKind.get(o.request.kind) ?? 0) + (o.ms ?? 0));
    const slowest = [...timeByKind].sort((x, y) => y[1] - x[1]).slice(0, 12);
    process.stdout.write(
      [
        '',
        `fuzz: ${all.length} requests (seed ${SEED}, ${LANES} lanes) in ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s`,
        `status histogram: ${[...byStatus]
          .sort()
          .map(([s, n]) => `${s}: ${n}`)
          .join(', ')}`,
        `slowest kinds (total ms): ${slowest.map(([k, ms]) => `${k} ${Math.round(ms)}`).join('; ')}`,
        `requests by kind: ${[...byKind]
          .sort()
          .map(([k, n]) => `${k}: ${n}`)
          .join(', ')}`,
        `responses >= 500: ${all.filter((o) => (o.status ?? 0) >= 500).length}, ` +
          `no answer: ${all.filter((o) => o.status === null).length}, problems: ${problems.length}`,
        ...problems.slice(0, 20).map((p) => `  ${p.problem} <- ${describeRequest(p.request)}`),
        '',
      ].join('\n'),
    );
    expect(all.length).toBeGreaterThanOrEqual(REQUESTS);
    expect(problems.map((p) => `${p.problem} <- ${describeRequest(p.request)}`).slice(0, 20)).toEqual([]);
  }, 900_000);
});
