/**
 * SPEC §1 "Campaign status values" [C-11] and §4.1 states: emitted in PascalCase; filters accept any
 * casing and ignore `-`/`_`. Terminal: `Completed`, `Failed`, `Canceled`, `Deleted`, `Archived`.
 */
import { normaliseStatusToken } from './attempt-status';

export const CAMPAIGN_STATUSES = [
  'Created',
  'InProgress',
  'Paused',
  'Completed',
  'Failed',
  'Canceled',
  'Deleted',
  'Archived',
] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export const TERMINAL_CAMPAIGN_STATUSES: readonly CampaignStatus[] = [
  'Completed',
  'Failed',
  'Canceled',
  'Deleted',
  'Archived',
];
export const NON_TERMINAL_CAMPAIGN_STATUSES: readonly CampaignStatus[] = CAMPAIGN_STATUSES.filter(
  (s) => !TERMINAL_CAMPAIGN_STATUSES.includes(s),
);

/** True once a campaign can never change again (SPEC §4.1 "Terminal"). */
export function isTerminal(status: CampaignStatus): boolean {
  return TERMINAL_CAMPAIGN_STATUSES.includes(status);
}

const BY_TOKEN = new Map<string, CampaignStatus>([
  ...CAMPAIGN_STATUSES.map((s) => [normaliseStatusToken(s), s] as const),
  // British spelling, which Exotel's own texts use now and then.
  ['cancelled', 'Canceled'],
]);

/** `in-progress`, `InProgress`, `in_progress` → `InProgress`; null for anything that is not a status. */
export function parseCampaignStatus(token: string): CampaignStatus | null {
  return BY_TOKEN.get(normaliseStatusToken(token)) ?? null;
}

/** True when `value` is one of the stored PascalCase status values. */
export function isCampaignStatus(value: string): value is CampaignStatus {
  return (CAMPAIGN_STATUSES as readonly string[]).includes(value);
}

export type StatusFilterResult = { ok: true; statuses: CampaignStatus[] } | { ok: false; invalid: string };

/**
 * Parses a `status` filter (comma list, any casing). Empty entries are skipped; the first entry that
 * names no status is returned as `invalid` so the caller can name it.
 */
export function parseCampaignStatusFilter(csv: string): StatusFilterResult {
  const statuses: CampaignStatus[] = [];
  for (const part of csv.split(',')) {
    const token = part.trim();
    if (token === '') continue;
    const status = parseCampaignStatus(token);
    if (!status) return { ok: false, invalid: token };
    if (!statuses.includes(status)) statuses.push(status);
  }
  return { ok: true, statuses };
}
