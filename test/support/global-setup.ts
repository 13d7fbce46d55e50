// Runs once around the suite. Before: builds dist/ so every test that spawns `ofconnect` runs the same compiled code
// a user's `npm start` runs (the bin falls back to the TypeScript sources only when dist/ is stale), creates the
// migrated embedded database every PGlite test copies (pglite-template.ts), and mints the
// run id that marks this run's processes, temp directories and databases (test-run.ts). After: fails the run if
// any of them is left behind (leak-check.ts).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findAndRemoveLeaks } from './leak-check.ts';
import { makeRunTempDir, removeTempDir, TEST_RUN_ENV } from './test-run.ts';
import { createPgliteTemplate, PGLITE_TEMPLATE_ENV } from './pglite-template.ts';

export default async function setup(): Promise<() => Promise<void>> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  const runId = randomBytes(5).toString('hex');
  // The vitest workers are forked after this, so they inherit it.
  process.env[TEST_RUN_ENV] = runId;
  // Everything the run writes to "the temp directory" lands in one directory of its own: the tests' own temp
  // directories, and those the service, the simulator and Chromium make themselves, which carry no run id (say a
  // simulator's upload directory), so the end-of-run check sees them too.
  const runTemp = makeRunTempDir(runId);
  process.env.TMPDIR = runTemp;
  const pgliteTemplate = await createPgliteTemplate(runId);
  process.env[PGLITE_TEMPLATE_ENV] = pgliteTemplate;
  return async function teardown() {
    removeTempDir(pgliteTemplate);
    const findings = await findAndRemoveLeaks(runId, { runTemp });
    if (findings.length === 0) return;
    throw new Error(`the test run left ${findings.length} thing(s) behind (now removed):\n  ${findings.join('\n  ')}`);
  };
}
