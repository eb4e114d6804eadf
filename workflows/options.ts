/**
 * Activity proxies and their retry policies, shared by the workflows (the money-transfer template
 * keeps the retry policy beside the proxies). Workflows import activity *types* only.
 */
import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { dialTaskQueue, webhookTaskQueue } from '../domain/ids';

export type Activities = ReturnType<typeof createActivities>;

/** Read-model writes and carrier calls: short, idempotent, retried until they succeed. */
export const store = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Issue 10: a control write of a few milliseconds (pause, resume, complete, a field patch), done
 * inside the workflow task that answers the control Update, so the answer needs no second task.
 */
export const localStore = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Writes whose size grows with the campaign: entering InProgress snapshots a list campaign's
 * numbers (up to 500,000 rows in one INSERT … SELECT), which can outlast the 30 s above.
 */
export const bulkStore = proxyActivities<Activities>({
  startToCloseTimeout: '15 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * SPEC §4.5: the dial request, on the dial task queue, whose server-side rate limit is the first layer
 * of pacing (the gate and the spacer in activities/dial-gate.ts make it exact). It waits for its
 * spacer instant (at most 20 s, usually under two) before sending, within the start-to-close timeout.
 */
export function dialer(mainQueue: string = workflowInfo().taskQueue) {
  return proxyActivities<Activities>({
    taskQueue: dialTaskQueue(mainQueue),
    startToCloseTimeout: '60 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
}

/**
 * SPEC §6.2: a webhook is retried with exponential backoff from 1 s growing to 1 h for 24 h; the
 * caller marks it abandoned when that runs out. Its own task queue caps deliveries in flight.
 */
function webhooks(mainQueue: string) {
  return proxyActivities<Activities>({
    taskQueue: webhookTaskQueue(mainQueue),
    startToCloseTimeout: '20 seconds',
    scheduleToCloseTimeout: '24 hours',
    retry: {
      initialInterval: '1 second',
      backoffCoefficient: 2,
      maximumInterval: '1 hour',
      nonRetryableErrorTypes: ['WebhookRefused'],
    },
  });
}

/**
 * Delivers webhook events one after another, in order; an event that cannot be delivered is abandoned.
 * `mainQueue`: the deployment's main task queue (the dial and webhook queues are named after it).
 */
export async function deliverInOrder(
  deliveryIds: string[],
  mainQueue: string = workflowInfo().taskQueue,
): Promise<void> {
  for (const deliveryId of deliveryIds) {
    try {
      await webhooks(mainQueue).deliverWebhook({ deliveryId });
    } catch (err) {
      await store.abandonWebhook({ deliveryId, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
