/**
 * SPEC §9 one campaign: live stats (polled, no reload), a progress bar, the timeline of attempts,
 * pause / resume / complete — each enabled only where SPEC §4.1 allows it (the domain's own rule) —
 * and the CSV exports.
 */
import { useEffect, useState } from 'preact/hooks';
import { allowedActions } from '../../../domain/campaign-transitions';
import type { CampaignStatus } from '../../../domain/campaign-status';
import { bare, downloadCsv, one, type Session } from '../api';
import { progressOf, type CallRecord, type Campaign } from '../types';
import { ErrorNote, ProgressBar, StatusBadge, usePoll, when } from '../ui';

const TERMINAL = new Set(['Completed', 'Failed', 'Canceled', 'Deleted', 'Archived']);
const STAT_KEYS = [
  'created',
  'pending',
  'in-progress',
  'retry',
  'completed',
  'failed',
  'canceled',
  'suppressed',
] as const;
const ACTIONS = ['pause', 'resume', 'complete'] as const;

export function CampaignPage(props: { session: Session; id: string }) {
  const { session, id } = props;
  const [actionError, setActionError] = useState<string | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [ended, setEnded] = useState(false);
  const campaign = usePoll(() => one<Campaign>(session, 'GET', `/campaigns/${id}`), [id], 1000, !ended);
  const timeline = usePoll(
    () => bare<CallRecord>(session, `/campaigns/${id}/call-details?sort_by=date_created:desc&limit=50`),
    [id],
    1500,
    !ended,
  );
  const c = campaign.data;
  // A terminal campaign never changes again: one last read of each (the polls rerun once), then none.
  useEffect(() => {
    if (c && TERMINAL.has(c.status)) setEnded(true);
  }, [c?.status]);

  const allowed = c
    ? allowedActions({
        status: c.status as CampaignStatus,
        started: c.date_started !== null,
        sendAtMs: c.schedule.send_at ? Date.parse(c.schedule.send_at) : null,
        closing: false,
      })
    : [];

  const act = async (action: (typeof ACTIONS)[number]) => {
    setPending(action);
    setActionError(null);
    try {
      await one<Campaign>(session, 'PUT', `/campaigns/${id}`, { action });
      campaign.reload();
    } catch (err) {
      setActionError((err as Error).message);
    } finally {
      setPending(null);
    }
  };

  const exportCsv = async (path: string, file: string) => {
    try {
      await downloadCsv(session, path, file);
    } catch (err) {
      setActionError((err as Error).message);
    }
  };

  if (!c) return <ErrorNote error={campaign.error ?? null} />;
  return (
    <section data-testid="campaign" data-status={c.status}>
      <p>
        <a href="#/campaigns">← Campaigns</a>
      </p>
      <div class="toolbar">
        <h2 data-testid="campaign-name">{c.name}</h2>
        <StatusBadge status={c.status} testId="campaign-status" />
      </div>
      <p class="muted">
        {c.id} · caller id {c.caller_id} · created {when(c.date_created)} · started {when(c.date_started)} · ended{' '}
        {when(c.date_ended)}
      </p>
      <ProgressBar fraction={progressOf(c.stats)} label="done" testId="campaign-progress" />
      <dl class="stats" data-testid="stats">
        {STAT_KEYS.map((k) => (
          <div data-testid={`stat-${k}`}>
            <dt>{k}</dt>
            <dd>{c.stats[k]}</dd>
          </div>
        ))}
      </dl>
      <div class="actions">
        {ACTIONS.map((a) => (
          <button
            data-testid={`action-${a}`}
            disabled={!allowed.includes(a) || pending !== null}
            title={allowed.includes(a) ? '' : `not allowed while ${c.status} (SPEC §4.1)`}
            onClick={() => void act(a)}
          >
            {pending === a ? `${a}…` : a}
          </button>
        ))}
        <a
          href={`#/campaigns/${id}`}
          data-testid="export-call-details"
          onClick={(e) => {
            e.preventDefault();
            void exportCsv(`/campaigns/${id}/call-details?format=csv`, `campaign-${id}-call-details.csv`);
          }}
        >
          Export call-details CSV
        </a>
        <a
          href={`#/campaigns/${id}`}
          data-testid="export-report"
          onClick={(e) => {
            e.preventDefault();
            void exportCsv(`/campaigns/${id}/report.csv`, `campaign-${id}-report.csv`);
          }}
        >
          Per-number report CSV
        </a>
      </div>
      <ErrorNote error={actionError ?? campaign.error} />
      <h3>Timeline of attempts</h3>
      {timeline.data && timeline.data.items.length === 0 && <p class="muted">No attempt yet.</p>}
      <ol class="timeline" data-testid="timeline">
        {(timeline.data?.items ?? []).map((r) => (
          <li data-testid="attempt" data-status={r.status}>
            <time>{when(r.date_created)}</time>
            <span class="number">{r.number}</span>
            <span class="muted">attempt {r.attempt_number}</span>
            <StatusBadge status={r.status} />
            <span class="muted">
              {r.duration}s{r.reason ? ` · ${r.reason}` : ''}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
