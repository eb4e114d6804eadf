import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: Outcall on the production engine (the real Temporal server on PostgreSQL,
 * bin/temporal-cluster.ts), apart from `npm test` because it needs the server built from its Go module:
 * the first run builds it into `.tools/` (about 6 minutes), later runs reuse it. No global setup:
 * the test starts its own PostgreSQL and Temporal.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/cluster/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 1_200_000,
  },
});
