/**
 * SPEC §1 ids (32 lowercase hex) for bulk inserts: `n` new sids in increasing order, also after every sid this process
 * made this way before — 12 hex of the millisecond, 4 of a counter, 16 from the platform's CSPRNG. A bulk insert of
 * them lands at the right edge of the primary-key index instead of on random pages (docs/architecture.md "Contacts,
 * lists and the CSV import"). Not for workflow code (it reads the clock).
 */
/** `getRandomValues` fills at most 65,536 bytes a call. */
const RANDOM_WORDS_PER_CALL = 65_536 / 4;
let last = { ms: 0, count: 0 };

const hex8 = (x: number) => x.toString(16).padStart(8, '0');

export function orderedSids(n: number): string[] {
  const now = Date.now();
  if (now > last.ms) last = { ms: now, count: 0 };
  const random = new Uint32Array(2 * n);
  for (let at = 0; at < random.length; at += RANDOM_WORDS_PER_CALL)
    globalThis.crypto.getRandomValues(random.subarray(at, at + RANDOM_WORDS_PER_CALL));
  const out = new Array<string>(n);
  let prefix = '';
  for (let i = 0; i < n; i++) {
    if (last.count > 0xffff) last = { ms: last.ms + 1, count: 0 };
    if (i === 0 || last.count === 0) prefix = last.ms.toString(16).padStart(12, '0');
    out[i] = prefix + (last.count++).toString(16).padStart(4, '0') + hex8(random[2 * i]!) + hex8(random[2 * i + 1]!);
  }
  return out;
}
