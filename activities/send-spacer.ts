/**
 * SPEC §4.5 send spacer: the instant a dial request may leave, at least 60/cpm s after the account's previous one and
 * 60/throttle s after a custom campaign's, on the database clock (one clock for every worker), whatever the lateness of
 * the gate's slot; within a process, never closer than that gap however late a timer fires.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { dialGates } from '../db/schema';
import { connectionIntervalMs, type CarrierConnection } from '../domain/carrier-pacing';
import { dialIntervalMs } from '../domain/throttle';

export const accountSendKey = (accountSid: string) => `send:account:${accountSid}`;
export const campaignSendKey = (campaignId: string) => `send:campaign:${campaignId}`;
/** SPEC §4.5 (ext): the spacer row of one carrier connection (`carrierConnection`). */
export const carrierSendKey = (connection: string) => `send:carrier:${connection}`;

/**
 * A connection booked further ahead than this (a carrier back-off) sends nothing now: the dial waits
 * outside the claim, keeping its grant, instead of sleeping inside the activity.
 */
export const CARRIER_AHEAD_MAX_MS = 2_000;

export const EPOCH = new Date(0);
export const num = (v: unknown): number => Number(v);
/** A timestamp column or expression as epoch milliseconds (float8). */
export const epochMs = (col: SQL) => sql`(extract(epoch from ${col}) * 1000)::float8`;
/** An instant as a query parameter (raw `sql` templates take text, not Date objects, with this driver). */
export const instant = (ms: number): SQL => sql`${new Date(ms).toISOString()}::timestamptz`;

export interface ReserveSendSlotInput {
  callSid: string;
  accountSid: string;
  callsPerMinute: number;
  campaignId: string;
  /** A custom campaign's throttle; null for auto campaigns. */
  campaignThrottle: number | null;
  /** SPEC §4.5: at most this many of the account's calls live (sent, not yet settled). */
  channels: number;
  /** The attempt's lease at the dial gate (`waiterId`). */
  leaseId: string;
  /** A lease older than this no longer counts (`leaseLimitMs`). */
  leaseLimitMs: number;
  /** SPEC §4.5 (ext): the carrier connection's ceiling, when it has one. */
  carrier?: CarrierConnection | null;
}

export type ReserveSendSlotOutput =
  /** The attempt is claimed: send at `atLocalMs` (this process's clock). `freeChannels` are left after it. */
  | ({ kind: 'claimed'; atMs: number; freeChannels: number } & SendInstant)
  /** The attempt was claimed before (a crash mid-request): it must never be dialled again. */
  | { kind: 'taken' }
  /** Every channel is live, or staged dials granted before this one come first: wait for a release. */
  | { kind: 'no_channel'; grantedAtMs: number | null; stagedMs: number }
  /** The campaign no longer dials (paused, ending, ended): the attempt is not sent. */
  | { kind: 'not_dialable' }
  /** SPEC §4.5 (ext): the carrier connection is backed off (or booked) this far ahead: ask again then. */
  | { kind: 'carrier_busy'; retryInMs: number };

/** A staged lease granted longer ago than this no longer keeps later ones waiting (its dial gave up). */
export const STALE_STAGED_MS = 30_000;

/**
 * The spacer: in one transaction, checks that the campaign still dials (under a share lock, so a pause
 * or an ending that commits first is seen, and one that commits later waits for the claim), locks the
 * account's (and a custom campaign's) spacer rows, counts the account's live calls, and takes the next
 * send instant on the database clock while claiming the attempt for dialling (`dial_started_at`, SPEC
 * §7: committed before the carrier is called) and marking its lease sent.
 *
 * Channels (SPEC §4.5: live from the dial request until the final status is recorded) are counted
 * here, at the send, among the leases marked sent. A staged lease (granted, not yet sent) may send when
 * fewer than `channels` calls are live, counting those ahead of it: staged leases of other campaigns
 * granted before it, and staged leases of its own campaign that come first in the campaign's order
 * (retries, then positions), so two grants that swapped places still go out in order.
 *
 * The instant comes back on this process's clock (`atLocalMs`, converted with the offset seen at the
 * end of the statement, so a skewed host still waits the right time and never less): the caller sleeps
 * until it after the commit, then sends. Every reserved instant counts as a dial, refused and
 * rate-limited requests included (SPEC §4.5).
 */
