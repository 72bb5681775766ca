import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code; integration tests run real servers on port 0.
// Browser e2e tests have their own config (vitest.e2e.config.ts).
export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'server/**/*.test.ts', 'src/lib/**/*.test.ts', 'tests/integration/**/*.test.ts', 'models/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // 2-core machine: keep parallelism modest so servers under test are not starved.
    maxWorkers: 2,
  },
});
