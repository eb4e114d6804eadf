import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, forwardTemporalEntry, temporalLevel } from '../../bin/logger';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('G13 logging', () => {
  it('writes one JSON object per line with the level as a word and an ISO time', () => {
    const out = capture();
    createLogger('info', { destination: out.stream }).info({ campaignSid: 'c1' }, 'Campaign started');
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'info', msg: 'Campaign started', campaignSid: 'c1' });
    expect(String(line!.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('forwards a Temporal SDK entry with its metadata as fields and a fixed message', () => {
    const out = capture();
    const log = createLogger('debug', { destination: out.stream });
    forwardTemporalEntry(log, {
      level: 'WARN',
      message: 'Activity failed',
      timestampNanos: 1_700_000_000_000_000_000n,
      meta: { workflowId: 'campaign/abc', attempt: 2, [Symbol('internal')]: 'dropped' },
    });
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'warn', msg: 'Activity failed', workflowId: 'campaign/abc', attempt: 2 });
    expect(line!.sdk_time).toBe('2023-11-14T22:13:20.000Z');
  });

  it("maps pino levels to the SDK's, so the SDK drops what pino would", () => {
    expect(
      ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map((l) => temporalLevel(l as never)),
    ).toEqual(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'ERROR', 'ERROR']);
  });
});