export async function reserveSendSlot(db: Db, input: ReserveSendSlotInput): Promise<ReserveSendSlotOutput> {
  const aKey = accountSendKey(input.accountSid);
  const cKey = input.campaignThrottle !== null ? campaignSendKey(input.campaignId) : null;
  const kKey = input.carrier ? carrierSendKey(input.carrier.key) : null;
  const keys = [aKey, ...(cKey ? [cKey] : []), ...(kKey ? [kKey] : [])];
  const gapA = dialIntervalMs(input.callsPerMinute);
  const gapC = input.campaignThrottle !== null ? dialIntervalMs(input.campaignThrottle) : 0;
  const gapK = input.carrier ? connectionIntervalMs(input.carrier.cps) : 0;
  return db.transaction(async (tx): Promise<ReserveSendSlotOutput> => {
    const [c] = await tx.execute<{ dialable: boolean }>(
      sql`select status = 'InProgress' and closing is null as dialable
        from campaigns where id = ${input.campaignId} for share`,
    );
    if (!c?.dialable) return { kind: 'not_dialable' };
    await tx
      .insert(dialGates)
      .values(keys.map((key) => ({ key, nextDialAt: EPOCH })))
      .onConflictDoNothing();
    // Locked first, counted after: the count's snapshot then includes every claim committed before.
    await tx.execute(
      sql`select key from dial_gates where key in (${sql.join(
        keys.map((k) => sql`${k}`),
        sql`, `,
      )}) order by key for update`,
    );
    const [ch] = await tx.execute<{
      sent: boolean | null;
      granted_ms: number | null;
      staged_ms: number | null;
      live: number;
      ahead: number;
    }>(sql`
      with me as (select * from dial_waiters where id = ${input.leaseId}),
      others as (select l.* from dial_waiters l where l.account_sid = ${input.accountSid} and l.id <> ${input.leaseId}),
      -- The campaign's order (domain/throttle.ts compareWaiters): retries first, the one due longest
      -- ago first; then first attempts by position.
      before_me as (
        select l.* from others l, me m where l.campaign_id = m.campaign_id and (
          (l.is_retry and not m.is_retry)
          or (l.is_retry and m.is_retry and (l.order_at, l.position) < (m.order_at, m.position))
          or (not l.is_retry and not m.is_retry and l.position < m.position)))
      select (select sent_at is not null from me) as sent, ${epochMs(sql`(select granted_at from me)`)} as granted_ms,
        (extract(epoch from clock_timestamp() - (select granted_at from me)) * 1000)::float8 as staged_ms,
        (select count(*)::int from others l
          where l.sent_at is not null
            and l.granted_at >= clock_timestamp() - ${input.leaseLimitMs} * interval '1 millisecond') as live,
        -- Ahead for the next free channel: staged leases of other campaigns granted earlier, and of
        -- this campaign those that come first in its order, however late they were granted.
        (select count(*)::int from others l
          where l.sent_at is null and l.granted_at is not null and l.campaign_id <> (select campaign_id from me)
            and l.granted_at >= clock_timestamp() - ${STALE_STAGED_MS} * interval '1 millisecond'
            and (l.granted_at, l.id) < ((select granted_at from me), ${input.leaseId}))
        + (select count(*)::int from before_me l
          where l.sent_at is null and l.granted_at is not null
            and l.granted_at >= clock_timestamp() - ${STALE_STAGED_MS} * interval '1 millisecond') as ahead`);
    if (kKey) {
      const ahead = sql`${epochMs(sql`next_dial_at`)} - ${epochMs(sql`clock_timestamp()`)}`;
      const [k] = await tx.execute<{ ahead_ms: number }>(
        sql`select ${ahead} as ahead_ms from dial_gates where key = ${kKey}`,
      );
      const aheadMs = num(k?.ahead_ms ?? 0);
      if (aheadMs > CARRIER_AHEAD_MAX_MS) return { kind: 'carrier_busy', retryInMs: Math.ceil(aheadMs) };
    }
    const live = num(ch?.live ?? 0);
    // A lease already marked sent (a dial backed off by the carrier) keeps its channel.
    if (!ch?.sent && live + num(ch?.ahead ?? 0) >= input.channels) {
      return {
        kind: 'no_channel',
        grantedAtMs: ch?.granted_ms == null ? null : num(ch.granted_ms),
        stagedMs: num(ch?.staged_ms ?? 0),
      };
    }
    const [r] = await tx.execute<{ at_ms: number; now_ms: number; claimed: number }>(sql`
      with g as (select key, next_dial_at from dial_gates where key in (${sql.join(
        keys.map((k) => sql`${k}`),
        sql`, `,
      )})),
      t as (select greatest(clock_timestamp(), (select max(next_dial_at) from g)) as at),
      claim as (
        update attempts set dial_started_at = (select at from t)
        where call_sid = ${input.callSid} and dial_started_at is null returning call_sid),
      lease as (
        update dial_waiters set sent_at = (select at from t)
        where id = ${input.leaseId} and granted_at is not null and exists (select 1 from claim) returning id),
      moved as (
        update dial_gates set next_dial_at = (select at from t)
          + (case when key = ${aKey} then ${gapA}::float8 when key = ${cKey ?? aKey} then ${gapC}::float8
                  else ${gapK}::float8 end) * interval '1 millisecond'
        where key in (select key from g) and exists (select 1 from claim) returning key)
      select ${epochMs(sql`(select at from t)`)} as at_ms, ${epochMs(sql`clock_timestamp()`)} as now_ms,
        (select count(*)::int from claim) + 0 * (select count(*) from moved)
          + 0 * (select count(*) from lease) as claimed`);
    const localAfter = Date.now();
    if (!r || num(r.claimed) === 0) return { kind: 'taken' };
    const atMs = num(r.at_ms);
    // Between actual sends this process keeps SPEC §4.5's own minimum (60/cpm, no guard): a late
    // timer is absorbed by the guard of the reserved timeline instead of being added to the next send.
    const minA = 60_000 / input.callsPerMinute;
    const minC = input.campaignThrottle !== null ? 60_000 / input.campaignThrottle : 0;
    const minK = input.carrier?.cps ? 1000 / input.carrier.cps : 0;
    const gaps = new Map<string, number>([
      [aKey, minA],
      ...(cKey ? ([[cKey, minC]] as const) : []),
      ...(kKey ? ([[kKey, minK]] as const) : []),
    ]);
    const guards = new Map<string, number>([
      [aKey, gapA - minA],
      ...(cKey ? ([[cKey, gapC - minC]] as const) : []),
      ...(kKey ? ([[kKey, gapK - minK]] as const) : []),
    ]);
    const freeChannels = Math.max(0, input.channels - live - 1);
    return { kind: 'claimed', atMs, atLocalMs: localAfter + (atMs - num(r.now_ms)), gaps, guards, freeChannels };
  });
}

