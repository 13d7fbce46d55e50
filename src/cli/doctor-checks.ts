// The checks of `ofconnect doctor`, each on the configuration as a server would load it. A check reports ok, warn or
// fail, with the fix for anything that is not ok; it never prints a secret (URLs lose their passwords, rules sources
// show their redacted names, vault keys only their ids). Every network wait has a timeout: a doctor that hangs on a
// black-holed address tells the operator nothing.
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { hasActiveLiveKeyAcrossOrgs } from '../account/operator-store.ts';
import { embeddedDatabaseDir, hasEmbeddedDatabase } from '../admin-database.ts';
import type { Config } from '../platform/config.ts';
import { DataDirInUseError, lockDataDir } from '../platform/db/data-dir-lock.ts';
import { openDatabase, type DatabaseHandle } from '../platform/db/database.ts';
import { pendingMigrations } from '../platform/db/pending-migrations.ts';
import { createLogger } from '../platform/logger.ts';
import { createVault, generateVaultKeySpec, parseVaultKeys, type Vault } from '../platform/vault.ts';
import { captchaProviderFromConfig } from '../upstream/captcha/from-config.ts';
import { createUpstreamDispatchers } from '../upstream/http-pool.ts';
import { createRulesProbe } from '../upstream/rules-probe.ts';
import { fetchRulesFromSource, parseRulesSources, type RulesSourceSpec } from '../upstream/rules-sources.ts';
import { checkVaultCanary } from '../vault-canary.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  message: string;
  /** What to do about it; present on every warn and fail. */
  fix?: string;
}

const ok = (check: string, message: string): CheckResult => ({ check, status: 'ok', message });
const warn = (check: string, message: string, fix: string): CheckResult => ({ check, status: 'warn', message, fix });
const fail = (check: string, message: string, fix: string): CheckResult => ({ check, status: 'fail', message, fix });

const NETWORK_TIMEOUT_MS = 10_000;

class TimeoutError extends Error {}

/** The promise's value, or a TimeoutError after ms (the work itself is abandoned; doctor exits when done). */
async function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer from ${what} within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message || error.constructor.name : String(error)) || 'unknown error';

/** A connection string as it may be printed: no password. */
export function displayUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = 'redacted';
    return url.href;
  } catch {
    return '(not a URL)';
  }
}

/** The database doctor looked at, for the checks that read it; null when it could not be opened. */
export interface OpenedDatabase {
  database: DatabaseHandle | null;
  /** Whether the database is there and migrated, so its rows can be read. */
  isReadable: boolean;
  /** The embedded database does not exist yet: nothing is stored, so there is no live key either. */
  isNotCreated?: boolean;
  close(): Promise<void>;
}

/** Database reachable and migrated; returns the results and the handle the later checks read through. */
export async function checkDatabase(config: Config): Promise<{ results: CheckResult[]; opened: OpenedDatabase }> {
  const none: OpenedDatabase = { database: null, isReadable: false, close: async () => {} };
  const name = 'database';
  if (!config.databaseUrl) {
    if (!hasEmbeddedDatabase(config)) {
      return {
        results: [ok(name, `embedded PGlite in ${embeddedDatabaseDir(config)} is not created yet: the first start creates and migrates it`)],
        opened: { ...none, isNotCreated: true },
      };
    }
    let release: () => void;
    try {
      release = lockDataDir(config.dataDir);
    } catch (error) {
      if (!(error instanceof DataDirInUseError)) throw error;
      return {
        results: [
          warn(
            name,
            `${error.message.replace(/\. Stop it first.*$/, '')}: not opened, so the checks that read stored data are skipped`,
            'run doctor while the node is stopped to check the database and the vault keys; meanwhile GET /readyz on the node reports its database',
          ),
        ],
        opened: none,
      };
    }
    try {
      const database = await openDatabase({ databaseUrl: null, dataDir: embeddedDatabaseDir(config) });
      const opened = { database, isReadable: false, close: async () => { await database.close(); release(); } };
      return migrationsOf(name, `embedded PGlite in ${embeddedDatabaseDir(config)}`, opened);
    } catch (error) {
      release();
      return { results: [fail(name, `embedded PGlite in ${embeddedDatabaseDir(config)} does not open: ${messageOf(error)}`, 'restore the data directory from a backup, or point OFCONNECT_DATA_DIR at the right one')], opened: none };
    }
  }
  const shown = displayUrl(config.databaseUrl);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: null, poolSize: 2 });
  const close = async () => {
    await within(5_000, database.close(), 'closing the database').catch(() => {});
  };
  try {
    await within(NETWORK_TIMEOUT_MS, database.ping(), 'PostgreSQL');
  } catch (error) {
    await close();
    return {
      results: [fail(name, `PostgreSQL at ${shown} is unreachable: ${messageOf(error)}`, 'start PostgreSQL or correct DATABASE_URL (postgres://user:password@host:5432/database)')],
      opened: none,
    };
  }
  return migrationsOf(name, `PostgreSQL at ${shown}`, { database, isReadable: false, close });
}

