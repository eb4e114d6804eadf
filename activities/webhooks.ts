/**
 * SPEC §6.2–6.3 webhook delivery: one POST of a stored event, signed with the account's webhook secret, to an address
 * the URL policy accepted (`pinned-http.ts`, no redirects). The workflow owns the retry schedule and calls
 * `abandonWebhook` when it runs out. URL userinfo never reaches a log line or a stored error.
 */
import { createHmac } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { accounts, webhookDeliveries } from '../db/schema';
import { redactUrlUserinfo } from '../domain/log-redaction';
import type { AddressPolicy } from '../domain/url-policy';
import { nextTryDelayMs } from '../domain/webhook-delivery';
import { checkedTarget, pinnedPost, systemResolver, type PinnedResponse, type ResolveHost } from './pinned-http';

/** Failure types of the webhook activities (STYLE G11). */
export const WebhookFailure = {
  /** The receiver answered non-2xx or could not be reached: retryable. */
  failed: 'WebhookFailed',
  /** The URL policy refused the target: never retried; the row is abandoned. */
  refused: 'WebhookRefused',
  /** No such delivery row: a programming error, never retried. */
  notFound: 'WebhookNotFound',
} as const;

export interface WebhookActivitiesDeps {
  db: Db;
  log?: Logger;
  allowLoopback: boolean;
  allowPrivate: boolean;
  /** How host names are resolved (the system resolver; tests pass a stub). */
  resolve?: ResolveHost;
}

export interface DeliverWebhookInput {
  deliveryId: string;
}
export interface DeliverWebhookOutput {
  status: 'delivered' | 'already_final';
  httpStatus?: number;
}
export interface AbandonWebhookInput {
  deliveryId: string;
  error: string;
}

const DELIVERY_TIMEOUT_MS = 15_000;
/** A receiver's Retry-After is honoured up to the schedule's own longest gap. */
const MAX_RETRY_AFTER_MS = 3_600_000;

