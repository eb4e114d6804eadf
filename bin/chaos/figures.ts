/**
 * What the fault suite (issue 10) checks after a campaign: dials and duplicate dials as the simulator
 * carrier received them, numbers not final, stats against the numbers and call-details the API shows,
 * webhook events lost or delivered twice, and the longest stretch without a dial while work was due.
 */
import type { Db } from '../../db/client';
import { pendingWebhookCount, simulatorDials, webhookDeliveryIds } from '../../db/queries/fault-suite';

/** JSON over HTTP with an account's Basic credentials. */
export type ApiCall = (
  method: string,
  path: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- envelope shapes vary per endpoint
) => Promise<{ status: number; json: any }>;

export interface CarrierFigures {
  /** Dial requests the carrier received (calls placed and requests refused). */
  dials: number;
  /** Requests beyond the first for one number's attempt: must be 0 (SPEC §7 at most once). */
  duplicateDials: number;
  /** The longest time between two dials while first attempts were still to be made, in seconds. */
  longestNoDialS: number;
}

/** SPEC §7: every dial request the simulator saw for the account, by number and attempt (from its token). */
export async function carrierFigures(db: Db, accountSid: string): Promise<CarrierFigures> {
  const rows = await simulatorDials(db, accountSid);
  const perAttempt = new Map<string, number>();
  for (const r of rows) perAttempt.set(`${r.to}/${r.attempt}`, (perAttempt.get(`${r.to}/${r.attempt}`) ?? 0) + 1);
  let duplicateDials = 0;
  for (const n of perAttempt.values()) duplicateDials += n - 1;
  const times = rows.map((r) => r.atMs).sort((a, b) => a - b);
  const firstAttempts = rows.filter((r) => r.attempt === 1).map((r) => r.atMs);
  const dueUntil = firstAttempts.length > 0 ? Math.max(...firstAttempts) : 0;
  let longest = 0;
  for (let i = 1; i < times.length && times[i - 1]! < dueUntil; i++)
    longest = Math.max(longest, times[i]! - times[i - 1]!);
  return { dials: rows.length, duplicateDials, longestNoDialS: longest / 1000 };
}

const FINAL = new Set(['completed', 'failed', 'canceled', 'suppressed']);
const STAT_KEYS = ['pending', 'in-progress', 'retry', 'completed', 'failed', 'canceled', 'suppressed'] as const;

async function pages(api: ApiCall, path: string): Promise<any[]> {
  // eslint-disable-line @typescript-eslint/no-explicit-any -- see ApiCall
  const out: unknown[] = [];
  for (let offset = 0; ; offset += 500) {
    const res = await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=500&offset=${offset}`);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.json)}`);
    const items = res.json.response as unknown[];
    out.push(...items);
    if (out.length >= res.json.metadata.total || items.length === 0) return out;
  }
}

export interface ReadModelFigures {
  numbers: number;
  notFinal: number;
  /** Stats buckets that differ from the numbers endpoint, plus numbers whose call-details disagree. */
  mismatches: number;
  status: string;
}

/** SPEC §4.9/§4.10 through the API: stats = the numbers' statuses; each number's attempts = its records. */
export async function readModelFigures(api: ApiCall, base: string, campaignId: string): Promise<ReadModelFigures> {
  const campaign = await api('GET', `${base}/campaigns/${campaignId}`);
  const c = campaign.json.response[0].data;
  const numbers = (await pages(api, `${base}/campaigns/${campaignId}/numbers`)).map((i) => i.data);
  const records = await pages(api, `${base}/campaigns/${campaignId}/call-details`);
  let mismatches = 0;
  for (const k of STAT_KEYS) if (c.stats[k] !== numbers.filter((n) => n.status === k).length) mismatches++;
  if (c.stats.created !== numbers.length) mismatches++;
  const byNumber = new Map<string, any[]>(); // eslint-disable-line @typescript-eslint/no-explicit-any -- call records
  for (const r of records) byNumber.set(r.number, [...(byNumber.get(r.number) ?? []), r]);
  for (const n of numbers) {
    const own = (byNumber.get(n.number) ?? []).sort((a, b) => a.attempt_number - b.attempt_number);
    const last = own[own.length - 1];
    if (own.length !== n.attempts || (n.attempts > 0 && last.status !== n.last_status)) mismatches++;
  }
  return {
    numbers: numbers.length,
    notFinal: numbers.filter((n) => !FINAL.has(n.status)).length,
    mismatches,
    status: c.status,
  };
}

export interface WebhookFigures {
  emitted: number;
  lost: number;
  duplicated: number;
}

/** SPEC §6.2: every event the campaign emitted reached the receiver, once. */
export async function webhookFigures(
  db: Db,
  campaignId: string,
  received: Map<string, number>,
): Promise<WebhookFigures> {
  const ids = await webhookDeliveryIds(db, campaignId);
  let lost = 0;
  let duplicated = 0;
  for (const id of ids) {
    const n = received.get(id) ?? 0;
    if (n === 0) lost++;
    else duplicated += n - 1;
  }
  return { emitted: ids.length, lost, duplicated };
}

/** Waits until every webhook event of the campaign is delivered or abandoned (or the deadline passes). */
export async function webhooksSettled(db: Db, campaignId: string, deadlineMs: number): Promise<boolean> {
  for (;;) {
    if ((await pendingWebhookCount(db, campaignId)) === 0) return true;
    if (Date.now() > deadlineMs) return false;
    await new Promise((r) => setTimeout(r, 2000));
  }
}
