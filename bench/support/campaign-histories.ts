/**
 * A campaign's cost to Temporal, read from real histories: every run of the campaign workflow and a
 * sample of its number workflows (bench/dispatch.ts), tallied by bench/support/history-accounting.ts
 * and printed per number, broken down by event type and by Action rule, so a regression shows
 * where it came from.
 */
import type { Client } from '@temporalio/client';
import { campaignWorkflowId, SEARCH_ATTRIBUTES } from '../../domain/ids';
import {
  actionsByRule,
  addTally,
  eventsByKind,
  formatTally,
  tallyTotal,
  type ActionRule,
  type Tally,
} from '../../bin/history-accounting';

export interface Execution {
  workflowId: string;
  runId: string;
  type: string;
  historyLength: number;
  closed: boolean;
}

export interface CampaignListing {
  runs: Execution[];
  numbers: Execution[];
  /** Workflows of the campaign that are neither (webhook deliveries). */
  others: Execution[];
}

/** Every workflow of the campaign, from visibility; waits (up to a minute) until `expectClosed` numbers show closed. */
export async function listCampaign(client: Client, campaignId: string, expectClosed: number): Promise<CampaignListing> {
  for (let tries = 0; ; tries++) {
    const l: CampaignListing = { runs: [], numbers: [], others: [] };
    const query = `${SEARCH_ATTRIBUTES.campaignId} = '${campaignId}'`;
    for await (const w of client.workflow.list({ query, pageSize: 1000 })) {
      const e = {
        workflowId: w.workflowId,
        runId: w.runId,
        type: w.type,
        historyLength: w.historyLength,
        closed: w.status.name !== 'RUNNING',
      };
      if (w.workflowId === campaignWorkflowId(campaignId)) l.runs.push(e);
      else if (w.type === 'numberWorkflow') l.numbers.push(e);
      else l.others.push(e);
    }
    // Visibility is eventually consistent.
    if (l.numbers.filter((n) => n.closed).length >= expectClosed || tries >= 30) return l;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

export interface HistoryAccount {
  histories: number;
  events: Tally;
  actions: Map<ActionRule, number>;
  maxEvents: number;
}

/** Fetches each history (a few at a time) and sums its events and Actions. */
export async function accountHistories(client: Client, executions: Execution[], parallel = 8): Promise<HistoryAccount> {
  const acc: HistoryAccount = { histories: 0, events: new Map(), actions: new Map(), maxEvents: 0 };
  const queue = [...executions];
  await Promise.all(
    Array.from({ length: Math.min(parallel, queue.length) }, async () => {
      for (let e = queue.shift(); e; e = queue.shift()) {
        const history = await client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
        const events = history.events ?? [];
        acc.histories++;
        acc.maxEvents = Math.max(acc.maxEvents, events.length);
        addTally(acc.events, eventsByKind(events));
        addTally(acc.actions, actionsByRule(events));
      }
    }),
  );
  return acc;
}

/** Up to `n` of `xs`, evenly spread (the first, the last and those between). */
export function evenSample<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.round((i * (xs.length - 1)) / Math.max(1, n - 1))]!);
}

export interface CampaignCost {
  /** Numbers the figures are per (those that closed). */
  numbers: number;
  eventsPerNumber: number;
  actionsPerNumber: number;
  runs: number;
  maxRunEvents: number;
  /** Per group of number workflows (see `printCampaignCost`): its events and Actions per number, by kind. */
  groups: Map<string, { events: Tally; actions: Map<ActionRule, number> }>;
}

function perOne<K extends string>(t: ReadonlyMap<K, number>, n: number): Map<K, number> {
  return new Map([...t].map(([k, v]) => [k, v / Math.max(n, 1)]));
}

/**
 * Reads the campaign's histories and prints its cost per number. `numbers` is how many numbers
 * closed (the divisor for the campaign runs' cost); `sample` how many number histories to read, in
 * each group when `groupOf` sorts number workflows (by workflow id) into groups, e.g. by attempts.
 */
