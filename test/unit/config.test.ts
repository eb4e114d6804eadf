import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig } from '../../bin/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Variable names of .env.example: `NAME=` lines, set or commented out (`# NAME=`). */
function envExampleNames(): string[] {
  const text = readFileSync(path.join(root, '.env.example'), 'utf8');
  return [...text.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
}

describe('G12 configuration', () => {
  it('.env.example names exactly the variables of the config schema, once each', () => {
    const names = envExampleNames();
    expect(new Set(names).size, `duplicates in .env.example: ${names.join(', ')}`).toBe(names.length);
    expect([...names].sort()).toEqual(Object.keys(configSchema.shape).sort());
  });

  it('.env.example parses as a valid configuration', () => {
    const text = readFileSync(path.join(root, '.env.example'), 'utf8');
    const env = Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(() => loadConfig(env, false)).not.toThrow();
  });

  it("reads booleans strictly: 'false' and '0' are false, 'true' and '1' are true", () => {
    for (const [text, value] of [
      ['false', false],
      ['0', false],
      ['true', true],
      ['1', true],
    ] as const) {
      const c = loadConfig(
        { TEMPORAL_TLS: text, OUTCALL_SIMULATOR: text, OUTCALL_ALLOW_LOOPBACK_WEBHOOKS: text },
        false,
      );
      expect([c.TEMPORAL_TLS, c.OUTCALL_SIMULATOR, c.OUTCALL_ALLOW_LOOPBACK_WEBHOOKS], text).toEqual([
        value,
        value,
        value,
      ]);
    }
  });

  it('rejects a boolean that is neither, naming the variable', () => {
    expect(() => loadConfig({ TEMPORAL_TLS: 'yes' }, false)).toThrow(/TEMPORAL_TLS/);
  });

  it('applies local defaults and derives the public URL from PORT', () => {
    const c = loadConfig({ PORT: '4000' }, false);
    expect(c).toMatchObject({
      PORT: 4000,
      OUTCALL_PUBLIC_URL: 'http://localhost:4000',
      OUTCALL_DATA_DIR: '.data',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TLS: false,
      LOG_LEVEL: 'info',
    });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.TEMPORAL_ADDRESS).toBeUndefined();
  });

  it('lists every bad variable in one error', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', OUTCALL_PUBLIC_URL: 'not a url' }, false);
    } catch (err) {
      message = (err as Error).message;
    }
    for (const name of ['PORT', 'LOG_LEVEL', 'OUTCALL_PUBLIC_URL']) expect(message).toContain(name);
  });
});
