// Mutation testing of the guard modules (npm run mutate; narrow with `npm run mutate -- --mutate src/platform/leases.ts`).
// Reports: reports/mutation/index.html and mutation.json. See vitest.mutate.config.ts for the tests it runs.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  coverageAnalysis: 'perTest',
  // Two cores shared with everything else on the machine.
  concurrency: 1,
  // Mutants in code that runs at import (constant tables) would need every test rerun in a fresh module graph for
  // each; the tables they build are asserted through the functions that read them.
  ignoreStatic: true,
  mutate: [
    // authentication and scopes
    'src/account/authenticate.ts',
    'src/account/scopes.ts',
    'src/account/permissions.ts',
    'src/account/api-keys.ts',
    // access pipeline and connection permissions
    'src/access/access-pipeline.ts',
    'src/access/connection-snapshots.ts',
    // connection store scoping
    'src/connections/store.ts',
    // leases
    'src/platform/leases.ts',
    // vault and rotation
    'src/platform/vault.ts',
    'src/vault-rotation.ts:24-48',
    'src/connections/vault-rotation.ts',
    'src/connections/session-vault.ts',
    // webhook signing and URL policy (the address policy part of outbound.ts)
    'src/webhooks/signing.ts',
    'src/webhooks/url-policy.ts',
    'src/platform/outbound.ts:1-199',
    // Link form CSRF: the token and the same-origin check of loadScopeForPost / isSameOriginPost
    'src/link/pages/csrf.ts',
    'src/link/pages/routes.ts:218-259',
  ],
  ignorePatterns: ['dist', '.dist-*', 'test-results', 'reports', '.ofconnect', 'bench', 'examples', 'docs'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  timeoutMS: 20_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 85, low: 70, break: null },
};