export async function printCampaignCost(
  client: Client,
  campaignId: string,
  numbers: number,
  sample: number,
  groupOf: (workflowId: string) => string = () => 'all',
): Promise<CampaignCost> {
  const l = await listCampaign(client, campaignId, numbers);
  const closed = l.numbers.filter((n) => n.closed);
  const runs = await accountHistories(client, l.runs);
  const others = await accountHistories(
    client,
    l.others.filter((o) => o.closed),
  );
  const byGroup = new Map<string, Execution[]>();
  for (const n of closed) byGroup.set(groupOf(n.workflowId), [...(byGroup.get(groupOf(n.workflowId)) ?? []), n]);
  const groups = new Map<string, HistoryAccount>();
  for (const [g, members] of [...byGroup].sort())
    groups.set(g, await accountHistories(client, evenSample(members, sample)));
  const per = Math.max(numbers, 1);
  // Exact mean from visibility for all closed numbers; the breakdown from the sample.
  const numberEvents = closed.reduce((a, n) => a + n.historyLength, 0) / Math.max(closed.length, 1);
  // A group's mean weighs in by its share of the closed numbers.
  let numberActions = 0;
  for (const [g, acc] of groups)
    numberActions +=
      (tallyTotal(acc.actions) / Math.max(acc.histories, 1)) * (byGroup.get(g)!.length / Math.max(closed.length, 1));
  const campaignEvents = tallyTotal(runs.events) / per;
  const otherEvents = tallyTotal(others.events) / per;
  const campaignActions = tallyTotal(runs.actions) / per;
  const otherActions = tallyTotal(others.actions) / per;
  const p = (line: string) => console.log(`  ${line}`);
  const o = others.histories > 0;
  const sampled = [...groups.values()].reduce((a, g) => a + g.histories, 0);
  const label = (g: string) =>
    groups.size > 1 ? `number workflow (${g}, ${groups.get(g)!.histories} read)` : 'number workflow';
  p(
    `history events per number: ${(numberEvents + campaignEvents + otherEvents).toFixed(2)} = number workflow ` +
      `${numberEvents.toFixed(2)} (all ${closed.length} closed, from visibility) ` +
      `+ campaign runs ${campaignEvents.toFixed(2)}` +
      (o ? ` + ${others.histories} other workflows ${otherEvents.toFixed(2)}` : ''),
  );
  for (const [g, acc] of groups) p(`  ${label(g)}, by type: ${formatTally(acc.events, acc.histories)}`);
  p(`  campaign runs, by type, per number: ${formatTally(runs.events, per)}`);
  if (o) p(`  other workflows, by type, per number: ${formatTally(others.events, per)}`);
  const actionsPerNumber = numberActions + campaignActions + otherActions;
  p(
    `Temporal Cloud Actions per number: ${actionsPerNumber.toFixed(2)} = number workflow ${numberActions.toFixed(2)} ` +
      `(${sampled} histories read) + campaign runs ${campaignActions.toFixed(2)}` +
      (o ? ` + other workflows ${otherActions.toFixed(2)}` : ''),
  );
  for (const [g, acc] of groups) p(`  ${label(g)}, by rule: ${formatTally(acc.actions, acc.histories)}`);
  p(`  campaign runs, by rule, per number: ${formatTally(runs.actions, per)}`);
  if (o) p(`  other workflows, by rule, per number: ${formatTally(others.actions, per)}`);
  p(
    `campaign runs: ${runs.histories} (${l.runs.filter((r) => !r.closed).length} still running); ` +
      `most events in one run: ${runs.maxEvents}`,
  );
  return {
    numbers,
    eventsPerNumber: numberEvents + campaignEvents + otherEvents,
    actionsPerNumber,
    runs: runs.histories,
    maxRunEvents: runs.maxEvents,
    groups: new Map(
      [...groups].map(([g, acc]) => [
        g,
        { events: perOne(acc.events, acc.histories), actions: perOne(acc.actions, acc.histories) },
      ]),
    ),
  };
}
