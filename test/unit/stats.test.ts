import { describe, expect, it } from 'vitest';
import { statsFrom } from '../../domain/stats';

describe('§4.9 stats [C-14]', () => {
  it('counts numbers by status and keeps the invariant', () => {
    const s = statsFrom([
      { status: 'pending', lastStatus: null, count: 3 },
      { status: 'in-progress', lastStatus: null, count: 2 },
      { status: 'retry', lastStatus: 'busy', count: 1 },
      { status: 'completed', lastStatus: 'completed', count: 4 },
      { status: 'failed', lastStatus: 'busy', count: 2 },
      { status: 'failed', lastStatus: 'no-answer', count: 1 },
      { status: 'failed', lastStatus: 'failed', count: 1 },
      { status: 'canceled', lastStatus: null, count: 1 },
      { status: 'suppressed', lastStatus: null, count: 1 },
    ]);
    expect(s).toEqual({
      created: 16,
      pending: 3,
      'in-progress': 2,
      in_progress: 2,
      retry: 1,
      completed: 4,
      failed: 4,
      canceled: 1,
      suppressed: 1,
      busy: 2,
      no_answer: 1,
    });
    expect(s.created).toBe(s.pending + s['in-progress'] + s.retry + s.completed + s.failed + s.canceled + s.suppressed);
  });

  it('counts busy and no_answer only among failed numbers', () => {
    const s = statsFrom([{ status: 'retry', lastStatus: 'busy', count: 5 }]);
    expect(s.busy).toBe(0);
  });

  it('accepts counts that arrive as strings from the database', () => {
    expect(statsFrom([{ status: 'pending', lastStatus: null, count: '7' as unknown as number }]).created).toBe(7);
  });

  it('refuses an unknown status rather than miscount', () => {
    expect(() => statsFrom([{ status: 'weird', lastStatus: null, count: 1 }])).toThrow(/unknown number status/);
  });

  it('is all zeros for a campaign without numbers', () => {
    expect(Object.values(statsFrom([])).every((v) => v === 0)).toBe(true);
  });
});
