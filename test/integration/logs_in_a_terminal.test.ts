/**
 * SPEC §8 logs a person can read: a process whose stdout is a terminal (a real pseudo-terminal, from
 * util-linux `script`) prints one coloured line per event, the campaign id first; through a pipe, and
 * on a terminal with NODE_ENV=production, it prints JSON lines.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ID = 'f'.repeat(32);
const SCRIPT = ['--import', 'tsx', 'test/support/log-one-event.ts', ID];

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm', ...extra };
}

/** Runs the logging script with its stdout on a pseudo-terminal; returns what the terminal showed. */
function onTerminal(extra: Record<string, string> = {}): string {
  const command = [process.execPath, ...SCRIPT].map((w) => `'${w}'`).join(' ');
  const r = spawnSync('script', ['-qfec', command, '/dev/null'], { cwd: root, env: env(extra), encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('§8 logs in a terminal', () => {
  it('prints one coloured line per event on a terminal, the campaign id first', () => {
    const out = onTerminal();
    expect(out).toMatch(/\x1b\[3\dm/);
    const lines = out
      .replace(/\x1b\[[0-9;]*m/g, '')
      .trim()
      .split(/\r?\n/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: ${ID} Number settled \\{`));
    expect(lines[0]).toContain('"status":"busy"');
  });

  it('prints JSON lines through a pipe, and on a terminal in production', () => {
    const piped = spawnSync(process.execPath, SCRIPT, { cwd: root, env: env(), encoding: 'utf8' });
    expect(piped.status, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ level: 'info', msg: 'Number settled', campaignId: ID });
    const production = onTerminal({ NODE_ENV: 'production' }).trim();
    expect(JSON.parse(production)).toMatchObject({ level: 'info', msg: 'Number settled', campaignId: ID });
  });
});
