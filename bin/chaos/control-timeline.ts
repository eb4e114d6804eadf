/**
 * Where a control request's time went: the campaign workflow's history events from the moment the
 * request was sent until shortly after its answer, as offsets from the send (issue 10 diagnostics).
 * Workflow tasks show their wait (scheduled → started) and their run (started → completed).
 */
import { Client, Connection } from '@temporalio/client';
import { eventKind, type HistoryEvent } from '../history-accounting';

const SHOWN = /WorkflowTask|Update|Marker|ActivityTask|ContinuedAsNew|Signaled/;

/** Events this long before the request show the task it may have waited for. */
const LOOK_BACK_MS = 5000;
/** Enum values as numbers: TimeoutType 1 start-to-close, 2 schedule-to-start; a failure's cause. */
function detail(e: HistoryEvent): string {
  const timedOut = e.workflowTaskTimedOutEventAttributes;
  if (timedOut) return ` (timeout type ${String(timedOut.timeoutType)})`;
  const failed = e.workflowTaskFailedEventAttributes;
  if (failed) return ` (cause ${String(failed.cause)}: ${failed.failure?.message ?? ''})`;
  const started = e.workflowTaskStartedEventAttributes;
  if (started) return ` (${started.identity ?? ''})`;
  return '';
}

function eventMs(e: HistoryEvent): number {
  const t = e.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
}

/**
 * One line per event of `workflowId` (every run) from shortly before `sentMs` to `untilMs`,
 * e.g. `+2140 ms WorkflowTaskStarted`.
 */
export async function controlTimeline(
  temporalAddress: string,
  workflowId: string,
  sentMs: number,
  untilMs: number,
): Promise<string[]> {
  const connection = await Connection.connect({ address: temporalAddress }).catch(() => null);
  if (!connection) return ['(Temporal not reachable)'];
  try {
    const client = new Client({ connection });
    const lines: Array<[number, string]> = [];
    for await (const run of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      if (run.closeTime && run.closeTime.getTime() < sentMs) continue;
      const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      for (const e of history.events ?? []) {
        const at = eventMs(e);
        const name = eventKind(e);
        if (at < sentMs - LOOK_BACK_MS || at > untilMs || !SHOWN.test(name)) continue;
        lines.push([at, `${at >= sentMs ? '+' : ''}${at - sentMs} ms ${name}${detail(e)}`]);
      }
    }
    return lines.sort((a, b) => a[0] - b[0]).map(([, l]) => l);
  } catch (err) {
    return [`(history not read: ${String(err)})`];
  } finally {
    await connection.close();
  }
}
