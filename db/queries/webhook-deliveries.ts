/**
 * SPEC §6.2 (ext) the webhook delivery log: one campaign's deliveries paged by creation, one delivery
 * of an account, and the claim that makes a delivered or abandoned delivery pending again for a replay.
 */
import { and, asc, count, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client';
import { webhookDeliveries } from '../schema';
import type { AccountRow } from './accounts';
import { deliveryEvent, deliveryStatus, redactUrl, type WebhookDeliveryStatus } from '../../domain/webhook-delivery';
import { formatInstant, formatOptional } from '../../domain/time';
import type { WebhookDeliveriesQuery, WebhookDeliveryResource } from '../../domain/schemas/webhook-delivery';

export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;

const d = webhookDeliveries;

/** The stored rows a shown status stands for (`retrying` and `pending` are both stored `pending`). */
function statusWhere(status: WebhookDeliveryStatus): SQL {
  switch (status) {
    case 'pending':
      return and(eq(d.status, 'pending'), eq(d.tries, 0))!;
    case 'retrying':
      return and(eq(d.status, 'pending'), sql`${d.tries} > 0`)!;
    case 'delivered':
    case 'abandoned':
      return eq(d.status, status);
  }
}

export async function listWebhookDeliveries(
  db: DbOrTx,
  campaignId: string,
  q: WebhookDeliveriesQuery,
): Promise<{ rows: WebhookDeliveryRow[]; total: number }> {
  const where = and(eq(d.campaignId, campaignId), q.statuses ? or(...q.statuses.map(statusWhere)) : undefined);
  const [rows, [total]] = await Promise.all([
    db.select().from(d).where(where).orderBy(asc(d.createdAt), asc(d.id)).limit(q.limit).offset(q.offset),
    db.select({ n: count() }).from(d).where(where),
  ]);
  return { rows, total: total?.n ?? 0 };
}

/** One delivery of one campaign of the account, or undefined. */
export async function findWebhookDelivery(
  db: DbOrTx,
  where: { accountSid: string; campaignId: string; id: string },
): Promise<WebhookDeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(d)
    .where(and(eq(d.id, where.id), eq(d.accountSid, where.accountSid), eq(d.campaignId, where.campaignId)));
  return row;
}

/**
 * Makes a delivered or abandoned delivery pending again and counts the replay; returns the row as it
 * now is, or undefined when it is still pending (its own retries are still running). The row stays
 * locked until the caller's transaction ends, so the delivery activity (which reads it `FOR SHARE`)
 * sees the replay only once it is committed.
 */
export async function claimWebhookReplay(tx: DbOrTx, id: string): Promise<WebhookDeliveryRow | undefined> {
  const [row] = await tx
    .update(d)
    .set({ status: 'pending', nextTryAt: null, replays: sql`${d.replays} + 1` })
    .where(and(eq(d.id, id), inArray(d.status, ['delivered', 'abandoned'])))
    .returning();
  return row;
}

export function toWebhookDeliveryResource(
  row: WebhookDeliveryRow,
  account: Pick<AccountRow, 'timezone'>,
): WebhookDeliveryResource {
  const tz = account.timezone;
  const status = deliveryStatus(row.status, row.tries);
  return {
    id: row.id,
    campaign_sid: row.campaignId,
    event: deliveryEvent(row.kind),
    url: redactUrl(row.url),
    status,
    attempts: row.tries,
    replays: row.replays,
    last_error: row.lastError,
    last_http_status: row.lastHttpStatus,
    last_tried_at: formatOptional(row.lastTriedAt, tz),
    next_try_at: status === 'retrying' ? formatOptional(row.nextTryAt, tz) : null,
    date_created: formatInstant(row.createdAt, tz),
    date_delivered: formatOptional(row.deliveredAt, tz),
    payload: row.payload,
  };
}
