/**
 * SPEC §4.5: waits inside activities, woken by PostgreSQL NOTIFY on one listening connection per worker process:
 * `CHANNEL_FREED` for dials staged at the send spacer, `GATE_WAKE` for numbers waiting at the gate. A waiter also looks
 * again after its timeout, so a lost notification only costs that long (docs/pacing.md).
 */
import type postgres from 'postgres';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';

export const CHANNEL_FREED = 'outcall_channel_freed';
export const GATE_WAKE = 'outcall_gate_wake';

/** Tells the account's staged dials, in every worker process, that a channel or a place ahead came free. */
export async function notifyChannelFreed(tx: DbOrTx, accountSid: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${CHANNEL_FREED}, ${accountSid})`);
}

/** Wakes the number at `position` of `campaignId` waiting in this or another worker process: ask in `askInMs`. */
export async function notifyGateWake(
  tx: DbOrTx,
  w: { campaignId: string; position: number; askInMs: number },
): Promise<void> {
  await tx.execute(sql`select pg_notify(${GATE_WAKE}, ${`${w.campaignId}/${w.position}/${Math.round(w.askInMs)}`})`);
}

/** Wakes every number of the campaign waiting at the gate: its status changed (paused, ending, resumed). */
export async function notifyCampaignChanged(tx: DbOrTx, campaignId: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${GATE_WAKE}, ${`${campaignId}/*`})`);
}

interface Waiter {
  grantedAtMs: number;
  wake: () => void;
}

export interface ChannelWakeups {
  /** Resolves on a wake for `accountSid` (this waiter being the earliest granted here) or after `timeoutMs`. */
  wait(accountSid: string, grantedAtMs: number, timeoutMs: number): Promise<void>;
  /** Wakes this process's next staged dial of the account (a channel is still free). */
  passOn(accountSid: string): void;
  /**
   * Resolves when the number is woken at the gate (with how long to wait before asking), when its
   * campaign changes (0), or after `timeoutMs` (null).
   */
  waitForTurn(campaignId: string, position: number, timeoutMs: number): Promise<number | null>;
}

export function createChannelWakeups(client: postgres.Sql, onError: (err: unknown) => void): ChannelWakeups {
  const waiting = new Map<string, Waiter[]>();
  /** Numbers waiting for their turn, by `campaign/position`. */
  const turns = new Map<string, Set<(askInMs: number) => void>>();
  let listening: Promise<unknown> | null = null;
  let listeningTurns: Promise<unknown> | null = null;

  function wakeTurn(payload: string): void {
    const [campaignId = '', position = '', askInMs = '0'] = payload.split('/');
    if (position === '*') {
      for (const [key, set] of turns) if (key.startsWith(`${campaignId}/`)) for (const wake of set) wake(0);
      return;
    }
    for (const wake of turns.get(`${campaignId}/${position}`) ?? []) wake(Number(askInMs) || 0);
  }

  function listenTurns(): void {
    if (listeningTurns) return;
    listeningTurns = client.listen(GATE_WAKE, wakeTurn).catch((err: unknown) => {
      listeningTurns = null;
      onError(err);
    });
  }

  function wakeFirst(accountSid: string): void {
    const list = waiting.get(accountSid);
    if (!list?.length) return;
    let first = 0;
    for (let i = 1; i < list.length; i++) if (list[i]!.grantedAtMs < list[first]!.grantedAtMs) first = i;
    list[first]!.wake();
  }

  function listen(): void {
    if (listening) return;
    listening = client
      .listen(CHANNEL_FREED, (accountSid) => wakeFirst(accountSid))
      .catch((err: unknown) => {
        listening = null; // polling still works; the next wait tries to listen again
        onError(err);
      });
  }

  return {
    wait(accountSid, grantedAtMs, timeoutMs) {
      listen();
      return new Promise<void>((resolve) => {
        const list = waiting.get(accountSid) ?? [];
        waiting.set(accountSid, list);
        const me: Waiter = {
          grantedAtMs,
          wake: () => {
            clearTimeout(timer);
            const i = list.indexOf(me);
            if (i >= 0) list.splice(i, 1);
            if (list.length === 0) waiting.delete(accountSid);
            resolve();
          },
        };
        const timer = setTimeout(me.wake, timeoutMs);
        list.push(me);
      });
    },
    passOn: wakeFirst,
    waitForTurn(campaignId, position, timeoutMs) {
      listenTurns();
      const key = `${campaignId}/${position}`;
      return new Promise<number | null>((resolve) => {
        const set = turns.get(key) ?? new Set<(askInMs: number) => void>();
        turns.set(key, set);
        const done = (v: number | null) => {
          clearTimeout(timer);
          set.delete(wake);
          if (set.size === 0) turns.delete(key);
          resolve(v);
        };
        const wake = (askInMs: number) => done(askInMs);
        const timer = setTimeout(() => done(null), timeoutMs);
        set.add(wake);
      });
    },
  };
}
