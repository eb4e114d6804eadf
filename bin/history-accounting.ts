/**
 * What one workflow history costs Temporal, counted from its events: events by type, and Temporal Cloud Actions by the
 * rules of ../shared/reference/temporal-notes.md §7 (docs/architecture.md lists what counts). Pure: histories in,
 * counts out; in bin/ so tests may import it.
 */
import type { WorkflowHandle } from '@temporalio/client';

export type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

export const ACTION_RULES = [
  'workflow start (client or continue-as-new)',
  'child workflow start',
  'activity attempt',
  'local activities of one workflow task',
  'workflow-task heartbeat',
  'timer started',
  'signal sent by a workflow',
  'signal sent by a client',
  'update accepted',
  'search-attribute upsert',
] as const;
export type ActionRule = (typeof ACTION_RULES)[number];

/** Counts by kind; kinds absent count 0. */
export type Tally = Map<string, number>;

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
const CHANGE_VERSION_ATTRIBUTE = 'TemporalChangeVersion';

/** The event's type as the Web UI names it (`ActivityTaskScheduled`), from its attributes field. */
export function eventKind(e: HistoryEvent): string {
  for (const [key, value] of Object.entries(e)) {
    if (value != null && key.endsWith('EventAttributes')) {
      const name = key.slice(0, -'EventAttributes'.length);
      return name.charAt(0).toUpperCase() + name.slice(1);
    }
  }
  return `EventType${String(e.eventType)}`;
}

function add(t: Tally, kind: string, n = 1): void {
  if (n !== 0) t.set(kind, (t.get(kind) ?? 0) + n);
}

/** Events of one history by type. */
export function eventsByKind(events: readonly HistoryEvent[]): Tally {
  const t: Tally = new Map();
  for (const e of events) add(t, eventKind(e));
  return t;
}

/** Temporal Cloud Actions of one history, by rule (see the file's comment). */
export function actionsByRule(events: readonly HistoryEvent[]): Map<ActionRule, number> {
  const t = new Map<ActionRule, number>();
  const count = (rule: ActionRule, n = 1) => add(t as Tally, rule, n);
  /** Index of the workflow task whose commands the events now being read are (-1: none yet). */
  let task = -1;
  const tasksWithLocalActivities = new Set<number>();
  let heartbeats = 0;
  events.forEach((e, i) => {
    const kind = eventKind(e);
    switch (kind) {
      case 'WorkflowExecutionStarted':
        if (!e.workflowExecutionStartedEventAttributes?.parentWorkflowExecution)
          count('workflow start (client or continue-as-new)');
        break;
      case 'StartChildWorkflowExecutionInitiated':
        count('child workflow start', 2);
        break;
      case 'StartChildWorkflowExecutionFailed':
        count('child workflow start', -2);
        break;
      case 'ActivityTaskStarted':
        count('activity attempt', Math.max(1, e.activityTaskStartedEventAttributes?.attempt ?? 1));
        break;
      case 'WorkflowTaskCompleted':
        task = i;
        if (events[i + 1] && eventKind(events[i + 1]!) === 'WorkflowTaskScheduled') heartbeats++;
        break;
      case 'MarkerRecorded':
        if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) tasksWithLocalActivities.add(task);
        break;
      case 'TimerStarted':
        count('timer started');
        break;
      case 'SignalExternalWorkflowExecutionInitiated':
        count('signal sent by a workflow');
        break;
      case 'WorkflowExecutionSignaled': {
        const fromWorkflow = e.workflowExecutionSignaledEventAttributes?.externalWorkflowExecution;
        const withStart = i === 1 && eventKind(events[0]!) === 'WorkflowExecutionStarted';
        if (!fromWorkflow && !withStart) count('signal sent by a client');
        break;
      }
      case 'WorkflowExecutionUpdateAccepted':
        count('update accepted');
        break;
      case 'UpsertWorkflowSearchAttributes': {
        const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
        if (Object.keys(fields).some((k) => k !== CHANGE_VERSION_ATTRIBUTE)) count('search-attribute upsert');
        break;
      }
    }
  });
  count('local activities of one workflow task', tasksWithLocalActivities.size);
  // A task completed only to ask for the next one is a heartbeat only in a workflow that runs local activities.
  if (tasksWithLocalActivities.size > 0) count('workflow-task heartbeat', heartbeats);
  return t;
}

/** Adds `from` into `into` (for sums over many histories). */
export function addTally<K extends string>(into: Map<K, number>, from: ReadonlyMap<K, number>): void {
  for (const [k, n] of from) into.set(k, (into.get(k) ?? 0) + n);
}

export function tallyTotal(t: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of t.values()) n += v;
  return n;
}

/** `Kind 4.00, Other 1.50, …` per `per` (largest first), e.g. per number. */
export function formatTally(t: ReadonlyMap<string, number>, per: number, digits = 2): string {
  return [...t.entries()]
    .filter(([, n]) => Math.abs(n) > 1e-9)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `${k} ${(n / per).toFixed(digits)}`)
    .join(', ');
}
