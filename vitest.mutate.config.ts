// The test run Stryker mutates against (npm run mutate): only the tests that exercise the guard modules, in-process
// (a mutant lives in the worker's module graph, so tests that spawn `ofconnect` could not see it; no dist/ build),
// on PostgreSQL: a fresh database there takes about half a second against half a minute for PGlite's start on this
// two-core machine, and Stryker reruns a test file's set-up for every mutant it checks.
import { defineConfig } from 'vitest/config';

// The existing service-level files (api-keys, access/errors) also cover these modules but rerun slow set-ups (peer
// nodes, fault injection with real waits) for each mutant; the files below state each guard's rules directly, and
// none starts a service: the database guards run on a bare migrated database (test/support/guard-context.ts), so a
// mutant costs a few seconds (vitest recycles its worker between Stryker's runs, so a set-up is paid per mutant).
export const MUTATION_TEST_FILES = [
  // authentication and scopes
  'test/account/key-guard.test.ts',
  'test/account/authenticate-guard.test.ts',
  // access pipeline, connection snapshots, connection store scoping, the session vault
  'test/access/connection-guard.test.ts',
  // leases
  'test/platform/leases.test.ts',
  'test/platform/leases-fencing.test.ts',
  // vault and rotation
  'test/platform/vault-envelope.test.ts',
  'test/connections/vault-rotation-blobs.test.ts',
  // webhook signing and the outbound address policy
  'test/webhooks/signing.test.ts',
  'test/webhooks/signing-and-url-policy.test.ts',
  // Link form CSRF
  'test/link/form-csrf.test.ts',
];

export default defineConfig({
  test: {
    // MUTATE_TESTS=a.test.ts,b.test.ts narrows the set for a narrowed run (`npm run mutate -- --mutate …`).
    include: process.env.MUTATE_TESTS ? process.env.MUTATE_TESTS.split(',') : MUTATION_TEST_FILES,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { OFCONNECT_TEST_BACKENDS: process.env.OFCONNECT_TEST_BACKENDS ?? 'postgres' },
  },
});
