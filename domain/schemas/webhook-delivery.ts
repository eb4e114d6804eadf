/**
 * SPEC §2/§6.2 (ext) the webhook delivery log: `GET /campaigns/{id}/webhook-deliveries` filtered by
 * `status` (comma list of pending, retrying, delivered, abandoned), paged by `offset`/`limit` (20,
 * clamped to 500); and the resource each item carries.
 */
import { z } from 'zod';
import { normaliseStatusToken } from '../attempt-status';
import { WEBHOOK_DELIVERY_STATUSES, type WebhookDeliveryStatus } from '../webhook-delivery';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from './campaign';
import { queryInt, statusFilter } from './fields';

const BY_TOKEN = new Map<string, WebhookDeliveryStatus>(
  WEBHOOK_DELIVERY_STATUSES.map((s) => [normaliseStatusToken(s), s]),
);

export const webhookDeliveriesQuerySchema = z
  .object({ offset: queryInt(0), limit: queryInt(1), status: z.string().optional() })
  .transform((q, ctx) => {
    const statuses = statusFilter(q.status, BY_TOKEN, 'webhook delivery status', WEBHOOK_DELIVERY_STATUSES, ctx);
    if (statuses === z.NEVER) return z.NEVER;
    return { offset: q.offset ?? 0, limit: Math.min(q.limit ?? DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT), statuses };
  });
export type WebhookDeliveriesQuery = z.output<typeof webhookDeliveriesQuerySchema>;

const instant = z.string();

export const webhookDeliveryResourceSchema = z.object({
  /** The event id, sent as `X-Outcall-Event-Id` (a replay sends the same one). */
  id: z.string(),
  campaign_sid: z.string(),
  /** Which callback: call_status_callback, call_schedule_callback or status_callback. */
  event: z.string(),
  /** The URL fixed when the event was emitted, userinfo redacted. */
  url: z.string(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES as [WebhookDeliveryStatus, ...WebhookDeliveryStatus[]]),
  /** POSTs tried so far, replays included. */
  attempts: z.int(),
  replays: z.int(),
  last_error: z.string().nullable(),
  last_http_status: z.int().nullable(),
  last_tried_at: instant.nullable(),
  /** When the retry schedule sends the next try; null unless retrying. */
  next_try_at: instant.nullable(),
  date_created: instant,
  date_delivered: instant.nullable(),
  payload: z.record(z.string(), z.unknown()),
});
export type WebhookDeliveryResource = z.infer<typeof webhookDeliveryResourceSchema>;