/**
 * A reserved send instant on this process's clock, the spacer keys it counts for with SPEC §4.5's
 * minimum interval on each, and the guard each key's reserved timeline keeps on top of it.
 */
export interface SendInstant {
  atLocalMs: number;
  gaps: ReadonlyMap<string, number>;
  guards: ReadonlyMap<string, number>;
}

/** When this process last sent a dial request, per spacer key (kept for a minute). */
const lastSentLocalMs = new Map<string, number>();
/** How late (after its reserved instant) this process's last request per key left. */
const lastLagMs = new Map<string, number>();

/**
 * Waits for a reserved instant, then for SPEC §4.5's minimum interval after this process's previous
 * request on the same keys (a request woken late must not bring the next one closer than that), and
 * marks the send. A request that adds lateness (beyond what the one before it passed on) pushes the
 * spacer's next instants by it, so later reservations start from when requests really leave (best
 * effort). Returns the instant the request may leave now (this process's clock).
 */
export async function waitForSendInstant(db: Db, send: SendInstant): Promise<number> {
  let target = send.atLocalMs;
  let sentLocalMs = target;
  for (;;) {
    target = send.atLocalMs;
    for (const [key, gap] of send.gaps)
      target = Math.max(target, (lastSentLocalMs.get(key) ?? Number.NEGATIVE_INFINITY) + gap);
    const now = Date.now();
    if (now >= target) {
      // No await between the check and the mark: two dials of this process never leave together.
      for (const key of send.gaps.keys()) lastSentLocalMs.set(key, now);
      sentLocalMs = now;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, target - now));
  }
  // New lateness moves the reserved timeline on, so it does not run ahead of the requests that really
  // leave. What a late request passes on to the ones queued behind it shrinks by the guard at each
  // send and was pushed already: only the lateness this request adds counts.
  const lagMs = Math.max(0, sentLocalMs - send.atLocalMs);
  let expectedMs = 0;
  for (const [key, guard] of send.guards) expectedMs = Math.max(expectedMs, (lastLagMs.get(key) ?? 0) - guard);
  for (const key of send.gaps.keys()) lastLagMs.set(key, lagMs);
  const lateMs = Math.round(lagMs - expectedMs);
  if (lastSentLocalMs.size > 1000) {
    for (const [k, t] of lastSentLocalMs) if (t < Date.now() - 60_000) (lastSentLocalMs.delete(k), lastLagMs.delete(k));
  }
  if (lateMs >= 2) {
    const keys = [...send.gaps.keys()];
    await db
      .execute(
        sql`update dial_gates set next_dial_at = next_dial_at + ${lateMs} * interval '1 millisecond'
          where key in (${sql.join(
            keys.map((k) => sql`${k}`),
            sql`, `,
          )})`,
      )
      .catch(() => undefined); // only an optimisation: the spacer's spacing does not depend on it
  }
  return sentLocalMs;
}

