/** SPEC §1 ids (32 lowercase hex) and §8 Temporal workflow ids, built only here. */

/** A new 32-hex sid from the platform's CSPRNG (not for workflow code: use `uuid4()` there). */
export function newSid(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, '');
}

export function campaignWorkflowId(campaignId: string): string {
  return `campaign/${campaignId}`;
}

export function numberWorkflowId(campaignId: string, position: number): string {
  return `campaign/${campaignId}/number/${position}`;
}

/** The attempt token carries the attempt number first, so the simulator can read it (SPEC §7). */
export function attemptToken(attemptNumber: number, secret: string): string {
  return `${attemptNumber}_${secret}`;
}

/** The attempt number encoded in an attempt token, or null when the token is malformed. */
export function attemptNumberFromToken(token: string): number | null {
  const m = /^(\d+)_[0-9a-f]{32}$/.exec(token);
  return m ? Number(m[1]) : null;
}

/** The default task queue; a deployment (or a test) may choose another with OUTCALL_TASK_QUEUE. */
export const TASK_QUEUE = 'outcall';

/** Webhook deliveries run on their own queue beside the main one, so their concurrency is capped apart. */
export function webhookTaskQueue(taskQueue: string): string {
  return `${taskQueue}-webhooks`;
}

/**
 * Dial requests run on their own queue (SPEC §4.5, docs/pacing.md): its server-side rate limit
 * (`maxTaskQueueActivitiesPerSecond`) is the deployment-wide ceiling on dials per second.
 */
export function dialTaskQueue(taskQueue: string): string {
  return `${taskQueue}-dial`;
}

/**
 * Number workflows (and their activities) run on their own queue, so a campaign's control Update and
 * activities never wait behind thousands of numbers' tasks (SPEC §4.1: answered within 5 s).
 */
export function numberTaskQueue(taskQueue: string): string {
  return `${taskQueue}-numbers`;
}

/** Custom search attributes (SPEC §8); registered by the local stack and listed in docker-compose. */
export const SEARCH_ATTRIBUTES = {
  accountSid: 'OutcallAccountSid',
  campaignId: 'OutcallCampaignId',
  status: 'OutcallStatus',
} as const;
