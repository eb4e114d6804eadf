/** What the API needs from the rest of the system, passed to `createApp` (STYLE G8, G10). */
import type { Logger } from 'pino';
import type { CallOutcome } from '../domain/attempt-status';
import type { Db } from '../db/client';

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
  reportCallStatus(input: { token: string; outcome: CallOutcome }): Promise<'delivered' | 'unknown_token' | 'already_settled'>;
  /** Readiness: can Temporal be reached now. */
  ping(): Promise<boolean>;
}

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
}
