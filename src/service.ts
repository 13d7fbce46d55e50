// Composition root: opens the database, applies migrations, builds the context and the HTTP app, starts the
// in-process sandbox and the workers its role asks for, and shuts everything down in order.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildHttpApp, type BuiltApp } from './app.ts';
import { bootstrapFirstStart, type BootstrapResult } from './account/bootstrap.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import { publicOrigin, type Config } from './platform/config.ts';
import type { ServiceContext } from './platform/context.ts';
import { lockDataDir } from './platform/db/data-dir-lock.ts';
import { openDatabase, type DatabaseHandle } from './platform/db/database.ts';
import { startEmbeddedMaintenance } from './platform/db/embedded-maintenance.ts';
import { createOutputLogger, type Logger } from './platform/logger.ts';
import { urlPolicyAllowsPrivate } from './platform/outbound.ts';
import { createMetrics } from './platform/metrics.ts';
import { createRateLimiters } from './platform/rate-limits.ts';
import { createTracing, tracingOff, type Tracing } from './platform/tracing.ts';
import { createVault, loadOrCreateLocalVaultKeys, parseVaultKeys, type Vault } from './platform/vault.ts';
import { startWebhookWorker, type RunningWorker } from './webhooks/worker.ts';
import { startMonitorWorker } from './monitor/worker.ts';
import { startRetentionWorker } from './retention/worker.ts';
import { startVaultPlusWorker } from './vault-plus/copy-worker.ts';
import { startRealtimeRelay } from './realtime/relay-worker.ts';
import { SANDBOX_OTP_CODE, SANDBOX_PASSWORD, SCENARIOS } from './sandbox/accounts.ts';
import { startSandbox, type RunningSandbox } from './sandbox/server.ts';
import { createUpstreamEnvironments, type SandboxTestAccount } from './upstream/environments.ts';
import { recordRulesUpdated } from './dynamic-rules/rules-updated.ts';
import { checkVaultCanary } from './vault-canary.ts';

/** How often a shutdown closes the keep-alive connections whose responses have ended since it began. */
const SHUTDOWN_IDLE_SWEEP_MS = 50;

/**
 * Fastify's close: stops accepting, closes idle keep-alive connections and waits for in-flight requests, up to the
 * grace. Node closes idle connections once, when the close begins, and skips those with a response still being
 * written; such a connection stays open after its response ends (its client may already have had every byte) until
 * its keep-alive timeout, and the close waits on it. So while the close waits, connections that have become idle are
 * closed too (Node has no event for that, and Fastify's hooks are fixed at ready; the sweep runs only during a close).
 * A response still being written after the grace (OFCONNECT_SHUTDOWN_GRACE_MS; a client that stopped reading a
 * streamed media file, say) has its connection cut: otherwise the close waits on that socket until Fastify's 72 s
 * keep-alive timeout, and an orchestrator's stop (commonly 30 s) kills the process mid-shutdown anyway.
 */
async function closeWithinGrace(built: BuiltApp, graceMs: number): Promise<void> {
  const server = built.app.server;
  const closing = built.app.close();
  const sweep = setInterval(() => server.closeIdleConnections(), SHUTDOWN_IDLE_SWEEP_MS);
  const grace = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closing;
  } finally {
    clearInterval(sweep);
    clearTimeout(grace);
  }
}

export interface ServiceOptions {
  config: Config;
  /** An already-open database (tests); otherwise opened from the config. */
  database?: DatabaseHandle;
  clock?: Clock;
  logger?: Logger;
  /** Skip the first-start bootstrap (tests that set up their own orgs). */
  skipBootstrap?: boolean;
}

export interface RunningService {
  url: string;
  port: number;
  /** Where sandbox keys' upstream (the simulator) answers; null in production without OFCONNECT_SANDBOX_URL. */
  sandboxUrl: string | null;
  /** The simulator's control API on this service's port (null where it is not served: production, worker-only). */
  sandboxControlUrl: string | null;
  ctx: ServiceContext;
  built: BuiltApp;
  bootstrap: BootstrapResult | null;
  /** Production's first start: the file holding the first admin key (never printed there); null otherwise. */
  adminKeyFile: string | null;
  close(): Promise<void>;
}

