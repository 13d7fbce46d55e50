import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000, // a file's service start under load (two forks, Chromium, PGlite initdb) has taken over 60 s
    // Two cores: files run in parallel worker processes, tests inside a file run in order.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    globalSetup: ['test/support/global-setup.ts'],
    // The default output, then each file's time against the budget (20 s per file and backend, 6 minutes a run):
    // a warning, not a failure, because timings on a shared 2-core machine vary (see the reporter's header).
    reporters: ['default', ['./test/support/budget-reporter.ts', { fileBudgetSeconds: 20, totalBudgetSeconds: 360 }]],
  },
});
