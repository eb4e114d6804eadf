/**
 * SPEC §1/§7: secrets (API tokens, callback tokens, carrier call sids a callback must match) are
 * compared in constant time: every code unit of the longer text is visited and differences are
 * accumulated without an early exit, so the time depends on the lengths only (the presented one,
 * which its sender knows, and the secret's, which its format states), never on where they differ.
 * Pure, like Twilio's own `scmp`.
 */

/** True when `a` and `b` are the same text, compared in constant time. */
export function sameSecret(a: string, b: string): boolean {
  const n = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}
