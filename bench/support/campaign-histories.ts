/**
 * A campaign's cost to Temporal, read from real histories: every run of the campaign workflow and a
 * sample of its number workflows (bench/dispatch.ts), tallied by bench/support/history-accounting.ts
 * and printed per number, broken down by event type and by Action rule, so a regression shows
 * where it came from.
 */
import type { Client } from '@temporalio/client';
import { campaignWorkflowId } from '../../domain/ids';
import { SEARCH_ATTRIBUTES } from '../../domain/ids';
import {
  actionsByRule,
  addTally,
  eventsByKind,
  formatTally,
  tallyTotal,
  type ActionRule,
  type Tally,
} from './history-accounting';

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
  /** Actions per number by rule, number workflow and campaign runs together. */
  actionsByRule: Map<string, number>;
  runs: number;
  maxRunEvents: number;
}

function scaled(t: ReadonlyMap<string, number>, by: number): Map<string, number> {
  return new Map([...t].map(([k, v]) => [k, v * by]));
}

/**
 * Reads the campaign's histories and prints its cost per number. `numbers` is how many numbers
 * closed (the divisor for the campaign runs' cost); `sample` how many number histories to read.
 */
export async function printCampaignCost(
  client: Client,
  campaignId: string,
  numbers: number,
  sample: number,
  indent = '  ',
): Promise<CampaignCost> {
  const l = await listCampaign(client, campaignId, numbers);
  const closed = l.numbers.filter((n) => n.closed);
  const runs = await accountHistories(client, l.runs);
  const picked = evenSample(closed, sample);
  const nums = await accountHistories(client, picked);
  const others = await accountHistories(
    client,
    l.others.filter((o) => o.closed),
  );
  const per = Math.max(numbers, 1);
  const perSampled = Math.max(nums.histories, 1);
  // Exact mean from visibility for all closed numbers; the breakdown from the sample.
  const numberEvents = closed.reduce((a, n) => a + n.historyLength, 0) / Math.max(closed.length, 1);
  const campaignEvents = tallyTotal(runs.events) / per;
  const otherEvents = tallyTotal(others.events) / per;
  const numberActions = tallyTotal(nums.actions) / perSampled;
  const campaignActions = tallyTotal(runs.actions) / per;
  const otherActions = tallyTotal(others.actions) / per;
  const p = (line: string) => console.log(`${indent}${line}`);
  const o = others.histories > 0;
  p(
    `history events per number: ${(numberEvents + campaignEvents + otherEvents).toFixed(2)} = number workflow ` +
      `${numberEvents.toFixed(2)} (all ${closed.length} closed, from visibility; sample of ${nums.histories}: ` +
      `${(tallyTotal(nums.events) / perSampled).toFixed(2)}) + campaign runs ${campaignEvents.toFixed(2)}` +
      (o ? ` + ${others.histories} other workflows ${otherEvents.toFixed(2)}` : ''),
  );
  p(`  number workflow, by type: ${formatTally(nums.events, perSampled)}`);
  p(`  campaign runs, by type, per number: ${formatTally(runs.events, per)}`);
  if (o) p(`  other workflows, by type, per number: ${formatTally(others.events, per)}`);
  const actionsPerNumber = numberActions + campaignActions + otherActions;
  p(
    `Temporal Cloud Actions per number: ${actionsPerNumber.toFixed(2)} = number workflow ${numberActions.toFixed(2)} ` +
      `(sample of ${nums.histories}) + campaign runs ${campaignActions.toFixed(2)}` +
      (o ? ` + other workflows ${otherActions.toFixed(2)}` : ''),
  );
  p(`  number workflow, by rule: ${formatTally(nums.actions, perSampled)}`);
  p(`  campaign runs, by rule, per number: ${formatTally(runs.actions, per)}`);
  if (o) p(`  other workflows, by rule, per number: ${formatTally(others.actions, per)}`);
  p(
    `campaign runs: ${runs.histories} (${l.runs.filter((r) => !r.closed).length} still running); ` +
      `most events in one run: ${runs.maxEvents}`,
  );
  const byRule = scaled(nums.actions, 1 / perSampled);
  addTally(byRule, scaled(runs.actions, 1 / per));
  addTally(byRule, scaled(others.actions, 1 / per));
  return {
    numbers,
    eventsPerNumber: numberEvents + campaignEvents + otherEvents,
    actionsPerNumber,
    actionsByRule: byRule,
    runs: runs.histories,
    maxRunEvents: runs.maxEvents,
  };
}