/** `t=<unix>,v1=<hex HMAC-SHA256 of "t.body">` (SPEC §6.2). */
export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** An error's message with its cause's (undici reports "fetch failed" with the reason in `cause`). */
function errorText(err: unknown): string {
  const e = err as Error & { cause?: unknown };
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message}${cause}`;
}

/**
 * When Temporal sends the next try after this one fails (shown in the delivery log), or null when
 * the activity's 24-h schedule-to-close deadline comes first (it will be abandoned). Outside a
 * Temporal activity (a direct call) the stored try count stands in for the attempt number.
 */
function nextTryAt(now: Date, triesBefore: number, retryAfter: number | undefined): Date | null {
  let attempt = triesBefore + 1;
  let deadlineMs: number | null = null;
  try {
    const info = Context.current().info;
    attempt = info.attempt;
    if (info.scheduleToCloseTimeoutMs > 0) deadlineMs = info.scheduledTimestampMs + info.scheduleToCloseTimeoutMs;
  } catch {
    // not running as an activity
  }
  const at = now.getTime() + nextTryDelayMs(attempt, retryAfter);
  return deadlineMs !== null && at >= deadlineMs ? null : new Date(at);
}

function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

export function createWebhookActivities(deps: WebhookActivitiesDeps) {
  const { db, log } = deps;
  const resolve = deps.resolve ?? systemResolver;
  const policy: AddressPolicy = { allowLoopback: deps.allowLoopback, allowPrivate: deps.allowPrivate };
  const pending = (id: string) => and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.status, 'pending'));

  async function recordFailure(
    row: { id: string; tries: number },
    error: string,
    httpStatus: number | null,
    retryAfter?: number,
  ): Promise<void> {
    const now = new Date();
    await db
      .update(webhookDeliveries)
      .set({
        tries: sql`${webhookDeliveries.tries} + 1`,
        lastError: error,
        lastHttpStatus: httpStatus,
        lastTriedAt: now,
        nextTryAt: nextTryAt(now, row.tries, retryAfter),
      })
      .where(pending(row.id));
  }

  return {
    /**
     * Sends one stored event once. 2xx marks it delivered; a failure records the try and throws a
     * retryable `WebhookFailed`; a URL the policy refuses abandons the row and throws a
     * non-retryable `WebhookRefused`. A delivered or abandoned row is not sent again.
     */
    async deliverWebhook(input: DeliverWebhookInput): Promise<DeliverWebhookOutput> {
      const { deliveryId } = input;
      const [row] = await db
        .select({ delivery: webhookDeliveries, secret: accounts.webhookSecret })
        .from(webhookDeliveries)
        .innerJoin(accounts, eq(accounts.sid, webhookDeliveries.accountSid))
        .where(eq(webhookDeliveries.id, deliveryId))
        // Waits for a replay's transaction (db/queries/webhook-deliveries.ts) to commit before reading.
        .for('share', { of: webhookDeliveries })
        .limit(1);
      if (!row) {
        throw ApplicationFailure.create({
          type: WebhookFailure.notFound,
          message: `webhook delivery ${deliveryId} does not exist`,
          nonRetryable: true,
        });
      }
      const { delivery, secret } = row;
      if (delivery.status !== 'pending') return { status: 'already_final' };
      const url = delivery.url;
      const logFields = {
        deliveryId,
        campaignId: delivery.campaignId,
        kind: delivery.kind,
        url: redactUrlUserinfo(url),
      };
      const failed = async (error: string, httpStatus: number | null, nextRetryDelay?: number) => {
        await recordFailure(delivery, error, httpStatus, nextRetryDelay);
        log?.warn({ ...logFields, error, ...(httpStatus !== null && { httpStatus }) }, 'Webhook delivery failed');
        return ApplicationFailure.create({
          type: WebhookFailure.failed,
          message: error,
          nonRetryable: false,
          nextRetryDelay,
        });
      };

      let target;
      try {
        target = await checkedTarget(url, policy, resolve);
      } catch (err) {
        throw await failed(`cannot resolve the webhook host: ${redactUrlUserinfo((err as Error).message)}`, null);
      }
      if (target.kind === 'refused') {
        const error = `refused by the outbound URL policy: ${target.reason}`;
        await db
          .update(webhookDeliveries)
          .set({ status: 'abandoned', lastError: error, nextTryAt: null })
          .where(pending(deliveryId));
        log?.warn({ ...logFields, error }, 'Webhook refused');
        throw ApplicationFailure.create({ type: WebhookFailure.refused, message: error, nonRetryable: true });
      }

      const body = JSON.stringify(delivery.payload);
      let res: PinnedResponse;
      try {
        res = await pinnedPost(url, target, {
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Outcall-Webhooks/1',
            'x-outcall-event-id': deliveryId,
            'x-outcall-signature': webhookSignature(secret, Math.floor(Date.now() / 1000), body),
          },
          body,
          timeoutMs: DELIVERY_TIMEOUT_MS,
        });
      } catch (err) {
        throw await failed(`POST failed: ${redactUrlUserinfo(errorText(err))}`, null);
      }
      if (res.status >= 200 && res.status < 300) {
        await db
          .update(webhookDeliveries)
          .set({
            status: 'delivered',
            tries: sql`${webhookDeliveries.tries} + 1`,
            deliveredAt: new Date(),
            lastTriedAt: new Date(),
            nextTryAt: null,
            lastHttpStatus: res.status,
            lastError: null,
          })
          .where(pending(deliveryId));
        log?.info({ ...logFields, httpStatus: res.status }, 'Webhook delivered');
        return { status: 'delivered', httpStatus: res.status };
      }
      // A redirect is not followed (it could lead past the URL policy): it counts as a failure.
      throw await failed(`receiver answered HTTP ${res.status}`, res.status, retryAfterMs(res.retryAfter));
    },

    /** Marks a still-pending delivery abandoned with the last error (called when retries run out). */
    async abandonWebhook(input: AbandonWebhookInput): Promise<void> {
      await db
        .update(webhookDeliveries)
        .set({ status: 'abandoned', lastError: input.error, nextTryAt: null })
        .where(pending(input.deliveryId));
      log?.warn({ deliveryId: input.deliveryId, error: input.error }, 'Webhook abandoned');
    },
  };
}
