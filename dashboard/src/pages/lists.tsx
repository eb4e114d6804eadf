/**
 * SPEC §9/§5 lists: the account's lists, and a CSV upload into one with its progress — the bytes
 * sent, then the import (`csv-status`) — ending with the counts and the first failures.
 */
import { useState } from 'preact/hooks';
import { many, one, upload, type Session } from '../api';
import type { ContactList, CsvUpload } from '../types';
import { ErrorNote, ProgressBar, StatusBadge, usePoll, when } from '../ui';

type Phase =
  | { kind: 'idle' }
  | { kind: 'uploading'; fraction: number }
  | { kind: 'importing'; status: CsvUpload }
  | { kind: 'done'; status: CsvUpload };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function Lists(props: { session: Session }) {
  const { session } = props;
  const lists = usePoll(() => many<ContactList>(session, '/lists?limit=100&sort_by=date_created:desc'), [], 5000);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setError(null);
    setPhase({ kind: 'uploading', fraction: 0 });
    try {
      const accepted = await upload<{ upload_id: string }>(session, '/contacts/csv-upload', form, (fraction) =>
        setPhase({ kind: 'uploading', fraction }),
      );
      for (;;) {
        const status = await one<CsvUpload>(session, 'GET', `/csv-status/${accepted.upload_id}`);
        if (status.status !== 'processing') {
          setPhase({ kind: 'done', status });
          break;
        }
        setPhase({ kind: 'importing', status });
        await sleep(500);
      }
      lists.reload();
    } catch (err) {
      setError((err as Error).message);
      setPhase({ kind: 'idle' });
    }
  };

  return (
    <section>
      <h2>Lists</h2>
      <form class="upload" onSubmit={submit} data-testid="upload-form">
        <h3>Upload a CSV</h3>
        <label>
          List name
          <input name="list_name" required data-testid="upload-list-name" />
        </label>
        <label>
          Type
          <select name="type" data-testid="upload-type">
            <option value="static">static</option>
            <option value="dynamic">dynamic</option>
          </select>
        </label>
        <label>
          CSV file
          <input name="file_name" type="file" accept=".csv,text/csv" required data-testid="upload-file" />
        </label>
        <button type="submit" disabled={phase.kind === 'uploading' || phase.kind === 'importing'}>
          Upload
        </button>
      </form>
      {phase.kind === 'uploading' && (
        <ProgressBar fraction={phase.fraction} label="uploading" testId="upload-progress" />
      )}
      {phase.kind === 'importing' && (
        <ProgressBar fraction={phase.status.progress} label="importing" testId="import-progress" />
      )}
      {phase.kind === 'done' && <UploadResult status={phase.status} />}
      <ErrorNote error={error ?? lists.error} />
      <table data-testid="lists">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Contacts</th>
            <th>Columns</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {(lists.data?.items ?? []).map((l) => (
            <tr data-testid="list-row" data-sid={l.sid}>
              <td>{l.name}</td>
              <td>{l.type ?? '–'}</td>
              <td data-testid="list-count">{l.contact_count}</td>
              <td>{l.columns.join(', ')}</td>
              <td>{when(l.date_created)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function UploadResult(props: { status: CsvUpload }) {
  const s = props.status;
  return (
    <div class="result" data-testid="upload-result">
      <p>
        Import <StatusBadge status={s.status} testId="upload-status" />: {s.total_records} rows,{' '}
        <span data-testid="upload-success">{s.success_count}</span> added, {s.duplicate_count} duplicate,{' '}
        <span data-testid="upload-failed">{s.failure_count}</span> failed{s.error ? ` (${s.error})` : ''}.
      </p>
      {s.failures.length > 0 && (
        <table data-testid="upload-failures">
          <thead>
            <tr>
              <th>Row</th>
              <th>Number</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {s.failures.slice(0, 10).map((f) => (
              <tr>
                <td>{f.row}</td>
                <td>{f.number}</td>
                <td>{f.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
