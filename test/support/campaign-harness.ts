/**
 * Campaign timing tests on the time-skipping server (STYLE G14) with the REAL activities and a real PostgreSQL: only
 * the carrier is fake (it answers by SPEC §7's simulator rules and "calls back" by relaying the outcome through the
 * real engine, as the API does). Activities take "now" from the workflow, so the read model sees the skipped time; the
 * control requests go through the same engine the API uses.
 */
import pino from 'pino';
import { eq } from 'drizzle-orm';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { recordCallOutcome } from '../../activities/attempts';
import type { Carrier, CarrierFactory } from '../../activities/carriers/carrier';
import { createTemporalEngine } from '../../api/engine';
import type { CampaignEngine } from '../../api/deps';
import { attempts, campaignNumbers, campaigns } from '../../db/schema';
import { upsertAccount } from '../../db/queries/accounts';
import type { CampaignPatch } from '../../domain/campaign-patch';
import {
  attemptNumberFromToken,
  campaignWorkflowId,
  dialTaskQueue,
  newSid,
  numberTaskQueue,
  webhookTaskQueue,
} from '../../domain/ids';
import type { RetryPolicy } from '../../domain/retry-schedule';
import { simulatedOutcome } from '../../simulator/outcome';
import { campaignWorkflow } from '../../workflows/campaign';
import { freshDatabase, type TestDatabase } from './db';
import { timeSkippingEnv, workflowBundle } from './workflow-env';

export interface HarnessOptions {
  window?: string;
  timezone?: string;
  days?: number[];
  /** SPEC §4.4 (ext): the account applies its window in each recipient's own zone. */
  recipientLocalTime?: boolean;
  /** Numbers whose carrier never calls back (settled by lookup). */
  silent?: string[];
  /** How long a silent number's call stays live (its lookups say so meanwhile); default an hour. */
  silentLiveMs?: number;
}

export interface Harness {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  engine: CampaignEngine;
  /** Every dial request the fake carrier received, in order, with the virtual time it was sent. */
  dials: Array<{ to: string; attempt: number; atMs: number }>;
  createCampaign(opts: {
    numbers: string[];
    retries?: Partial<RetryPolicy>;
    sendAtMs?: number;
    endAtMs?: number;
    maxLive?: number;
  }): Promise<string>;
  control(
    campaignId: string,
    action: 'pause' | 'resume' | 'complete' | 'delete' | null,
    patch?: CampaignPatch,
    changedFields?: string[],
  ): ReturnType<CampaignEngine['controlCampaign']>;
  result(campaignId: string): Promise<{ status: string }>;
  campaign(campaignId: string): Promise<typeof campaigns.$inferSelect>;
  numbers(campaignId: string): Promise<Array<typeof campaignNumbers.$inferSelect>>;
  attempts(campaignId: string): Promise<Array<typeof attempts.$inferSelect>>;
  now(): Promise<number>;
  stop(): Promise<void>;
}

const ACCOUNT = 'acct';

