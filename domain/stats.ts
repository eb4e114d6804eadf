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
}

export interface StatusCount {
  status: NumberStatus | string;
  /** The number's last attempt status, for the informational busy / no_answer counters. */
  lastStatus: string | null;
  count: number;
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
