/** What the API needs from the rest of the system, passed to `createApp` (STYLE G8, G10). */
import type { Logger } from 'pino';
import type { CallOutcome } from '../domain/call-outcome';
import type { Db } from '../db/client';
import type { CampaignPatch } from '../domain/campaign-patch';
import type { CsvImporter } from './csv-import';
import type { ApiMetrics } from './metrics';

/** The API's port to the workflow engine; implemented over the Temporal client in `api/engine.ts`. */
export interface CampaignEngine {
  /**
   * Starts the campaign's workflow (id `campaign/<id>`). Throws `EngineUnavailableError` when
   * Temporal cannot be reached, so the caller can roll back and answer 503.
   */
  startCampaign(input: { campaignId: string; accountSid: string; campaignName: string }): Promise<void>;
  /**
   * Hands a carrier's final status for one attempt (found by its token) to that number's workflow.
   * Resolves once Temporal has durably accepted it.
   */
  reportCallStatus(input: {
    token: string;
    outcome: CallOutcome;
  }): Promise<'delivered' | 'unknown_token' | 'already_settled'>;
  /**
   * SPEC §4.1/§4.7/§4.8: asks the campaign's workflow to apply an action and/or a field patch (or a
   * delete). The workflow validates against its current state; `conflict` maps to 409, `closed` means
   * the workflow has ended (the campaign is terminal). Throws `EngineUnavailableError` when Temporal
   * cannot be reached.
   */
  controlCampaign(input: {
    campaignId: string;
    action: 'pause' | 'resume' | 'complete' | 'delete' | null;
    changedFields: string[];
    patch: CampaignPatch;
  }): Promise<ControlResult>;
  /**
   * Completed → Archived (SPEC §4.1) for a campaign whose workflow has ended: a conditional update in
   * the read model plus its `status_callback`. Returns false when the campaign is not `Completed`.
   */
  archiveCampaign(input: { campaignId: string }): Promise<boolean>;
  /**
   * SPEC §6.2 replay: sends one stored webhook event again through the delivery workflow
   * (`deliverWebhooksWorkflow`, workflow id `campaign/<id>/webhooks/replay/<delivery>/<n>`), with the
   * usual retries. Throws `EngineUnavailableError` when Temporal cannot be reached.
   */
  replayWebhook(input: { campaignId: string; deliveryId: string; replay: number }): Promise<void>;
  /** Readiness: can Temporal be reached now. */
  ping(): Promise<boolean>;
}

export type ControlResult =
  | { kind: 'applied'; status: string; closing: boolean }
  | { kind: 'conflict'; status: string; description: string; allowed: string[]; field?: string }
  | { kind: 'closed' };

export class EngineUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`workflow engine unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'EngineUnavailableError';
  }
}

export interface AppDeps {
  db: Db;
  engine: CampaignEngine;
  log: Logger;
  /** Base of every URL handed to others (SPEC §1 "Public URL"). */
  publicUrl: string;
  /** HMAC key for report_url tokens (SPEC §6.1). */
  signingSecret: string;
  /** SPEC §6.3: the dev stack allows loopback callback targets. */
  allowLoopbackWebhooks: boolean;
  allowPrivateWebhooks: boolean;
  /** Mount the simulator carrier at `/simulator` (the local stack and tests). */
  simulator?: { ringMs: number; talkMs: number };
  /** SPEC §8 `/metrics`; the app makes its own registry when absent. */
  metrics?: ApiMetrics;
  /** When set, `/metrics` needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** The built dashboard (SPEC §9); default `dist/dashboard` of the checkout. */
  dashboardDir?: string;
  /** SPEC §5 CSV imports of this process (`api/csv-import.ts`); the upload route makes its own when absent. */
  csvImporter?: CsvImporter;
}