/** The simulator's sign-in scenarios the Link pages offer in sandbox (the failure scenarios are named there in words). */
function sandboxTestAccounts(): SandboxTestAccount[] {
  return (['creator', 'creator-otp', 'fan', 'fan-otp'] as const).map((id) => ({
    id,
    accountType: SCENARIOS[id].isPerformer ? 'creator' : 'fan',
    loginType: SCENARIOS[id].hasOtp ? 'app_otp' : 'password',
    password: SANDBOX_PASSWORD,
    ...(SCENARIOS[id].hasOtp ? { otpCode: SANDBOX_OTP_CODE } : {}),
  }));
}

function loadVault(config: Config, logger: Logger): { vault: Vault; source: string } {
  if (config.vaultKeys) return { vault: createVault(parseVaultKeys(config.vaultKeys)), source: 'OFCONNECT_VAULT_KEYS' };
  if (config.isProduction) throw new Error('OFCONNECT_VAULT_KEYS is required in production (NODE_ENV=production)');
  const local = loadOrCreateLocalVaultKeys(config.dataDir);
  if (local.created) {
    logger.warn({ file: local.file }, 'generated a local vault key: back this file up (losing it loses every stored session) or set OFCONNECT_VAULT_KEYS');
  }
  return { vault: createVault(local.keys), source: `the local key file ${local.file} (OFCONNECT_VAULT_KEYS is not set)` };
}

/** Refuses to start, before listening, when the key ring cannot decrypt the stored secrets (names the key ids). */
async function assertVaultReadsStoredData(database: DatabaseHandle, vault: Vault, source: string): Promise<void> {
  const problem = await checkVaultCanary(database.db, vault);
  if (problem) throw new Error(`refusing to start: ${problem}. The key ring came from ${source}`);
}

/**
 * Production prints no secret: the first admin key goes to a file only its owner reads (0600) in the data
 * directory, whose path the log and the banner give. A file left from an earlier database is not overwritten.
 */
