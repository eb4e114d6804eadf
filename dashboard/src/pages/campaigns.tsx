/** SPEC §9 campaigns: filter by status, search by name, each with its progress; newest first. */
import { useEffect, useState } from 'preact/hooks';
import { many, type Session } from '../api';
import { progressOf, type Campaign } from '../types';
import { ErrorNote, ProgressBar, StatusBadge, usePoll, when } from '../ui';

const STATUSES = ['Created', 'InProgress', 'Paused', 'Completed', 'Failed', 'Canceled', 'Archived', 'Deleted'];

export function Campaigns(props: { session: Session }) {
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [name, setName] = useState('');
  // The search goes out once typing pauses.
  useEffect(() => {
    const t = window.setTimeout(() => setName(search.trim()), 250);
    return () => window.clearTimeout(t);
  }, [search]);
  const query = new URLSearchParams({ sort_by: 'date_created:desc', limit: '100' });
  if (status) query.set('status', status);
  if (name) query.set('name', name);
  const { data, error } = usePoll(() => many<Campaign>(props.session, `/campaigns?${query}`), [status, name], 3000);

  return (
    <section>
      <div class="toolbar">
        <h2>Campaigns</h2>
        <select
          aria-label="Status"
          data-testid="status-filter"
          value={status}
          onChange={(e) => setStatus(e.currentTarget.value)}
        >
          <option value="">All statuses</option>
          {STATUSES.map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
        <input
          type="search"
          placeholder="Search by name"
          aria-label="Search by name"
          data-testid="name-search"
          value={search}
          onInput={(e) => setSearch(e.currentTarget.value)}
        />
      </div>
      <ErrorNote error={error} />
      {data && data.items.length === 0 && <p class="muted">No campaigns match.</p>}
      {data && data.items.length > 0 && (
        <table data-testid="campaigns">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Progress</th>
              <th>Numbers</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((c) => (
              <tr data-testid="campaign-row" data-id={c.id}>
                <td>
                  <a href={`#/campaigns/${c.id}`}>{c.name}</a>
                </td>
                <td>
                  <StatusBadge status={c.status} />
                </td>
                <td class="wide">
                  <ProgressBar fraction={progressOf(c.stats)} label="done" />
                </td>
                <td>{c.stats.created}</td>
                <td>{when(c.date_created)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && <p class="muted">{data.total} campaign(s)</p>}
    </section>
  );
}
