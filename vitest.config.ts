import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000, // a file's service start under load (two forks, Chromium, PGlite initdb) has taken over 60 s
    // Two cores: files run in parallel worker processes, tests inside a file run in order.
    pool: 'forks',
    // isolate: false — a fork runs its files one after another in one module graph instead of re-importing the whole
    // service (through vite-node) for every file: collect time fell from 205 s to 21 s summed, the suite from about
    // 670 s to 480 s. Files must then not lean on module state another file left behind, which is what independent
    // tests need anyway (the suite also passes shuffled).
    poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } },
    globalSetup: ['test/support/global-setup.ts'],
    // The default output, then each file's time against the budget (20 s per file and backend, 6 minutes a run):
    // a warning, not a failure, because timings on a shared 2-core machine vary (see the reporter's header).
    reporters: ['default', ['./test/support/budget-reporter.ts', { fileBudgetSeconds: 20, totalBudgetSeconds: 360 }]],
  },
});