function writeFirstAdminKeyFile(dataDir: string, orgId: string, apiKey: string): string {
  fs.mkdirSync(dataDir, { recursive: true });
  for (const name of ['first-admin-key', `first-admin-key-${orgId}`]) {
    const file = path.join(dataDir, name);
    try {
      fs.writeFileSync(file, `${apiKey}\n`, { mode: 0o600, flag: 'wx' });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`could not write the first admin key: ${path.join(dataDir, `first-admin-key-${orgId}`)} exists`);
}

/** A background worker with the name its start and stop lines carry. */
interface NamedWorker {
  name: string;
  worker: RunningWorker;
}

function announceStart(logger: Logger, name: string, worker: RunningWorker): NamedWorker {
  logger.info({ worker: name }, `worker started: ${name}`);
  return { name, worker };
}

async function stopAndAnnounce(logger: Logger, { name, worker }: NamedWorker): Promise<void> {
  await worker.stop();
  logger.info({ worker: name }, `worker stopped: ${name}`);
}

export async function startService(options: ServiceOptions): Promise<RunningService> {
  const { config } = options;
  const logger = options.logger ?? createOutputLogger(config.logLevel, config.logFormat);
  const releaseLock = !options.database && !config.databaseUrl ? lockDataDir(config.dataDir) : () => {};
  let database: DatabaseHandle | undefined;
  let sandbox: RunningSandbox | null = null;
  let tracing: Tracing = tracingOff;
  try {
    // The key ring first: a production start without keys refuses before it creates or migrates anything.
    const { vault, source: vaultSource } = loadVault(config, logger);
    database =
      options.database ??
      (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.databaseUrl ? null : path.join(config.dataDir, 'pglite') }));
    await database.migrate();
    await assertVaultReadsStoredData(database, vault, vaultSource);
    tracing = await createTracing(config, logger);
    // The simulator runs in-process on its own loopback port unless an external one is configured. Its state lives
    // in this database, so every node's simulator serves the same sandbox and a restart keeps it. Never in
    // production: there sandbox keys need OFCONNECT_SANDBOX_URL, an external simulator run on purpose.
    if (!config.sandboxUrl && !config.isProduction) {
      sandbox = await startSandbox({ port: config.sandboxPort, host: '127.0.0.1', rateLimit: { perIp: false }, database });
    }
    const sandboxUrl = config.sandboxUrl ?? sandbox?.url ?? null;
    const upstreams = createUpstreamEnvironments({
      sandboxUrl,
      liveUrl: config.liveUpstreamUrl,
      liveRulesSource: config.liveRulesSource,
      mayProxyThroughPrivateAddresses: urlPolicyAllowsPrivate(config),
      sandboxTestAccounts: sandboxTestAccounts(),
      logger,
      // The context is built below; a rules change can only be noticed after it exists.
      onRulesChange: (environment, rules) =>
        recordRulesUpdated(ctx, environment, rules).catch((error: unknown) => logger.error({ err: error }, 'recording rules.updated failed')),
    });
    let listeningPort = config.port;
    const ctx: ServiceContext = {
      config,
      logger,
      clock: options.clock ?? systemClock,
      database,
      vault,
      metrics: createMetrics({ collectProcessMetrics: true }),
      tracing,
      upstreams,
      rateLimiters: createRateLimiters({ redisUrl: config.redisUrl }),
      publicOrigin: () => publicOrigin(config, listeningPort),
    };
    const servesSandboxControl = sandboxUrl !== null && config.role !== 'worker' && !config.isProduction;
    const built = await buildHttpApp(ctx, { serveApi: config.role !== 'worker', sandboxControlUrl: servesSandboxControl ? sandboxUrl : null });
    await built.app.listen({ port: config.port, host: config.host });
    listeningPort = (built.app.server.address() as AddressInfo).port;

    const bootstrap = options.skipBootstrap
      ? null
      : await bootstrapFirstStart(ctx, {
          // The dev callback page is served outside production only; loopback redirects match on any port (RFC 8252).
          devClientAppRedirectUris: config.isProduction ? null : [`http://127.0.0.1:${listeningPort}/link/dev-callback`],
        });
    let adminKeyFile: string | null = null;
    if (bootstrap?.created && config.isProduction) {
      adminKeyFile = writeFirstAdminKeyFile(config.dataDir, bootstrap.orgId, bootstrap.apiKey);
      logger.warn({ file: adminKeyFile }, 'first start: the sandbox admin API key is in this file (mode 0600); store it elsewhere, then delete the file');
    }

    const workers: NamedWorker[] = [];
    if (database.kind === 'pglite') workers.push(announceStart(logger, 'embedded-maintenance', startEmbeddedMaintenance(database, logger)));
    if (config.role !== 'api') {
      workers.push(announceStart(logger, 'webhook-delivery', await startWebhookWorker(ctx)));
      workers.push(announceStart(logger, 'monitor', await startMonitorWorker(ctx)));
      workers.push(announceStart(logger, 'retention', startRetentionWorker(ctx)));
      workers.push(announceStart(logger, 'vault-plus-copy', startVaultPlusWorker(ctx)));
      workers.push(announceStart(logger, 'realtime-relay', startRealtimeRelay(ctx)));
    }

    let closed = false;
    const db = database;
    const runningSandbox = sandbox;
    return {
      url: `http://127.0.0.1:${listeningPort}`,
      port: listeningPort,
      sandboxUrl,
      sandboxControlUrl: servesSandboxControl ? `${publicOrigin(config, listeningPort)}/_sandbox/` : null,
      ctx,
      built,
      bootstrap,
      adminKeyFile,
      async close() {
        if (closed) return;
        closed = true;
        built.markShuttingDown();
        await closeWithinGrace(built, config.shutdownGraceMs);
        await Promise.all(workers.map((w) => stopAndAnnounce(logger, w)));
        await built.authenticator.close();
        await upstreams.close();
        await ctx.rateLimiters.close();
        await runningSandbox?.close();
        // After the workers: their last spans are exported too.
        await tracing.shutdown();
        if (!options.database) await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    if (!options.database) await database?.close().catch(() => {});
    await sandbox?.close().catch(() => {});
    await tracing.shutdown().catch(() => {});
    releaseLock();
    throw error;
  }
}
