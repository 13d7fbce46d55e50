// The service's shared parts (ServiceContext) over a fresh, migrated test database, without starting the service:
// for tests that call a guard module directly. No HTTP server, no simulator, no workers, so a file's set-up costs a
// database (about half a second on PostgreSQL) instead of a service start — what `npm run mutate` pays per mutant.
import { loadConfig, type ConfigOverrides } from '../../src/platform/config.ts';
import { systemClock } from '../../src/platform/clock.ts';
import type { ServiceContext } from '../../src/platform/context.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { createRateLimiters } from '../../src/platform/rate-limits.ts';
import { tracingOff } from '../../src/platform/tracing.ts';
import { createVault, generateVaultKeySpec, parseVaultKeys } from '../../src/platform/vault.ts';
import { createUpstreamEnvironments } from '../../src/upstream/environments.ts';
import { releaseAll } from './cleanup.ts';
import { createTestDatabase, type Backend, type TestDatabase } from './databases.ts';

export interface GuardContext {
  ctx: ServiceContext;
  database: TestDatabase;
  /** Closes the rate limiters and upstream clients and drops the database. */
  close(): Promise<void>;
}

/**
 * A context like the service builds (its own metrics registry, in-memory rate limiters, one vault key, no sandbox
 * or live upstream configured: an upstream call fails with UPSTREAM_UNAVAILABLE) on a fresh database of `backend`.
 */
export async function createGuardContext(backend: Backend, config: ConfigOverrides = {}): Promise<GuardContext> {
  const database = await createTestDatabase(backend);
  try {
    // A fresh PostgreSQL database is empty; the PGlite copy is migrated already (migrate() then has nothing to do).
    await database.handle.migrate();
  } catch (error) {
    await database.drop();
    throw error;
  }
  const resolved = loadConfig({ vaultKeys: generateVaultKeySpec('test1'), logLevel: 'silent', ...config }, {});
  const logger = createLogger('silent');
  const upstreams = createUpstreamEnvironments({ sandboxUrl: null, liveUrl: resolved.liveUpstreamUrl, liveRulesSource: null, logger });
  const rateLimiters = createRateLimiters({ redisUrl: null });
  const ctx: ServiceContext = {
    config: resolved,
    logger,
    clock: systemClock,
    database: database.handle,
    vault: createVault(parseVaultKeys(resolved.vaultKeys ?? '')),
    metrics: createMetrics(),
    tracing: tracingOff,
    rateLimiters,
    upstreams,
    publicOrigin: () => 'http://127.0.0.1',
  };
  return {
    ctx,
    database,
    close: () =>
      releaseAll(
        () => rateLimiters.close(),
        () => upstreams.close(),
        () => database.drop(),
      ),
  };
}
