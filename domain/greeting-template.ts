/**
 * SPEC §3 `read_via_text` templating: `@@column` (case-sensitive, the longest `[A-Za-z0-9_]` run starting with a letter
 * or `_`) is replaced per contact by a standard or extra column; a missing value renders empty, and a lone `@@` or
 * `@@9` is plain text.
 */
import { isStandardColumn } from './contact-csv';

const TOKEN = /@@([A-Za-z_][A-Za-z0-9_]*)/g;

/** The distinct column names the text's `@@tokens` refer to, in order of first use. */
export function templateTokens(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TOKEN)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** Replaces every `@@column` token with `vars[column]` (empty string when missing or null). */
export function renderGreeting(
  text: string,
  vars: Readonly<Record<string, string | null | undefined>> | null | undefined,
): string {
  return text.replace(TOKEN, (_, name: string) => (vars && Object.hasOwn(vars, name) ? (vars[name] ?? '') : ''));
}

/**
 * SPEC §3: in a dynamic campaign every token must name a standard column or one of the list's
 * columns. Returns the first token that does not, or null.
 */
export function unknownTemplateToken(text: string, listColumns: readonly string[]): string | null {
  return templateTokens(text).find((t) => !isStandardColumn(t) && !listColumns.includes(t)) ?? null;
}

/** SPEC §7: a greeting read to a callee is at most this many characters. */
export const GREETING_MAX_CHARS = 4000;

/**
 * SPEC §3/§7: the greeting one attempt reads. A dynamic campaign's `@@column` tokens are replaced
 * with the contact's values from the campaign's snapshot; a static campaign's text is read as
 * written. At most `GREETING_MAX_CHARS` code points (a multi-byte character is never cut in half).
 * Null when the campaign has no greeting (a flow campaign).
 */
export function greetingText(
  campaign: { readViaText: string | null; campaignType: string },
  vars: Readonly<Record<string, string | null | undefined>> | null | undefined,
): string | null {
  if (campaign.readViaText === null) return null;
  const text = campaign.campaignType === 'dynamic' ? renderGreeting(campaign.readViaText, vars) : campaign.readViaText;
  return Array.from(text).slice(0, GREETING_MAX_CHARS).join('');
}
