// Under Stryker (`npm run mutate`) every mutant reruns a test file's set-up; a service start costs tens of seconds
// on a loaded machine. There, a file's service or database is made once per test-runner worker and kept for the
// runs after it (mutants switch at run time, so one service serves them all; each test still makes its own org and
// data). Outside Stryker these are plain startTestService / createTestDatabase. Kept databases are named
// ofc_mutate_* so scripts/mutate.mjs can drop them when the run ends.
import { openDatabase } from '../../src/platform/db/database.ts';
import { createPostgresDatabaseUrl, createTestDatabase, POSTGRES_ADMIN_URL, type Backend, type TestDatabase } from './databases.ts';
import { startTestService, type TestService, type TestServiceOptions } from './service.ts';

export const MUTATION_DATABASE_PREFIX = 'ofc_mutate';

const isMutationRun = process.env.STRYKER_MUTATOR_WORKER !== undefined;
const registry = globalThis as typeof globalThis & { __ofconnectKeptForMutation?: Map<string, Promise<unknown>> };
const kept = (registry.__ofconnectKeptForMutation ??= new Map<string, Promise<unknown>>());

async function mutationDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === 'pglite') return createTestDatabase(backend);
  const created = await createPostgresDatabaseUrl(POSTGRES_ADMIN_URL, MUTATION_DATABASE_PREFIX);
  const handle = await openDatabase({ databaseUrl: created.url, dataDir: null, poolSize: 5 });
  return {
    backend,
    handle,
    url: created.url,
    drop: async () => {
      await handle.close();
      await created.drop();
    },
  };
}

function keep<T>(key: string, make: () => Promise<T>): Promise<T> {
  let made = kept.get(key) as Promise<T> | undefined;
  if (!made) {
    made = make();
    kept.set(key, made);
    made.catch(() => kept.delete(key));
  }
  return made;
}

/** startTestService, kept across mutant runs under Stryker (its close() then keeps it). `name`: the test file's. */
export async function startKeptTestService(name: string, backend: Backend, options: TestServiceOptions = {}): Promise<TestService> {
  if (!isMutationRun) return startTestService(backend, options);
  const service = await keep(`service:${name}:${backend}`, async () => startTestService(backend, { ...options, database: await mutationDatabase(backend) }));
  return Object.create(service, { close: { value: async () => {} } }) as TestService;
}

/** createTestDatabase, kept across mutant runs under Stryker (its drop() then keeps it). */
export async function createKeptTestDatabase(name: string, backend: Backend): Promise<TestDatabase> {
  if (!isMutationRun) return createTestDatabase(backend);
  const database = await keep(`database:${name}:${backend}`, () => mutationDatabase(backend));
  return { ...database, drop: async () => {} };
}