/** When a connection's back-off ends (its own `dial_gates` row, apart from its bookings). */
const carrierBackoffKey = (connection: string) => `backoff:carrier:${connection}`;

/**
 * SPEC §4.5 (ext): the carrier asked this connection to slow down (429, `Retry-After`, 503): no
 * request of any account on it leaves before `delayMs` from now (the database clock). New bookings
 * queue after it; dials booked before it find it at their send instant (`connectionBackedOffMs`).
 */
export async function backOffConnection(db: Db, connection: CarrierConnection, delayMs: number): Promise<void> {
  const until = sql`clock_timestamp() + ${Math.max(0, delayMs)} * interval '1 millisecond'`;
  await db.execute(sql`
    insert into dial_gates (key, next_dial_at)
    values (${carrierSendKey(connection.key)}, ${until}), (${carrierBackoffKey(connection.key)}, ${until})
    on conflict (key) do update set next_dial_at = greatest(dial_gates.next_dial_at, excluded.next_dial_at)`);
}

/** How long the connection is still backed off, in milliseconds (0: it is not). */
export async function connectionBackedOffMs(db: Db, connection: CarrierConnection): Promise<number> {
  const [row] = await db.execute<{ left_ms: number }>(sql`
    select ${epochMs(sql`next_dial_at`)} - ${epochMs(sql`clock_timestamp()`)} as left_ms
      from dial_gates where key = ${carrierBackoffKey(connection.key)}`);
  return Math.max(0, Math.ceil(num(row?.left_ms ?? 0)));
}
