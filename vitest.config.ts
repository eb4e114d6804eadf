import { defineConfig } from 'vitest/config';
import { findChromium } from './test/support/browser.ts';

// The dashboard's browser test runs wherever Debian's Chromium is installed; CI always installs it.
const chromium = findChromium();
if (!chromium && process.env.CI === 'true')
  throw new Error('CI runs the dashboard in Chromium: apt-get install -y chromium (.ci/run does it)');

/**
 * Three layers (STYLE G14): unit (pure, no I/O), workflows (time-skipping test server) and replay of
 * recorded histories, integration (dev server + PostgreSQL + HTTP). Process pool `forks`: the Temporal SDK's native
 * module does not mix with worker threads.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'workflows', include: ['test/workflows/**/*.test.ts'] } },
      // STYLE G16: recorded histories replay on the current workflow code (no server needed).
      { extends: true, test: { name: 'replay', include: ['test/replay/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/api/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/activities/**/*.test.ts'],
          testTimeout: 600_000,
        },
      },
      // SPEC §9: the dashboard in a real browser (test/browser/), with the integration suite's stack.
      ...(chromium
        ? [
            {
              extends: true as const,
              test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 300_000 },
            },
          ]
        : []),
    ],
  },
});
