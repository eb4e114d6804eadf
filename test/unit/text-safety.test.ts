import { describe, expect, it } from 'vitest';
import {
  describeUnsafeString,
  findUnsafeString,
  jsonNestsDeeperThan,
  textProblem,
  withoutUnsafeText,
} from '../../domain/text-safety';

describe('§1 text PostgreSQL can store', () => {
  it('names a NUL byte and lone surrogates, and accepts paired surrogates', () => {
    expect(textProblem('a\u0000b')).toBe('a NUL byte (U+0000)');
    expect(textProblem('\ud800')).toBe('a lone surrogate (U+D800)');
    expect(textProblem('x\udfffy')).toBe('a lone surrogate (U+DFFF)');
    expect(textProblem('\ud800\ud800\udc00')).toBe('a lone surrogate (U+D800)');
    expect(textProblem('emoji \ud83d\ude00 ok')).toBeNull();
    expect(textProblem('plain')).toBeNull();
  });

  it('replaces what cannot be stored with U+FFFD', () => {
    expect(withoutUnsafeText('a\u0000b\ud800c\ud83d\ude00')).toBe('a\uFFFDb\uFFFDc\ud83d\ude00');
  });

  it('finds the first unsafe string of a JSON value by its client-style path, keys included', () => {
    expect(findUnsafeString({ campaigns: [{ name: 'ok' }, { retries: { x: ['a', 'b\u0000'] } }] })).toEqual({
      path: 'campaigns[2].retries.x[2]',
      inKey: false,
      problem: 'a NUL byte (U+0000)',
    });
    const inKey = findUnsafeString({ a: { ['k\ud800']: 1 } });
    expect(inKey).toMatchObject({ path: 'a', inKey: true });
    expect(describeUnsafeString(inKey!)).toContain('a: a field name contains a lone surrogate');
    expect(findUnsafeString({ a: [1, true, null, 'fine'] })).toBeNull();
  });

  it('walks a value nested far deeper than the stack allows without recursion', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 20_000; i++) deep = [deep];
    expect(findUnsafeString(deep)?.problem).toBe('a NUL byte (U+0000)');
  });
});

describe('§1 JSON nesting depth', () => {
  const nest = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  it('counts objects and arrays, and stops past the limit', () => {
    expect(jsonNestsDeeperThan(nest(64), 64)).toBe(false);
    expect(jsonNestsDeeperThan(nest(65), 64)).toBe(true);
    expect(jsonNestsDeeperThan(`{"a":${nest(63)}}`, 64)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":{"b":${nest(63)}}}`, 64)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(`{"a":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`, 64)).toBe(false);
  });
});
