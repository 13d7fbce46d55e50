// The ofconnect command line: start the service, migrate, and manage orgs and keys without the HTTP API.
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { printStartBanner } from './start-banner.ts';
import { startService } from './service.ts';
import { ROLES, loadConfig, type ConfigOverrides, type Role } from './platform/config.ts';
import { openAdminDatabase } from './admin-database.ts';
import { SCOPES, type Scope } from './account/scopes.ts';
import { issueApiKey } from './account/manage-keys.ts';
import { insertOrg, findOrg } from './account/store.ts';
import { newId } from './platform/ids.ts';
import { ENVIRONMENTS, type Environment } from './platform/environment.ts';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
}

function parseScopes(value: string): Scope[] {
  const scopes = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw new InvalidArgumentError(`unknown scope(s) ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`);
  return scopes as Scope[];
}

const program = new Command();
program.name('ofconnect').description('Self-hosted, OFAuth-compatible API for connecting OnlyFans accounts').showHelpAfterError();

program
  .command('start')
  .description('Serve the API (and, with role all or worker, run background workers)')
  .addOption(new Option('--role <role>', 'which parts run in this process').choices([...ROLES]))
  .option('--port <port>', 'HTTP port (default PORT or 8080)', parsePort)
  .option('--host <host>', 'address to listen on (default HOST or 127.0.0.1)')
  .action(async (opts: { role?: Role; port?: number; host?: string }) => {
    const overrides: ConfigOverrides = {};
    if (opts.role) overrides.role = opts.role;
    if (opts.port !== undefined) overrides.port = opts.port;
    if (opts.host) overrides.host = opts.host;
    const config = loadConfig(overrides);
    const started = Date.now();
    const service = await startService({ config });
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      service.ctx.logger.info({ signal }, 'shutting down: finishing in-flight requests');
      const force = setTimeout(() => process.exit(1), config.shutdownGraceMs);
      force.unref();
      await service.close();
      process.exit(0);
    };
    // Handlers before the banner: whoever waits for "ready" may signal at once, and a signal that arrives before
    // its handler is installed kills the process instead of stopping it cleanly.
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
    printStartBanner(service, Date.now() - started);
  });

program
  .command('migrate')
  .description('Apply database migrations and exit')
  .action(async () => {
    const admin = await openAdminDatabase(loadConfig());
    try {
      console.log(`migrations applied (${admin.database.kind})`);
    } finally {
      await admin.close();
    }
  });

program
  .command('sandbox')
  .description('Run the OnlyFans web API simulator on its own (for tests, benchmarks and external clients)')
  .option('--port <port>', 'port (default 7070)', parsePort, 7070)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--seed <n>', 'fixture seed (same seed, same data)', (v) => Number.parseInt(v, 10), 1)
  .option('--no-ip-rate-limit', 'disable the per-IP rate limit (load tests from one machine)')
  .option('--data-dir <dir>', 'keep the state (sessions, rules, faults, writes) in an embedded database here, across restarts; default: memory only')
  .option('--database-url <url>', 'keep the state in this PostgreSQL database instead (shared with any other simulator or ofconnect node on it)')
  .action(async (opts: { port: number; host: string; seed: number; ipRateLimit: boolean; dataDir?: string; databaseUrl?: string }) => {
    const { startSandbox } = await import('./sandbox/server.ts');
    let database: import('./platform/db/database.ts').DatabaseHandle | undefined;
    let releaseLock = () => {};
    if (opts.dataDir || opts.databaseUrl) {
      const { openDatabase } = await import('./platform/db/database.ts');
      if (!opts.databaseUrl) releaseLock = (await import('./platform/db/data-dir-lock.ts')).lockDataDir(opts.dataDir!);
      database = await openDatabase({ databaseUrl: opts.databaseUrl ?? null, dataDir: opts.databaseUrl ? null : path.join(opts.dataDir!, 'pglite') });
      await database.migrate();
    }
    const sandbox = await startSandbox({
      port: opts.port,
      host: opts.host,
      seed: opts.seed,
      database,
      ...(opts.ipRateLimit ? {} : { rateLimit: { perIp: false } }),
    });
    const stop = async () => {
      await sandbox.close();
      await database?.close();
      releaseLock();
      process.exit(0);
    };
    // Before the "listening" line, for the same reason as `start`'s handlers.
    process.on('SIGTERM', () => void stop());
    process.on('SIGINT', () => void stop());
    const kept = opts.databaseUrl ? 'state in PostgreSQL' : opts.dataDir ? `state in ${opts.dataDir}` : 'state in memory only';
    console.log(`OnlyFans simulator listening on ${sandbox.url} (rules at ${sandbox.url}/dynamic-rules.json, control API under /_sandbox/, ${kept})`);
  });

program
  .command('vault')
  .description('The encryption key ring of stored sessions and secrets')
  .command('rotate')
  .description('Re-encrypt every stored secret under the first key of OFCONNECT_VAULT_KEYS (the others must stay in the ring until this finishes)')
  .action(async () => {
    const config = loadConfig();
    const admin = await openAdminDatabase(config);
    try {
      const { createVault, loadOrCreateLocalVaultKeys, parseVaultKeys } = await import('./platform/vault.ts');
      const { rotateVaultBlobs } = await import('./vault-rotation.ts');
      const vault = createVault(config.vaultKeys ? parseVaultKeys(config.vaultKeys) : loadOrCreateLocalVaultKeys(config.dataDir).keys);
      const report = await rotateVaultBlobs(admin.database.db, vault);
      console.log(
        `re-encrypted under key ${report.keyId}: ${report.connectionSessions} session(s), ${report.reloginCredentials} stored credential(s), ` +
          `${report.proxyUrls} proxy URL(s), ${report.webhookSecrets} webhook secret(s)`,
      );
    } finally {
      await admin.close();
    }
  });

const orgs = program.command('orgs').description('Organizations');
orgs
  .command('create')
  .description('Create an organization and print its id')
  .requiredOption('--name <name>', 'organization name')
  .action(async (opts: { name: string }) => {
    const admin = await openAdminDatabase(loadConfig());
    try {
      const now = new Date();
      const org = await insertOrg(admin.database.db, { id: newId('org'), name: opts.name, createdAt: now, updatedAt: now });
      console.log(org.id);
    } finally {
      await admin.close();
    }
  });

const keys = program.command('keys').description('API keys');
keys
  .command('create')
  .description('Create an API key and print it (shown once)')
  .requiredOption('--org <orgId>', 'organization id')
  .addOption(new Option('--env <environment>', 'environment of the key').choices([...ENVIRONMENTS]).default('sandbox'))
  .option('--scopes <list>', `comma-separated scopes (${SCOPES.join(',')})`, parseScopes)
  .option('--name <name>', 'a label for the key')
  .action(async (opts: { org: string; env: Environment; scopes?: Scope[]; name?: string }) => {
    const admin = await openAdminDatabase(loadConfig());
    try {
      const org = await findOrg(admin.database.db, opts.org);
      if (!org) throw new Error(`organization ${opts.org} not found`);
      const created = await admin.database.db.transaction((tx) =>
        issueApiKey(tx, { orgId: org.id, environment: opts.env, scopes: opts.scopes, name: opts.name, actor: 'cli', now: new Date() }),
      );
      console.log(created.secret);
    } finally {
      await admin.close();
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`ofconnect: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
