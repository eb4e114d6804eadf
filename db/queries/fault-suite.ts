/**
 * Read-only queries of the fault suite (`bin/chaos/`, issue 10): what the simulator carrier received
 * and what became of a campaign's webhook events.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../client';

/** One dial request the simulator saw: the number, the attempt (from its token) and when. */
export interface SimulatorDial {
  to: string;
  attempt: number;
  atMs: number;
}

/** Every dial request the simulator saw for the account: calls placed and requests refused. */
export async function simulatorDials(db: Db, accountSid: string): Promise<SimulatorDial[]> {
  const rows = await db.execute<{ to: string; attempt: number; at_ms: number }>(sql`
    select "to", attempt_number as attempt, (extract(epoch from created_at) * 1000)::float8 as at_ms
      from sim_calls where account_sid = ${accountSid}
    union all
    select "to", coalesce(substring(body->>'StatusCallback' from 'token=([0-9]+)_')::int, 1),
           (extract(epoch from at) * 1000)::float8
      from sim_requests where body->>'AccountSid' = ${accountSid}`);
  return rows.map((r) => ({ to: r.to, attempt: Number(r.attempt), atMs: Number(r.at_ms) }));
}

/** The ids of every webhook event the campaign emitted. */
export async function webhookDeliveryIds(db: Db, campaignId: string): Promise<string[]> {
  const rows = await db.execute<{ id: string }>(
    sql`select id from webhook_deliveries where campaign_id = ${campaignId}`,
  );
  return rows.map((r) => r.id);
}

/** How many of the campaign's webhook events are neither delivered nor abandoned. */
export async function pendingWebhookCount(db: Db, campaignId: string): Promise<number> {
  const [row] = await db.execute<{ open: number }>(
    sql`select count(*)::int as open from webhook_deliveries where campaign_id = ${campaignId} and status = 'pending'`,
  );
  return Number(row?.open ?? 0);
}
