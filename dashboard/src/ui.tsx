/** Small shared pieces of the dashboard: a progress bar, a status badge, an error note, polling. */
import { useEffect, useRef, useState } from 'preact/hooks';

export function ProgressBar(props: { fraction: number; label: string; testId?: string }) {
  const pct = Math.round(Math.min(1, Math.max(0, props.fraction)) * 100);
  return (
    <div
      class="progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      aria-label={props.label}
      data-testid={props.testId}
    >
      <div class="progress-fill" style={{ width: `${pct}%` }} />
      <span class="progress-text">
        {props.label} {pct}%
      </span>
    </div>
  );
}

export function StatusBadge(props: { status: string; testId?: string }) {
  return (
    <span class={`badge badge-${props.status.toLowerCase().replace(/[^a-z]/g, '')}`} data-testid={props.testId}>
      {props.status}
    </span>
  );
}

export function ErrorNote(props: { error: string | null }) {
  return props.error ? (
    <p class="error" role="alert" data-testid="error">
      {props.error}
    </p>
  ) : null;
}

/**
 * Calls `load` now and every `everyMs` while the component is shown (and `enabled`), so what it
 * shows updates without a reload; the newest answer wins, errors are kept for display.
 */
export function usePoll<T>(load: () => Promise<T>, deps: unknown[], everyMs: number, enabled = true) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const run = async () => {
      try {
        const value = await loadRef.current();
        if (!stopped) {
          setData(value);
          setError(null);
        }
      } catch (err) {
        if (!stopped) setError((err as Error).message);
      }
      if (!stopped && enabled) timer = window.setTimeout(run, everyMs);
    };
    void run();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [...deps, tick, enabled]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}

/** `2024-01-15T09:00:00+05:30` → `2024-01-15 09:00:00` (the account's zone, as the API renders it). */
export const when = (t: string | null | undefined) => (t ? t.replace('T', ' ').replace(/([+-]\d\d:\d\d|Z)$/, '') : '–');
