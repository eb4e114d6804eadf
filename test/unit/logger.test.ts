import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  campaignIdOf,
  createLogger,
  forwardTemporalEntry,
  prettyStream,
  resolveLogFormat,
  temporalLevel,
} from '../../bin/logger';

function captureText(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

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

  it('is pretty only on a terminal outside production, JSON otherwise, unless LOG_FORMAT says', () => {
    expect(resolveLogFormat('auto', { isTTY: true, production: false })).toBe('pretty');
    expect(resolveLogFormat('auto', { isTTY: false, production: false })).toBe('json');
    expect(resolveLogFormat('auto', { isTTY: true, production: true })).toBe('json');
    expect(resolveLogFormat('json', { isTTY: true, production: false })).toBe('json');
    expect(resolveLogFormat('pretty', { isTTY: false, production: true })).toBe('pretty');
  });

  it('finds the campaign id in an id field or in a Temporal workflow id', () => {
    const id = 'a'.repeat(32);
    expect(campaignIdOf({ campaignId: id })).toBe(id);
    expect(campaignIdOf({ campaign_sid: id })).toBe(id);
    expect(campaignIdOf({ workflowId: `campaign/${id}/number/3` })).toBe(id);
    expect(campaignIdOf({ workflowId: 'other' })).toBeNull();
  });

  it('prints a pretty event as one line: time, level, campaign id first, message, then the other fields', () => {
    const out = captureText();
    const log = createLogger('info', {
      format: 'pretty',
      destination: prettyStream({ colorize: false, destination: out.stream }),
    });
    const id = 'b'.repeat(32);
    log.info({ campaignId: id, position: 3, status: 'busy' }, 'Number settled');
    log.warn({ url: 'https://example.com/hook' }, 'Webhook delivery failed');
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: ${id} Number settled \\{`));
    expect(lines[0]).toContain('"position":3');
    expect(lines[0]).not.toContain('campaignId');
    expect(lines[1]).toMatch(/WARN: Webhook delivery failed \{"url":"https:\/\/example.com\/hook"\}$/);
  });

  it('leaves the Temporal SDK’s plumbing out of pretty lines, and finds the campaign of a request', () => {
    const out = captureText();
    const log = createLogger('info', {
      format: 'pretty',
      destination: prettyStream({ colorize: false, destination: out.stream }),
    });
    const id = 'd'.repeat(32);
    forwardTemporalEntry(log.child({ component: 'temporal' }), {
      level: 'INFO',
      message: 'Dial request classified',
      timestampNanos: 1_700_000_000_000_000_000n,
      meta: {
        sdkComponent: 'activity',
        taskQueue: 'outcall-dial',
        isLocal: false,
        attempt: 1,
        namespace: 'default',
        taskToken: 'CiQwMWEyM2Q4Ni0yMDlkLTdkZjMtYjMwNy1mZjBlYzBiNmZlOTk',
        activityId: '2',
        activityType: 'dialAttempt',
        workflowId: `campaign/${id}/number/0`,
        workflowRunId: '01a23d86-d890-797f-9a24-fc26386852c3',
        workflowType: 'numberWorkflow',
        result: 'accepted',
      },
    });
    log.info({ method: 'GET', path: `/v2/accounts/demo/campaigns/${id}/call-details`, status: 200 }, 'Request handled');
    const [dial, request] = out.text().trimEnd().split('\n');
    expect(dial).toMatch(new RegExp(`INFO: ${id} Dial request classified \\{`));
    for (const noise of ['taskToken', 'CiQw', 'workflowRunId', 'namespace', 'isLocal', 'sdk_time', 'activityId'])
      expect(dial, noise).not.toContain(noise);
    for (const kept of ['"activityType":"dialAttempt"', `"workflowId":"campaign/${id}/number/0"`, '"attempt":1'])
      expect(dial).toContain(kept);
    expect(request).toMatch(new RegExp(`INFO: ${id} Request handled `));
  });

  it('colours the pretty output for a terminal', () => {
    const out = captureText();
    const log = createLogger('info', {
      format: 'pretty',
      destination: prettyStream({ colorize: true, destination: out.stream }),
    });
    log.error({ campaignId: 'c'.repeat(32) }, 'Campaign failed');
    expect(out.text()).toMatch(/\x1b\[3\dm/);
  });
});
