/**
 * Debian's Chromium (`apt-get install -y chromium`), driven by playwright-core: never a downloaded
 * browser. Each launch gets a fresh profile directory and the flags a sandboxed, offline CI needs.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium binary, or null when none is installed. */
export function findChromium(): string | null {
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh `--user-data-dir` for one browser. */
export function freshProfileDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'outcall-chromium-'));
}
