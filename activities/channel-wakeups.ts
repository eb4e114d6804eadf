/**
 * SPEC §4.5: staged dials (granted by the dial gate, waiting at the send spacer for a channel) wait
 * here. A transaction that frees a channel notifies `CHANNEL_FREED` with the account's sid (PostgreSQL
 * NOTIFY, delivered when it commits). Each worker process listens on one connection and wakes its
 * staged dial of that account that was granted first; that dial, once it has sent, passes the wake on
 * while channels are left. A dial also looks again after `timeoutMs` without a wake, so a lost
 * notification (a reconnect, another process taking the channel) only costs that long.
 */
import type postgres from 'postgres';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';

export const CHANNEL_FREED = 'outcall_channel_freed';

/** Tells the account's staged dials, in every worker process, that a channel or a place ahead came free. */
export async function notifyChannelFreed(tx: DbOrTx, accountSid: string): Promise<void> {
  await tx.execute(sql`select pg_notify(${CHANNEL_FREED}, ${accountSid})`);
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
}

export function createChannelWakeups(client: postgres.Sql, onError: (err: unknown) => void): ChannelWakeups {
  const waiting = new Map<string, Waiter[]>();
  let listening: Promise<unknown> | null = null;

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
  };
}