export async function campaignHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const env = await timeSkippingEnv();
  const database = await freshDatabase();
  const { db } = database;
  const taskQueue = `ts-${newSid().slice(0, 10)}`;
  await upsertAccount(db, {
    sid: ACCOUNT,
    api_key: `key-${taskQueue}`,
    api_token: 'token',
    calling_window: opts.window ?? '00:00-24:00',
    timezone: opts.timezone ?? 'Asia/Kolkata',
    calling_days: opts.days ?? [1, 2, 3, 4, 5, 6, 7],
    ...(opts.recipientLocalTime !== undefined && { recipient_local_time: opts.recipientLocalTime }),
  });
  const engine = createTemporalEngine({
    client: env.client,
    db,
    recordCallOutcome: (input) => recordCallOutcome(db, input),
    taskQueue,
  });
  const dials: Harness['dials'] = [];
  const calls = new Map<
    string,
    { status: Exclude<ReturnType<typeof simulatedOutcome>, 'refused'>; sid: string; endsAtMs: number }
  >();
  const silent = new Set(opts.silent ?? []);

  const carrier: Carrier = {
    async placeCall(p) {
      const token = new URL(p.statusCallbackUrl).searchParams.get('token') ?? '';
      const attempt = attemptNumberFromToken(token) ?? 1;
      dials.push({ to: p.to, attempt, atMs: await env.currentTimeMs() });
      const outcome = simulatedOutcome(p.to, attempt);
      if (outcome === 'refused')
        return {
          kind: 'refused',
          httpStatus: 400,
          message: 'invalid number',
          accountLevel: false,
          callerIdRefused: false,
        };
      const sid = newSid();
      const dialledAtMs = await env.currentTimeMs();
      calls.set(token, { status: outcome, sid, endsAtMs: dialledAtMs + (opts.silentLiveMs ?? 3_600_000) });
      if (!silent.has(p.to)) {
        // The callback is relayed before the dial returns, so no real time passes between them
        // while the test server skips virtual time; the workflow buffers it until it waits.
        await engine.reportCallStatus({
          token,
          outcome: {
            carrierSid: sid,
            status: outcome,
            reason: null,
            startTimeMs: null,
            endTimeMs: null,
            duration: 0,
            digits: null,
            recordingUrl: null,
          },
        });
      }
      return { kind: 'accepted', carrierSid: sid };
    },
    async lookupCall(l) {
      const call = calls.get(l.token);
      if (!call) return { kind: 'not_found' };
      if ((await env.currentTimeMs()) < call.endsAtMs) return { kind: 'live', carrierSid: call.sid };
      return {
        kind: 'final',
        outcome: {
          carrierSid: call.sid,
          status: call.status,
          reason: null,
          startTimeMs: null,
          endTimeMs: null,
          duration: 0,
          digits: null,
          recordingUrl: null,
        },
      };
    },
  };
  const carriers: CarrierFactory = () => carrier;
  const activities = createActivities({
    db,
    carriers,
    log: pino({ level: 'silent' }),
    publicUrl: 'http://127.0.0.1:9',
    signingSecret: 'harness-signing-secret',
    allowLoopbackWebhooks: true,
    allowPrivateWebhooks: false,
  });
  const bundle = await workflowBundle();
  const main = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
  const numbers = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: numberTaskQueue(taskQueue),
    workflowBundle: bundle,
    activities,
  });
  const hooks = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: webhookTaskQueue(taskQueue),
    activities,
  });
  const dialer = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: dialTaskQueue(taskQueue),
    activities,
  });
  const running = Promise.all([main.run(), numbers.run(), hooks.run(), dialer.run()]);

  return {
    env,
    database,
    engine,
    dials,
    async createCampaign(c) {
      const id = newSid();
      const now = new Date(await env.currentTimeMs());
      const r = {
        numberOfRetries: 0,
        intervalMins: null,
        mechanism: 'Linear' as const,
        onStatus: ['busy', 'no-answer', 'failed'] as RetryPolicy['onStatus'],
        ...c.retries,
      };
      await db.insert(campaigns).values({
        id,
        accountSid: ACCOUNT,
        name: `timing ${id.slice(0, 6)}`,
        callerId: '08012345678',
        from: c.numbers,
        url: 'http://flow.example/start',
        flowType: 'ivr',
        retries: {
          number_of_retries: r.numberOfRetries,
          interval_mins: r.intervalMins,
          mechanism: r.mechanism,
          on_status: r.onStatus,
        },
        sendAt: c.sendAtMs ? new Date(c.sendAtMs) : null,
        endAt: c.endAtMs ? new Date(c.endAtMs) : null,
        status: 'Created',
        dateCreated: now,
        dateUpdated: now,
      });
      await db
        .insert(campaignNumbers)
        .values(c.numbers.map((number, position) => ({ campaignId: id, position, number, status: 'pending' })));
      await env.client.workflow.start(campaignWorkflow, {
        taskQueue,
        workflowId: campaignWorkflowId(id),
        args: [{ campaignId: id, accountSid: ACCOUNT, ...(c.maxLive && { maxLive: c.maxLive }) }],
      });
      return id;
    },
    control: (campaignId, action, patch = {}, changedFields = []) =>
      engine.controlCampaign({ campaignId, action, changedFields, patch }),
    result: (campaignId) =>
      env.client.workflow.getHandle(campaignWorkflowId(campaignId)).result() as Promise<{ status: string }>,
    async campaign(campaignId) {
      const [row] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
      return row!;
    },
    numbers: (campaignId) =>
      db
        .select()
        .from(campaignNumbers)
        .where(eq(campaignNumbers.campaignId, campaignId))
        .orderBy(campaignNumbers.position),
    attempts: (campaignId) =>
      db.select().from(attempts).where(eq(attempts.campaignId, campaignId)).orderBy(attempts.dateCreated),
    now: () => env.currentTimeMs(),
    async stop() {
      main.shutdown();
      numbers.shutdown();
      hooks.shutdown();
      dialer.shutdown();
      await running;
      await env.teardown();
      await database.drop();
    },
  };
}
