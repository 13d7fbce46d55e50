// npm run mutate [-- stryker options, e.g. --mutate src/platform/leases.ts]: Stryker over the guard modules
// (stryker.config.mjs), then drops the PostgreSQL databases its test runs kept (ofc_mutate_*, see
// test/support/kept-for-mutation.ts), whether the run passed or not.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const stryker = fileURLToPath(new URL('../node_modules/@stryker-mutator/core/bin/stryker.js', import.meta.url));
const result = spawnSync(process.execPath, [stryker, 'run', ...process.argv.slice(2)], { stdio: 'inherit' });

const adminUrl = process.env.OFCONNECT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const client = new pg.Client({ connectionString: adminUrl });
try {
  await client.connect();
  const { rows } = await client.query("select datname from pg_database where datname like 'ofc\\_mutate\\_%'");
  for (const { datname } of rows) await client.query(`drop database if exists "${datname}" with (force)`);
} catch (error) {
  console.error(`could not drop the mutation run's databases: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await client.end().catch(() => {});
}
process.exit(result.status ?? 1);