async function migrationsOf(name: string, where: string, opened: OpenedDatabase): Promise<{ results: CheckResult[]; opened: OpenedDatabase }> {
  const { pending, committed } = await within(NETWORK_TIMEOUT_MS, pendingMigrations(opened.database!.db), 'the database');
  if (pending.length > 0) {
    return {
      results: [fail(name, `${where} is reachable; ${pending.length} of ${committed} migrations pending: ${pending.join(', ')}`, 'run `ofconnect migrate` (or start one node: it applies them)')],
      opened,
    };
  }
  return { results: [ok(name, `${where} is reachable; all ${committed} migrations applied`)], opened: { ...opened, isReadable: true } };
}

/** The key ring a server would load, without creating the local key file a first start would write. */
function keyRingOf(config: Config): { vault: Vault; source: string } | CheckResult {
  const name = 'vault keys';
  if (config.vaultKeys) {
    try {
      return { vault: createVault(parseVaultKeys(config.vaultKeys)), source: 'OFCONNECT_VAULT_KEYS' };
    } catch (error) {
      return fail(name, `OFCONNECT_VAULT_KEYS does not parse: ${messageOf(error)}`, 'write it as id:base64key,id2:base64key with 32-byte keys, e.g. k1:$(openssl rand -base64 32)');
    }
  }
  if (config.isProduction) {
    return fail(
      name,
      'OFCONNECT_VAULT_KEYS is not set, and production requires it (a production node refuses to start without it)',
      'set OFCONNECT_VAULT_KEYS=k1:$(openssl rand -base64 32) and keep a copy in your secret manager: losing it loses every stored session',
    );
  }
  const file = path.join(config.dataDir, 'vault-keys');
  if (!fs.existsSync(file)) {
    // What a first start would do: generate a key. In memory only: doctor writes nothing.
    return { vault: createVault(parseVaultKeys(generateVaultKeySpec('local1'))), source: `a local key file the first start will generate (${file})` };
  }
  try {
    return { vault: createVault(parseVaultKeys(fs.readFileSync(file, 'utf8'))), source: `the local key file ${file}` };
  } catch (error) {
    return fail(name, `the local key file ${file} does not parse: ${messageOf(error)}`, `restore ${file} from a backup`);
  }
}

export async function checkVaultKeys(config: Config, opened: OpenedDatabase): Promise<CheckResult> {
  const name = 'vault keys';
  const ring = keyRingOf(config);
  if ('status' in ring) return ring;
  const ids = `ids ${ring.vault.keyIds.join(', ')}`;
  if (opened.isNotCreated) return ok(name, `the key ring from ${ring.source} loads (${ids}); nothing is stored yet`);
  if (!opened.isReadable) return ok(name, `the key ring from ${ring.source} loads (${ids}); stored secrets not checked: the database was not read`);
  const problem = await within(NETWORK_TIMEOUT_MS, checkVaultCanary(opened.database!.db, ring.vault), 'the database');
  if (problem) {
    return fail(
      name,
      `${problem.replace(/\. Add the missing key.*$/, '')} (the ring came from ${ring.source})`,
      'put the key(s) the data was written with in OFCONNECT_VAULT_KEYS (the first key encrypts; keep older keys after it until `ofconnect vault rotate` has run)',
    );
  }
  return ok(name, `the key ring from ${ring.source} (${ids}) decrypts the newest stored secret of every key id in use`);
}

export async function checkRedis(config: Config): Promise<CheckResult> {
  const name = 'redis';
  if (!config.redisUrl) return ok(name, 'REDIS_URL is not set: each node counts rate limits and pacing alone (set it when more than one node runs)');
  const shown = displayUrl(config.redisUrl);
  const redis = new Redis(config.redisUrl, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await within(NETWORK_TIMEOUT_MS, redis.connect().then(() => redis.ping()), 'Redis');
    return ok(name, `Redis at ${shown} answers`);
  } catch (error) {
    return fail(name, `Redis at ${shown} is unreachable: ${messageOf(error)}`, 'start Redis or correct REDIS_URL (redis://host:6379), or unset it: each node then counts rate limits alone');
  } finally {
    redis.disconnect();
  }
}

