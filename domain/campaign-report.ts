/**
 * SPEC §3 "Numbers" **(ext)** `?validation=report`: what a create would do with its numbers, creating nothing: every
 * invalid number with its reason (instead of failing on the first), and, for an account that applies its calling window
 * in each recipient's local time (SPEC §4.4), every number that would be dialled but whose zones share no instant of
 * the window (`no_window`). The other create rules still fail the request (`domain/campaign-input.ts`).
 */
import { checkContext, parseCampaignBody, type AccountSettings, type CampaignInputError } from './campaign-input';
import { toE164 } from './phone';
import { NO_WINDOW_REASON, recipientZones, windowOfZones, type WindowSettings } from './recipient-window';

export interface InvalidNumber {
  /** 1-based position in `from` (after a comma string is split). */
  position: number;
  number: string;
  reason: string;
}

/** **(ext)** SPEC §4.4: a number the campaign would hold whose zones share no instant of the window. */
export interface NoWindowNumber {
  /** 1-based position in `from` of the entry the campaign would dial. */
  position: number;
  /** E.164. */
  number: string;
  reason: typeof NO_WINDOW_REASON;
  /** The zones whose windows never meet. */
  zones: string[];
}

export interface NumberReport {
  /** Entries in `from`, counted before de-duplication. */
  total: number;
  valid: number;
  /** Numbers that would be dialled (distinct unless duplicates are allowed). */
  dialled: number;
  invalid: InvalidNumber[];
  /**
   * Numbers among `dialled` that would end `failed`, reason `no_window`, judged at `send_at` (or now);
   * only an account with `recipient_local_time` has any.
   */
  no_window: NoWindowNumber[];
}

export type NumberReportResult = { ok: true; report: NumberReport } | { ok: false; error: CampaignInputError };

/**
 * **(ext)** `?validation=report`: every invalid number with its reason, and every number that would be
 * dialled but has no calling window at `atMs` (SPEC §4.4), in `from` order.
 */
export function reportNumbers(
  entries: string[],
  defaultRegion: string,
  callDuplicateNumbers: boolean,
  window: { settings: WindowSettings; atMs: number },
): NumberReport {
  const invalid: InvalidNumber[] = [];
  const valid: Array<{ position: number; e164: string }> = [];
  for (const [i, raw] of entries.entries()) {
    const r = toE164(raw, defaultRegion);
    if (r.ok) valid.push({ position: i + 1, e164: r.e164 });
    else invalid.push({ position: i + 1, number: raw, reason: r.reason });
  }
  const seen = new Set<string>();
  const dialled = valid.filter(({ e164 }) => {
    if (callDuplicateNumbers) return true;
    if (seen.has(e164)) return false;
    seen.add(e164);
    return true;
  });
  return {
    total: entries.length,
    valid: valid.length,
    dialled: dialled.length,
    invalid,
    no_window: window.settings.recipientLocalTime ? numbersWithoutWindow(dialled, window.settings, window.atMs) : [],
  };
}

/** The numbers whose zones share no instant of the window from `atMs` on; judged once per country. */
function numbersWithoutWindow(
  numbers: Array<{ position: number; e164: string }>,
  settings: WindowSettings,
  atMs: number,
): NoWindowNumber[] {
  const noWindow = new Map<string, boolean>();
  const out: NoWindowNumber[] = [];
  for (const { position, e164 } of numbers) {
    // Inline numbers carry no contact columns, so the zones follow from the number alone.
    const zones = recipientZones(settings, e164, null);
    const key = zones.zones.join(' ');
    let none = noWindow.get(key);
    if (none === undefined) {
      none = windowOfZones(settings, zones, atMs).kind === 'none';
      noWindow.set(key, none);
    }
    if (none) out.push({ position, number: e164, reason: NO_WINDOW_REASON, zones: zones.zones });
  }
  return out;
}

/**
 * **(ext)** `?validation=report`: the same rules as `prepareCampaign`, except that invalid numbers are
 * collected instead of failing the request, and numbers without a calling window (SPEC §4.4, judged
 * at `send_at` or now) are listed. Creates nothing; other broken rules still fail.
 */
export function reportCampaign(
  raw: unknown,
  account: AccountSettings,
  now: Date,
  window: WindowSettings,
): NumberReportResult {
  const parsed = parseCampaignBody(raw);
  if (!parsed.ok) return parsed;
  const context = checkContext(parsed.body, account, now);
  if (!context.ok) return context;
  const atMs = (context.sendAt ?? now).getTime();
  return {
    ok: true,
    report: reportNumbers(parsed.body.from ?? [], account.defaultRegion, parsed.body.call_duplicate_numbers, {
      settings: window,
      atMs,
    }),
  };
}
