import { describe, expect, it } from 'vitest';
import { orderedSids } from '../../domain/ordered-sids';

describe('§1 ids for bulk inserts: orderedSids', () => {
  it('makes 32-hex sids in increasing order, across calls and past 65,536 in one millisecond', () => {
    const a = orderedSids(70_000);
    const b = orderedSids(3);
    const all = [...a, ...b];
    expect(all.every((s) => /^[0-9a-f]{32}$/.test(s))).toBe(true);
    expect(all.every((s, i) => i === 0 || all[i - 1]! < s)).toBe(true);
    expect(new Set(all).size).toBe(all.length);
  });

  it('keeps 64 random bits in each sid', () => {
    const tails = new Set(orderedSids(1000).map((s) => s.slice(16)));
    expect(tails.size).toBe(1000);
  });
});
