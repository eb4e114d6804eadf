/** SPEC §6: the webhook outbox. An event is a row, written in the transaction that causes it. */
import { createHash } from 'node:crypto';
import { webhookDeliveries } from '../schema';
import type { DbOrTx } from '../client';

/** A deterministic 32-hex event id, so a retried activity emits the same event once. */
export function eventId(...parts: string[]): string {
  return createHash('md5').update(parts.join(':')).digest('hex');
}

/** Inserts one webhook event (the outbox row) unless it exists; returns its id, or null without a URL. */
export async function emitWebhook(
  tx: DbOrTx,
  e: {
    id: string;
    accountSid: string;
    campaignId: string;
    kind: string;
    url: string | null;
    payload: Record<string, unknown>;
  },
): Promise<string | null> {
  if (!e.url) return null;
  await tx
    .insert(webhookDeliveries)
    .values({
      id: e.id,
      accountSid: e.accountSid,
      campaignId: e.campaignId,
      kind: e.kind,
      url: e.url,
      payload: e.payload,
    })
    .onConflictDoNothing();
  return e.id;
}
