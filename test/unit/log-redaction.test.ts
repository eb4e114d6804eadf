/** SPEC §6.3 "URL userinfo is never logged": the redaction rules and the root logger that applies them. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger, forwardTemporalEntry } from '../../bin/logger';
import { redactSecretFields, redactText, redactUrlUserinfo } from '../../domain/log-redaction';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('§6.3 redaction rules', () => {
  it('replaces the userinfo of every URL in a text, up to its last @', () => {
    expect(redactUrlUserinfo('POST http://user:s3cretpw@hooks.example.com/x failed')).toBe(
      'POST http://[redacted]@hooks.example.com/x failed',
    );
    expect(redactUrlUserinfo('https://a@b:c@host:8080/p and ftp://x@y/')).toBe(
      'https://[redacted]@host:8080/p and ftp://[redacted]@y/',
    );
    expect(redactUrlUserinfo('mail a@b.com, see http://host/path@x')).toBe('mail a@b.com, see http://host/path@x');
  });

  it('redacts secret query parameters: attempt tokens and the greeting CustomField', () => {
    expect(redactText('/carriers/exotel/status?token=1_abc&x=1')).toBe('/carriers/exotel/status?token=[redacted]&x=1');
    expect(redactText('/carriers/exotel/greeting?CallSid=c1&CustomField=1_abc')).toBe(
      '/carriers/exotel/greeting?CallSid=c1&CustomField=[redacted]',
    );
  });

  it('copies log fields with secret fields replaced, at any depth, cycles cut', () => {
    const cyclic: Record<string, unknown> = { url: 'http://h/' };
    cyclic.self = cyclic;
    const err = new Error('kept as is');
    expect(
      redactSecretFields({ authorization: 'Basic eHh4', nested: [{ api_token: 't', ok: 1 }], cyclic, err }),
    ).toEqual({
      authorization: '[redacted]',
      nested: [{ api_token: '[redacted]', ok: 1 }],
      cyclic: { url: 'http://h/', self: '[...]' },
      err,
    });
  });
});

describe('§6.3 the root logger never writes URL userinfo or tokens', () => {
  it('redacts fields, messages, errors, child bindings and forwarded Temporal entries', () => {
    const out = capture();
    const log = createLogger('info', { destination: out.stream });
    const url = 'http://user:s3cretpw@127.0.0.1:9/hook';
    log.warn({ url, error: `refused by the outbound URL policy: ${url}` }, 'Webhook refused');
    log.info(`Delivering to ${url}`);
    log.error({ err: new Error(`POST ${url} failed`) }, 'Webhook delivery failed');
    log.child({ callback: `${url}?token=1_0123456789abcdef0123456789abcdef` }).info('Child line');
    forwardTemporalEntry(log, {
      level: 'WARN',
      message: 'Activity failed',
      timestampNanos: 1_700_000_000_000_000_000n,
      meta: { failure: `fetch ${url}`, token: '1_0123456789abcdef0123456789abcdef' },
    });
    const text = out.text();
    expect(text.trim().split('\n')).toHaveLength(5);
    expect(text).not.toContain('s3cretpw');
    expect(text).not.toContain('0123456789abcdef0123456789abcdef');
    expect(text).toContain('http://[redacted]@127.0.0.1:9/hook');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[2]!.err).toMatchObject({ type: 'Error', message: 'POST http://[redacted]@127.0.0.1:9/hook failed' });
    expect(lines[3]!.callback).toBe('http://[redacted]@127.0.0.1:9/hook?token=[redacted]');
  });
});

describe('§6.3 the start-up banners never print a connection URL’s password', () => {
  it('interpolates DATABASE_URL and the Temporal address into printed text only through redactUrlUserinfo', () => {
    const sources = ['bin/start.ts', 'bin/stack-cluster.ts'];
    for (const file of sources) {
      const text = readFileSync(path.join(root, file), 'utf8');
      // Every `${...}` that names a connection setting, as written in the template literals.
      const uses = [...text.matchAll(/\$\{([^}]*(?:databaseUrl|temporalAddress|DATABASE_URL)[^}]*)\}/g)].map(
        (m) => m[1]!,
      );
      expect(uses.length, `${file} prints its connections`).toBeGreaterThan(0);
      for (const use of uses) expect(use, `${file}: \${${use}}`).toMatch(/^redactUrlUserinfo\(/);
    }
    expect(redactUrlUserinfo('postgres://outcall:s3cretpw@db:5432/outcall')).toBe(
      'postgres://[redacted]@db:5432/outcall',
    );
  });
});