/** One line per live rules source: read, shape-checked and proven with one signed request to the live upstream. */
export async function checkRulesSources(config: Config, hasLiveKeys: boolean | null): Promise<CheckResult[]> {
  const name = 'rules sources';
  if (!config.liveRulesSource) {
    if (hasLiveKeys) {
      return [fail(name, 'live API keys exist but OFCONNECT_LIVE_RULES_SOURCE is not set: every live call fails with RULES_OUTDATED', 'set OFCONNECT_LIVE_RULES_SOURCE to one or more rules sources (README, Going live, step 3)')];
    }
    return [ok(name, 'OFCONNECT_LIVE_RULES_SOURCE is not set (only live keys need signing rules)')];
  }
  let sources: RulesSourceSpec[];
  try {
    sources = parseRulesSources(config.liveRulesSource);
  } catch (error) {
    return [fail(name, `OFCONNECT_LIVE_RULES_SOURCE does not parse: ${messageOf(error)}`, 'list sources separated by commas or spaces: ofauth+https://api.ofauth.com?key=…, https://…/rules.json, /path/rules.json')];
  }
  const dispatchers = createUpstreamDispatchers({ connectTimeoutMs: 5_000, headersTimeoutMs: NETWORK_TIMEOUT_MS, bodyTimeoutMs: NETWORK_TIMEOUT_MS });
  try {
    const probe = createRulesProbe({ baseUrl: config.liveUpstreamUrl, dispatchers, timeoutMs: NETWORK_TIMEOUT_MS });
    const upstream = new URL(config.liveUpstreamUrl).origin;
    const outcomes = await Promise.all(
      sources.map(async (source) => {
        try {
          const rules = await within(2 * NETWORK_TIMEOUT_MS, fetchRulesFromSource(source), source.name);
          const proof = await within(2 * NETWORK_TIMEOUT_MS, probe(rules), upstream);
          return { source, revision: rules.revision, outcome: proof.outcome, detail: proof.detail };
        } catch (error) {
          return { source, revision: null, outcome: 'unread' as const, detail: messageOf(error) };
        }
      }),
    );
    const isAnyProven = outcomes.some((o) => o.outcome === 'accepted');
    const sourceFix = 'fix the source (its URL, its key) or remove it, and keep at least one current source (README, Going live, step 3)';
    // A failing source is a warning while another proves (the node fails over), a failure when none does.
    const notProven = (check: string, message: string) => (isAnyProven ? warn : fail)(check, message, sourceFix);
    return outcomes.map(({ source, revision, outcome, detail }) => {
      const check = `rules source ${source.name}`;
      if (outcome === 'accepted') return ok(check, `revision ${revision} proven against ${upstream} (${detail})`);
      if (outcome === 'refused') return notProven(check, `revision ${revision} does not prove: ${detail}; the source is stale`);
      if (outcome === 'unread') return notProven(check, `could not be read: ${detail}`);
      return warn(check, `revision ${revision} read, but the proof was inconclusive: ${detail}`, `check that ${upstream} (OFCONNECT_LIVE_UPSTREAM_URL) is reachable from this machine`);
    });
  } finally {
    await dispatchers.close().catch(() => {});
  }
}

export function checkCaptcha(config: Config, hasLiveKeys: boolean | null): CheckResult {
  const name = 'captcha';
  const provider = captchaProviderFromConfig(config, createLogger('silent'));
  if (provider) return ok(name, `${config.captchaProvider} solves the Turnstile challenges of live logins`);
  const fix = 'set OFCONNECT_CAPTCHA_PROVIDER (capsolver, 2captcha or anti-captcha), OFCONNECT_CAPTCHA_API_KEY and OFCONNECT_CAPTCHA_SITE_KEY (README, Going live, step 4)';
  if (hasLiveKeys) return fail(name, 'live API keys exist but no captcha provider is configured: every live Link login ends with captcha_required', fix);
  if (hasLiveKeys === null) return warn(name, 'no captcha provider is configured, and whether live keys exist is unknown (the database was not read): live Link logins would end with captcha_required', fix);
  return ok(name, 'no provider configured (only live logins need one; there is no live API key)');
}

