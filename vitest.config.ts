import { defineConfig } from 'vitest/config';

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
    ],
  },
});
