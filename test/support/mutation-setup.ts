// The global setup of the mutation-test run (vitest.mutate.config.ts): a run id for this run's temp directories and
// databases, and a teardown that removes what the kept services (KEEP_TEST_SERVICES_ENV in service.ts) leave: they
// live as long as the worker, by design, so unlike the suite's teardown this one does not fail the run for it.
import { randomBytes } from 'node:crypto';
import { findAndRemoveLeaks } from './leak-check.ts';
import { TEST_RUN_ENV } from './test-run.ts';

export default function setup(): () => Promise<void> {
  const runId = randomBytes(5).toString('hex');
  process.env[TEST_RUN_ENV] = runId;
  return async function teardown() {
    await findAndRemoveLeaks(runId);
  };
}
