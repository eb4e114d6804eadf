/**
 * `ops campaigns tail <id>` (SPEC §8): prints the campaign's status changes and its attempts as they
 * begin and settle, from the read model, until the campaign ends or the operator presses Ctrl-C.
 * With `--json`, one JSON object per line (`status`, `attempt`, `end`) for scripts.
 */
import type { Config } from '../config';
import type { Db } from '../../db/client';
import {
  attemptsBegunAfter,
  attemptsBySid,
  findCampaignForOps,
  latestAttempts,
  type AttemptRowForOps,
} from '../../db/queries/ops';
import { campaignStats } from '../../db/queries/stats';
import { isCampaignStatus, isTerminal } from '../../domain/campaign-status';
import { withDb } from './connect';
import { out, OpsError } from './output';

const HISTORY = 20;

export interface TailOptions {
  json: boolean;
  intervalMs: number;
  /** Resolves when the operator asks to stop (Ctrl-C). */
  stopped: Promise<void>;
}

type TailEvent =
  | { type: 'status'; at: string; status: string; previous: string | null }
  | {
      type: 'attempt';
      event: 'dialled' | 'settled';
      at: string;
      call_sid: string;
      number: string;
      attempt_number: number;
      status: string | null;
      reason: string | null;
      duration: number | null;
    }
  | { type: 'end'; at: string; status: string; stats: Record<string, number> };

function human(e: TailEvent): string {
  const time = e.at.slice(11, 19);
  switch (e.type) {
    case 'status':
      return `${time}  campaign  ${e.status}${e.previous ? ` (was ${e.previous})` : ''}`;
    case 'attempt': {
      const what = `${e.number.padEnd(15)} attempt ${e.attempt_number}`;
      if (e.event === 'dialled') return `${time}  dialled   ${what}`;
      const detail = [e.status, e.duration ? `${e.duration}s` : null, e.reason].filter(Boolean).join('  ');
      return `${time}  settled   ${what}  ${detail}`;
    }
    case 'end':
      return `${time}  ended     ${e.status}  ${Object.entries(e.stats)
        .filter(([k, v]) => k !== 'in_progress' && v > 0)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`;
  }
}

function attemptEvent(a: AttemptRowForOps, event: 'dialled' | 'settled'): TailEvent {
  const at = event === 'settled' ? (a.settledAt ?? a.endTime ?? new Date()) : a.dateCreated;
  return {
    type: 'attempt',
    event,
    at: at.toISOString(),
    call_sid: a.callSid,
    number: a.number,
    attempt_number: a.attemptNumber,
    status: event === 'settled' ? a.status : null,
    reason: event === 'settled' ? a.reason : null,
    duration: event === 'settled' ? a.duration : null,
  };
}

/** One poll's events in the order they happened (ISO instants sort as text; the sort is stable). */
const inTimeOrder = (events: TailEvent[]) => events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

/** Follows one campaign; resolves with the exit code (0 when it ended or was stopped). */
export async function campaignsTail(config: Config, campaignId: string, opts: TailOptions): Promise<number> {
  // Each poll's events are gathered, then printed in time order: an attempt dialled while an
  // earlier one was still ringing prints before that one's settle.
  let pending: TailEvent[] = [];
  const print = (e: TailEvent) => out(opts.json ? JSON.stringify(e) : human(e));
  const emit = (e: TailEvent) => void pending.push(e);
  const flush = () => {
    inTimeOrder(pending).forEach(print);
    pending = [];
  };
  let stop = false;
  void opts.stopped.then(() => (stop = true));
  return withDb(config, async (db: Db) => {
    const first = await findCampaignForOps(db, campaignId);
    if (!first) throw new OpsError(`campaign ${campaignId} not found in the database`);
    if (!opts.json) out(`Following campaign ${first.id} "${first.name}" (account ${first.accountSid}); Ctrl-C stops.`);
    let status: string | null = null;
    let cursor = new Date(0);
    const live = new Map<string, AttemptRowForOps>();
    const see = (a: AttemptRowForOps) => {
      if (a.dateCreated > cursor) cursor = a.dateCreated;
      emit(attemptEvent(a, 'dialled'));
      if (a.status !== null) emit(attemptEvent(a, 'settled'));
      else live.set(a.callSid, a);
    };
    for (const a of await latestAttempts(db, campaignId, HISTORY)) see(a);
    for (;;) {
      const row = await findCampaignForOps(db, campaignId);
      if (!row) throw new OpsError(`campaign ${campaignId} was removed`);
      if (row.status !== status) {
        emit({ type: 'status', at: row.dateUpdated.toISOString(), status: row.status, previous: status });
        status = row.status;
      }
      for (const a of await attemptsBegunAfter(db, campaignId, cursor)) see(a);
      for (const a of await attemptsBySid(db, [...live.keys()])) {
        if (a.status === null) continue;
        live.delete(a.callSid);
        emit(attemptEvent(a, 'settled'));
      }
      if (isCampaignStatus(row.status) && isTerminal(row.status) && live.size === 0) {
        // The end line carries the counts; a list snapshot's progress is over by then.
        const { snapshot, ...counts } = await campaignStats(db, campaignId);
        void snapshot;
        const stats: Record<string, number> = { ...counts };
        flush(); // the end line comes last, whatever its instant
        print({ type: 'end', at: (row.dateEnded ?? row.dateUpdated).toISOString(), status: row.status, stats });
        return 0;
      }
      flush();
      if (stop) {
        if (!opts.json) out('Stopped (the campaign goes on).');
        return 0;
      }
      await Promise.race([new Promise((r) => setTimeout(r, opts.intervalMs)), opts.stopped]);
    }
  });
}
