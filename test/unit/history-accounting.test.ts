/**
 * bench/support/history-accounting.ts: the Temporal Cloud Action rules (../shared/reference/temporal-notes.md
 * §7) on small histories built event by event, and event kinds on the recorded histories of
 * test/replay/histories (real ones, written by a whole stack).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import {
  actionsByRule,
  eventKind,
  eventsByKind,
  formatTally,
  tallyTotal,
  type HistoryEvent,
} from '../../bin/history-accounting';

const histories = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../replay/histories');

const started = (parent = false): HistoryEvent => ({
  workflowExecutionStartedEventAttributes: parent ? { parentWorkflowExecution: { workflowId: 'p' } } : {},
});
const task = (): HistoryEvent[] => [
  { workflowTaskScheduledEventAttributes: {} },
  { workflowTaskStartedEventAttributes: {} },
  { workflowTaskCompletedEventAttributes: {} },
];
const localActivity = (): HistoryEvent => ({ markerRecordedEventAttributes: { markerName: 'core_local_activity' } });
const rules = (events: HistoryEvent[]) => Object.fromEntries(actionsByRule(events));

describe('Temporal Cloud Actions counted from a history', () => {
  it('bills a client start or continue-as-new, not a child start in the child (its parent pays 2)', () => {
    expect(rules([started(), ...task()])).toEqual({ 'workflow start (client or continue-as-new)': 1 });
    expect(rules([started(true), ...task()])).toEqual({});
  });

  it('bills 2 per child started, none for a start that failed', () => {
    const initiated: HistoryEvent = { startChildWorkflowExecutionInitiatedEventAttributes: {} };
    const failed: HistoryEvent = { startChildWorkflowExecutionFailedEventAttributes: {} };
    expect(rules([started(true), ...task(), initiated, initiated, initiated, failed])).toEqual({
      'child workflow start': 4,
    });
  });

  it('bills every activity attempt, retries included, from the started event', () => {
    const events: HistoryEvent[] = [
      started(true),
      ...task(),
      { activityTaskScheduledEventAttributes: {} },
      { activityTaskStartedEventAttributes: { attempt: 3 } },
      { activityTaskCompletedEventAttributes: {} },
      { activityTaskScheduledEventAttributes: {} },
      { activityTaskStartedEventAttributes: { attempt: 1 } },
    ];
    expect(rules(events)).toEqual({ 'activity attempt': 4 });
  });

  it('bills the local activities of one workflow task once, and a heartbeat task only beside local activities', () => {
    const events: HistoryEvent[] = [
      started(true),
      ...task(),
      localActivity(),
      localActivity(),
      ...task(), // completed with nothing, next task at once: a heartbeat
      ...task(),
      localActivity(),
    ];
    expect(rules(events)).toEqual({ 'local activities of one workflow task': 2, 'workflow-task heartbeat': 1 });
    // The same empty task in a workflow without local activities is not billed.
    expect(rules([started(true), ...task(), ...task(), { timerStartedEventAttributes: {} }])).toEqual({
      'timer started': 1,
    });
  });

  it("bills a signal to its sender: the workflow's send, or a client's as it arrives; signal-with-start once", () => {
    const events: HistoryEvent[] = [
      started(),
      { workflowExecutionSignaledEventAttributes: {} }, // signal-with-start: billed with the start
      ...task(),
      { signalExternalWorkflowExecutionInitiatedEventAttributes: {} },
      { workflowExecutionSignaledEventAttributes: { externalWorkflowExecution: { workflowId: 'other' } } },
      { workflowExecutionSignaledEventAttributes: {} },
    ];
    expect(rules(events)).toEqual({
      'workflow start (client or continue-as-new)': 1,
      'signal sent by a workflow': 1,
      'signal sent by a client': 1,
    });
  });

  it('bills accepted updates and search-attribute upserts, except one naming only TemporalChangeVersion', () => {
    const upsert = (...names: string[]): HistoryEvent => ({
      upsertWorkflowSearchAttributesEventAttributes: {
        searchAttributes: { indexedFields: Object.fromEntries(names.map((n) => [n, {}])) },
      },
    });
    const events: HistoryEvent[] = [
      started(true),
      ...task(),
      { workflowExecutionUpdateAcceptedEventAttributes: {} },
      upsert('TemporalChangeVersion'),
      upsert('OutcallStatus'),
      upsert('TemporalChangeVersion', 'OutcallStatus'),
    ];
    expect(rules(events)).toEqual({ 'update accepted': 1, 'search-attribute upsert': 2 });
  });
});

describe('event kinds', () => {
  const files = readdirSync(histories).filter((f) => f.endsWith('.json'));

  it.each(files)('names every event of %s as its event type does', (file) => {
    const { history } = JSON.parse(readFileSync(path.join(histories, file), 'utf8')) as { history: unknown };
    const events = historyFromJSON(history).events ?? [];
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      const enumName = temporal.api.enums.v1.EventType[e.eventType!]; // EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
      const pascal = enumName
        .replace(/^EVENT_TYPE_/, '')
        .toLowerCase()
        .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
      expect(eventKind(e)).toBe(pascal);
    }
    const kinds = eventsByKind(events);
    expect(tallyTotal(kinds)).toBe(events.length);
    // Every Action rule is an event of the history: a child or activity history is never billed 0.
    expect(tallyTotal(actionsByRule(events))).toBeGreaterThan(0);
  });

  it('formats a tally per number, largest first', () => {
    const t = new Map([
      ['TimerStarted', 2],
      ['ActivityTaskScheduled', 8],
      ['Zero', 0],
    ]);
    expect(formatTally(t, 2)).toBe('ActivityTaskScheduled 4.00, TimerStarted 1.00');
  });
});
