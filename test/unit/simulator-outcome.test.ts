import { describe, expect, it } from 'vitest';
import { simulatedOutcome, simulatedTiming } from '../../simulator/outcome';

describe('§7 simulator outcomes', () => {
  const table: Array<[string, string, string]> = [
    ['0', 'completed', 'completed'],
    ['1', 'completed', 'completed'],
    ['2', 'completed', 'completed'],
    ['3', 'completed', 'completed'],
    ['4', 'completed', 'completed'],
    ['5', 'completed', 'completed'],
    ['6', 'busy', 'busy'],
    ['7', 'no-answer', 'no-answer'],
    ['8', 'failed', 'failed'],
    ['9', 'busy', 'completed'],
  ];
  it.each(table)('a number ending in %s gives %s on attempt 1 and %s on attempt 2', (digit, first, second) => {
    const number = `+9198765432${digit === '0' ? '10' : `1${digit}`}`;
    expect(simulatedOutcome(number, 1)).toBe(first);
    expect(simulatedOutcome(number, 2)).toBe(second);
  });

  it('keeps completing a 9-number on attempts after the second', () => {
    expect(simulatedOutcome('+919876543219', 3)).toBe('completed');
    expect(simulatedOutcome('+919876543219', 4)).toBe('completed');
  });

  it('refuses a number ending in 000 on every attempt', () => {
    expect(simulatedOutcome('+919876543000', 1)).toBe('refused');
    expect(simulatedOutcome('+919876543000', 2)).toBe('refused');
  });

  it('does not refuse numbers ending in 00 or 0', () => {
    expect(simulatedOutcome('+919876543100', 1)).toBe('completed');
    expect(simulatedOutcome('+919876543210', 1)).toBe('completed');
  });

  it('reads only digits (landline formatting) and refuses a number without any', () => {
    expect(simulatedOutcome('0XX-XXX-2406', 1)).toBe('busy');
    expect(simulatedOutcome('abc', 1)).toBe('refused');
  });

  it('times a completed call as ring then talk, others as ring only', () => {
    expect(simulatedTiming('completed', 1000, 2000)).toEqual({ answerAfterMs: 1000, endAfterMs: 3000, durationS: 2 });
    expect(simulatedTiming('completed', 1000, 1499)).toMatchObject({ durationS: 1 });
    expect(simulatedTiming('busy', 1000, 2000)).toEqual({ answerAfterMs: null, endAfterMs: 1000, durationS: 0 });
  });
});