export function checkPublicUrl(config: Config): CheckResult {
  const name = 'PUBLIC_URL';
  const listening = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${config.port}`;
  const example = 'PUBLIC_URL=https://connect.example.com (the address users and your app reach, no path after the host unless a proxy serves it there)';
  if (!config.publicUrl) {
    if (config.isProduction) {
      return fail(name, `not set: Link URLs and redirects would point at ${listening}, which users cannot reach`, `set ${example}`);
    }
    return ok(name, `not set: links use the listening address ${listening}`);
  }
  let url: URL;
  try {
    url = new URL(config.publicUrl);
  } catch {
    return fail(name, `"${config.publicUrl}" is not a URL`, `set ${example}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail(name, `"${config.publicUrl}" is not http(s)`, `set ${example}`);
  if (url.username || url.password || url.search || url.hash) {
    return fail(name, `"${url.origin}${url.pathname}" carries credentials, a query or a fragment, which links cannot be built on`, `set ${example}`);
  }
  if (config.isProduction && url.protocol !== 'https:') {
    return fail(name, `${url.href} is http in production: Link pages carry logins and must be served over TLS`, `serve it behind a TLS-terminating proxy and set ${example}`);
  }
  return ok(name, `${url.origin}${url.pathname.replace(/\/+$/, '')} (links and redirects are built on it)`);
}

/** What NODE_ENV=production changes, and the settings that matter once it is set (README, Going live). */
export function checkProductionSettings(config: Config, hasLiveKeys: boolean | null): CheckResult[] {
  const name = 'production';
  if (!config.isProduction) {
    if (hasLiveKeys) {
      return [
        warn(
          name,
          'live API keys exist but NODE_ENV is not production: development defaults apply (webhooks and proxies on private addresses, /link/dev-callback, a public /metrics, secrets printed at first start)',
          'set NODE_ENV=production on the nodes real users reach',
        ),
      ];
    }
    return [ok(name, 'NODE_ENV is not production: development defaults (fine for a sandbox; set NODE_ENV=production before going live)')];
  }
  const results: CheckResult[] = [];
  if (!config.databaseUrl) {
    results.push(warn(name, 'production on the embedded database: one process holds it, so there is one node and no separate workers', 'run on PostgreSQL (DATABASE_URL) to add nodes and workers'));
  }
  if (config.allowPrivateWebhookUrls) {
    results.push(
      fail(name, 'OFCONNECT_ALLOW_PRIVATE_WEBHOOK_URLS is on: any API key can point webhooks and proxies at private addresses (your internal network)', 'unset OFCONNECT_ALLOW_PRIVATE_WEBHOOK_URLS (production defaults it to off)'),
    );
  }
  if (config.trustProxy === true) {
    results.push(
      warn(name, 'OFCONNECT_TRUST_PROXY=true believes X-Forwarded-For from any client, who can then dodge the per-address key throttle', "set OFCONNECT_TRUST_PROXY to your proxy's addresses or CIDRs instead"),
    );
  } else if (config.trustProxy === false && config.publicUrl?.startsWith('https:')) {
    results.push(
      warn(name, 'OFCONNECT_TRUST_PROXY is off behind a TLS proxy: every client looks like the proxy to the per-address key throttle', "set OFCONNECT_TRUST_PROXY to your proxy's addresses or CIDRs"),
    );
  }
  if (!config.metricsToken) results.push(warn(name, '/metrics is not served: OFCONNECT_METRICS_TOKEN is not set', 'set OFCONNECT_METRICS_TOKEN (16+ characters) and give it to your scraper as a bearer token'));
  if (config.logLevel === 'debug' || config.logLevel === 'trace') {
    results.push(warn(name, `LOG_LEVEL=${config.logLevel} logs every request`, 'set LOG_LEVEL=info (the default)'));
  }
  const adminKeyFiles = fs.existsSync(config.dataDir) ? fs.readdirSync(config.dataDir).filter((file) => file.startsWith('first-admin-key')) : [];
  if (adminKeyFiles.length > 0) {
    results.push(
      warn(name, `the first admin key is still on disk (${adminKeyFiles.map((file) => path.join(config.dataDir, file)).join(', ')})`, 'store the key in your secret manager, then delete the file'),
    );
  }
  if (results.length === 0) results.push(ok(name, 'NODE_ENV=production with PostgreSQL, the metrics token and the proxy trust set'));
  return results;
}

/** Whether any org holds a live key; null when the database could not be read. */
export async function findWhetherLiveKeysExist(opened: OpenedDatabase): Promise<boolean | null> {
  if (opened.isNotCreated) return false;
  if (!opened.isReadable) return null;
  return within(NETWORK_TIMEOUT_MS, hasActiveLiveKeyAcrossOrgs(opened.database!.db), 'the database');
}
