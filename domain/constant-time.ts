/**
 * Secrets compared without leaking where they differ (SPEC §1 tokens, §6.1 report tokens, §7
 * signatures, callback tokens and carrier call sids).
 */

/** True when `a` equals `b`; the time taken depends on the lengths only, not on where they differ. */
export function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
