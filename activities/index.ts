/**
 * All activities, built over injected dependencies (STYLE G8). The worker passes the real ones;
 * workflow tests pass fakes typed `ReturnType<typeof createActivities>`.
 */
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { createAttemptActivities } from './attempts';
import { createCampaignStoreActivities } from './campaign-store';
import { createNumberWindowActivities } from './number-window';
import type { CarrierFactory } from './carriers/carrier';
import { createWebhookActivities } from './webhooks';

export interface ActivityDeps {
  db: Db;
  carriers: CarrierFactory;
  log: Logger;
  publicUrl: string;
  signingSecret: string;
  allowLoopbackWebhooks: boolean;
  allowPrivateWebhooks: boolean;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createCampaignStoreActivities(deps),
    ...createNumberWindowActivities(deps),
    ...createAttemptActivities(deps),
    ...createWebhookActivities({
      db: deps.db,
      log: deps.log,
      allowLoopback: deps.allowLoopbackWebhooks,
      allowPrivate: deps.allowPrivateWebhooks,
    }),
  };
}
