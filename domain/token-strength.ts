/**
 * SPEC §1 "Tokens are ... high-entropy secrets": a provisioned API token carries at least 128 bits, estimated from its
 * length and the smallest common alphabet holding its characters (`openssl rand -hex 16` passes); fewer than 8 distinct
 * characters is weak whatever the length.
 */

export const MIN_TOKEN_BITS = 128;
const MIN_DISTINCT = 8;

const ALPHABETS: Array<[RegExp, number]> = [
  [/^[0-9]*$/, 10],
  [/^[0-9a-f]*$/, 16],
  [/^[0-9A-F]*$/, 16],
  [/^[0-9a-z]*$/, 36],
  [/^[0-9A-Z]*$/, 36],
  [/^[0-9A-Za-z]*$/, 62],
  [/^[0-9A-Za-z+/=_-]*$/, 64],
];

/** Estimated bits of entropy of `token` (0 when it has fewer than 8 distinct characters). */
export function tokenBits(token: string): number {
  const chars = Array.from(token);
  if (new Set(chars).size < MIN_DISTINCT) return 0;
  const alphabet = ALPHABETS.find(([re]) => re.test(token))?.[1] ?? 95;
  return Math.floor(chars.length * Math.log2(alphabet));
}

/** Why `token` is too weak to provision, or null when it carries at least 128 bits. */
export function weakTokenReason(token: string): string | null {
  const bits = tokenBits(token);
  if (bits >= MIN_TOKEN_BITS) return null;
  return (
    `must carry at least ${MIN_TOKEN_BITS} bits (about ${bits} here): use 32 or more random hex ` +
    'characters (openssl rand -hex 16) or 22 or more random base64url characters'
  );
}
