/**
 * SPEC §4.9 stats [C-14]: counts of numbers by status. Invariant at every read:
 * created = pending + in-progress + retry + completed + failed + canceled + suppressed.
 * `busy` and `no_answer` are informational: failed numbers whose last attempt was busy / no-answer.
 */
import type { NumberStatus } from './attempt-status';

export interface CampaignStats {
  created: number;
  pending: number;
  'in-progress': number;
  in_progress: number;
  retry: number;
  completed: number;
  failed: number;
  canceled: number;
  suppressed: number;
  busy: number;
  no_answer: number;
  /** (ext) List campaigns only: how far the copy of the lists' numbers is (`listCampaignStats`). */
  snapshot?: SnapshotProgress;
}

/**
 * (ext) A list campaign's snapshot (SPEC §5): `pending` until the campaign starts, `copying` while
 * the numbers are copied (`copied` of `total`), `taken` once they are the campaign's numbers, and
 * `skipped` for a campaign that ended before it ever started.
 */
export interface SnapshotProgress {
  status: 'pending' | 'copying' | 'taken' | 'skipped';
  copied: number;
  total: number;
}

/** What the campaign row says about its list numbers (all null / false for a campaign with `from`). */
export interface ListSnapshotFacts {
  listCampaign: boolean;
  terminal: boolean;
  /** The numbers its lists held when last counted. */
  listNumbers: number | null;
  /** Copied so far by a snapshot under way; null when none is. */
  snapshotCopied: number | null;
  /** The numbers are in the campaign's rows (a preview, or the snapshot taken at start). */
  taken: boolean;
}

export interface StatusCount {
  status: NumberStatus | string;
  /** The number's last attempt status, for the informational busy / no_answer counters. */
  lastStatus: string | null;
  count: number;
}

/**
 * SPEC §3 "the counts reflect the lists at creation", for a list campaign whose numbers are not yet
 * in its rows (a big list's snapshot waits for the start): `created` and `pending` are the count the
 * lists had, and `snapshot` says how far the copy is. Once the numbers are there the counted rows
 * speak for themselves. A campaign that ended before its snapshot was ever taken had no numbers.
 */
export function listCampaignStats(counted: StatusCount[], facts: ListSnapshotFacts): CampaignStats {
  const stats = statsFrom(counted);
  if (!facts.listCampaign) return stats;
  if (facts.taken) return { ...stats, snapshot: { status: 'taken', copied: stats.created, total: stats.created } };
  const total = facts.listNumbers ?? 0;
  if (facts.terminal) return { ...statsFrom([]), snapshot: { status: 'skipped', copied: 0, total } };
  const copying = facts.snapshotCopied !== null;
  return {
    ...statsFrom([{ status: 'pending', lastStatus: null, count: total }]),
    snapshot: { status: copying ? 'copying' : 'pending', copied: facts.snapshotCopied ?? 0, total },
  };
}

/** Builds the stats object from per-(status, last attempt status) counts of a campaign's numbers. */
export function statsFrom(rows: StatusCount[]): CampaignStats {
  const s: CampaignStats = {
    created: 0,
    pending: 0,
    'in-progress': 0,
    in_progress: 0,
    retry: 0,
    completed: 0,
    failed: 0,
    canceled: 0,
    suppressed: 0,
    busy: 0,
    no_answer: 0,
  };
  for (const r of rows) {
    const n = Number(r.count);
    s.created += n;
    switch (r.status) {
      case 'pending':
      case 'retry':
      case 'completed':
      case 'canceled':
      case 'suppressed':
        s[r.status] += n;
        break;
      case 'in-progress':
        s['in-progress'] += n;
        s.in_progress += n;
        break;
      case 'failed':
        s.failed += n;
        if (r.lastStatus === 'busy') s.busy += n;
        if (r.lastStatus === 'no-answer') s.no_answer += n;
        break;
      default:
        throw new Error(`unknown number status ${JSON.stringify(r.status)}`);
    }
  }
  return s;
}
