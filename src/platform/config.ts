// The one typed configuration object. Only this module reads process.env; everything else is handed a Config.
import path from 'node:path';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

/** How long a shutdown waits for in-flight responses before it cuts their connections (service.ts). */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

export const ROLES = ['api', 'worker', 'all'] as const;
export type Role = (typeof ROLES)[number];

/** A login may need two captcha solves, and both must fit in a Link session's 2-minute pending claim. */
const CAPTCHA_TIMEOUT_MAX_MS = 55_000;

export const OTEL_SAMPLERS = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;
export type OtelSamplerName = (typeof OTEL_SAMPLERS)[number];

const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  host: Type.String({ minLength: 1 }),
  publicUrl: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  dataDir: Type.String({ minLength: 1 }),
  databaseUrl: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  redisUrl: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  vaultKeys: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  logLevel: Type.Union([
    Type.Literal('fatal'),
    Type.Literal('error'),
    Type.Literal('warn'),
    Type.Literal('info'),
    Type.Literal('debug'),
    Type.Literal('trace'),
    Type.Literal('silent'),
  ]),
  /** LOG_FORMAT: pretty one-line events when stdout is a terminal (auto) or always (pretty); JSON lines otherwise. */
  logFormat: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('pretty')]),
  role: Type.Union([Type.Literal('api'), Type.Literal('worker'), Type.Literal('all')]),
  /** Base URL of the live upstream (OnlyFans). */
  liveUpstreamUrl: Type.String({ minLength: 1 }),
  /** Where live dynamic rules come from: an http(s) URL or a file path. Null: none configured. */
  liveRulesSource: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  /**
   * The captcha solving service live logins use (OnlyFans wants a Cloudflare Turnstile token at login). Null: none,
   * and a live login that needs a captcha fails with the Link error code captcha_required.
   */
  captchaProvider: Type.Union([Type.Literal('capsolver'), Type.Literal('2captcha'), Type.Literal('anti-captcha'), Type.Null()]),
  /** The solving service's account key (its clientKey). Never logged. */
  captchaApiKey: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  /** The solving service's API base URL; null: the service's documented one. Tests point it at a local stand-in. */
  captchaApiUrl: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  /**
   * How long one captcha may take to solve, task creation and polling together. A login may need two (the invisible
   * widget, then the managed challenge), and both must fit in the 2 minutes a Link session's pending claim lasts.
   */
  captchaTimeoutMs: Type.Integer({ minimum: 1_000, maximum: CAPTCHA_TIMEOUT_MAX_MS }),
  /** The Turnstile site key of the upstream's login widget (the invisible one, sent on every login). */
  captchaSiteKey: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  /** The site key of the managed challenge a 102 asks for; null: the same as captchaSiteKey. */
  captchaManagedSiteKey: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  /** Sandbox upstream: null runs the simulator in-process on its own loopback port; a URL uses an external one. */
  sandboxUrl: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  sandboxPort: Type.Integer({ minimum: 0, maximum: 65535 }),
  /**
   * Production mode tightens defaults: https-only webhook URLs, no private addresses, no /link/dev-callback, and
   * /metrics only with metricsToken.
   */
  isProduction: Type.Boolean(),
  /**
   * Bearer token /metrics requires (`Authorization: Bearer …`). Null: /metrics is public in development and not
   * served at all in production, so scrapers must be given a token there.
   */
  metricsToken: Type.Union([Type.String({ minLength: 16 }), Type.Null()]),
  /**
   * Which proxies in front of the service to believe about the client's address (X-Forwarded-For) and the
   * request's protocol and host: false (none, the default), true (any), or the proxies' addresses/CIDRs separated by
   * commas. Per-address limits (failed API keys) count the client behind a trusted proxy, not the proxy.
   */
  trustProxy: Type.Union([Type.Boolean(), Type.String({ minLength: 1 })]),
  /** Failed API key attempts (unknown, revoked or malformed keys) one client address may make per minute. */
  apiKeyFailuresPerMinute: Type.Integer({ minimum: 1 }),
  /** Entries in each of the API key authenticator's caches (keys found valid; refused keys, kept apart). */
  apiKeyCacheSize: Type.Integer({ minimum: 1 }),
  /** Allow webhook endpoints on loopback/private addresses (development and tests). */
  allowPrivateWebhookUrls: Type.Boolean(),
  shutdownGraceMs: Type.Integer({ minimum: 0 }),
  /** How long a webhook worker holds a claimed delivery before another worker may take it over (crash recovery). */
  webhookLeaseMs: Type.Integer({ minimum: 200 }),
  /** How often the monitor checks each active Link connection (jittered). */
  monitorIntervalMinutes: Type.Integer({ minimum: 1 }),
  /** Spread of each scheduled check around the interval, in percent (10: ±10 %). */
  monitorJitterPercent: Type.Integer({ minimum: 0, maximum: 50 }),
  /** Monitor checks in flight at once per worker process. */
  monitorConcurrency: Type.Integer({ minimum: 1 }),
  /** How long a worker holds a claimed check before another worker may take it over (crash recovery). */
  monitorLeaseMs: Type.Integer({ minimum: 200 }),
  /** Session age (hours since it was stored) at which connection.expiring is sent; 0 turns the warning off. */
  monitorExpiringAfterHours: Type.Integer({ minimum: 0 }),
  /** Days the per-connection request log keeps a row before the retention worker prunes it; 0 keeps no log at all. */
  requestLogRetentionDays: Type.Integer({ minimum: 0 }),
  /** Keep query values in logged paths; off by default: values may carry personal data (keys are always kept). */
  requestLogKeepQueryValues: Type.Boolean(),
  /** Request log entries one API node holds before writing; when full the oldest is dropped, never a request held. */
  requestLogBufferSize: Type.Integer({ minimum: 100 }),
  /** Days webhook messages and their attempts are kept (a message with a delivery still pending is never pruned). */
  webhookLogRetentionDays: Type.Integer({ minimum: 1 }),
  /**
   * Where spans go (OTLP/HTTP, JSON): OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, or OTEL_EXPORTER_OTLP_ENDPOINT +
   * /v1/traces. Null: tracing is off and costs nothing (the API's no-op tracer, no hooks).
   */
  otlpTracesEndpoint: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  /** Headers sent with each export (OTEL_EXPORTER_OTLP_HEADERS, then _TRACES_HEADERS): often a collector's key. Never logged. */
  otlpHeaders: Type.Record(Type.String(), Type.String()),
  /** OTEL_SDK_DISABLED: tracing stays off even with an endpoint. */
  otelSdkDisabled: Type.Boolean(),
  /** service.name on every span (OTEL_SERVICE_NAME). */
  otelServiceName: Type.String({ minLength: 1 }),
  /** Further resource attributes (OTEL_RESOURCE_ATTRIBUTES, key=value pairs). */
  otelResourceAttributes: Type.Record(Type.String(), Type.String()),
  /** OTEL_TRACES_SAMPLER: which traces are kept; the parent-based ones follow an incoming traceparent's decision. */
  otelTracesSampler: Type.Union([
    Type.Literal('parentbased_always_on'),
    Type.Literal('parentbased_always_off'),
    Type.Literal('parentbased_traceidratio'),
    Type.Literal('always_on'),
    Type.Literal('always_off'),
    Type.Literal('traceidratio'),
  ]),
  /** OTEL_TRACES_SAMPLER_ARG: the ratio (0 to 1) of the traceidratio samplers. */
  otelTracesSamplerRatio: Type.Number({ minimum: 0, maximum: 1 }),
  /** Where Vault+ keeps copied media: the local disk (under vaultPlusDir) or an S3-compatible bucket. */
  vaultPlusStorage: Type.Union([Type.Literal('disk'), Type.Literal('s3')]),
  /** The disk backend's directory; default <dataDir>/vault-plus. */
  vaultPlusDir: Type.String({ minLength: 1 }),
  /** S3-compatible endpoint (MinIO, R2, …); null: AWS's own for the region. */
  vaultPlusS3Endpoint: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  vaultPlusS3Bucket: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  vaultPlusS3Region: Type.String({ minLength: 1 }),
  /** Null: the AWS SDK's default credential chain. The secret is never logged. */
  vaultPlusS3AccessKeyId: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  vaultPlusS3SecretAccessKey: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
  /** Path-style addressing (bucket in the path, not the host): most self-hosted S3-compatible stores need it. */
  vaultPlusS3ForcePathStyle: Type.Boolean(),
  /** Key prefix inside the bucket. */
  vaultPlusS3Prefix: Type.String(),
  /** Media copies in flight at once per worker process. */
  vaultPlusConcurrency: Type.Integer({ minimum: 1 }),
  /** How long a worker holds a claimed copy before another worker may take it over (crash recovery). */
  vaultPlusLeaseMs: Type.Integer({ minimum: 200 }),
  /** How often an idle copy worker looks for due copies. */
  vaultPlusPollMs: Type.Integer({ minimum: 10 }),
});

export type Config = Static<typeof ConfigSchema>;

/** Flags given on the command line win over the environment. */
export type ConfigOverrides = Partial<Config>;

type Env = Record<string, string | undefined>;

function envString(env: Env, name: string): string | null {
  const value = env[name];
  return value === undefined || value.trim() === '' ? null : value.trim();
}

function envInt(env: Env, name: string, fallback: number): number {
  const raw = envString(env, name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return n;
}

function envBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = envString(env, name);
  if (raw === null) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

/** true/false, or a list of proxy addresses and CIDRs (Fastify's trustProxy). */
function envTrustProxy(env: Env, name: string): boolean | string {
  const raw = envString(env, name);
  if (raw === null) return false;
  return ['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'].includes(raw.toLowerCase()) ? envBool(env, name, false) : raw;
}

const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

function envLogFormat(env: Env, name: string): Config['logFormat'] {
  const raw = envString(env, name);
  if (raw === null) return 'auto';
  const value = raw.toLowerCase();
  if ((LOG_FORMATS as readonly string[]).includes(value)) return value as Config['logFormat'];
  throw new Error(`${name} must be one of ${LOG_FORMATS.join(', ')}, got "${raw}"`);
}

/** OpenTelemetry's `key=value,key2=value2` lists (headers, resource attributes), values %-decoded. */
function envKeyValues(env: Env, name: string): Record<string, string> {
  const raw = envString(env, name);
  const pairs: Record<string, string> = {};
  if (raw === null) return pairs;
  for (const item of raw.split(',')) {
    const at = item.indexOf('=');
    const key = at > 0 ? item.slice(0, at).trim() : '';
    if (!key) throw new Error(`${name} must be key=value pairs separated by commas`);
    try {
      pairs[key] = decodeURIComponent(item.slice(at + 1).trim());
    } catch {
      throw new Error(`${name}: the value of ${key} is not validly %-encoded`);
    }
  }
  return pairs;
}

/** The traces endpoint as the OTLP specification derives it: the signal's own variable as is, else base + /v1/traces. */
function envOtlpTracesEndpoint(env: Env): string | null {
  const protocol = envString(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? envString(env, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  const signal = envString(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = envString(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const endpoint = signal ?? (base === null ? null : `${base.replace(/\/+$/, '')}/v1/traces`);
  if (endpoint === null) return null;
  // The exporter speaks OTLP over HTTP (JSON bodies), which a collector's HTTP port (4318) takes; gRPC it cannot.
  if (protocol !== null && protocol !== 'http/json' && protocol !== 'http/protobuf') {
    throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL ${protocol} is not supported: ofconnect exports traces over OTLP/HTTP (http/json); point it at the collector's HTTP port (4318)`);
  }
  if (!/^https?:\/\//i.test(endpoint)) throw new Error(`the OTLP traces endpoint must be an http(s) URL, got "${endpoint}"`);
  return endpoint;
}

function envOtelSampler(env: Env): OtelSamplerName {
  const raw = envString(env, 'OTEL_TRACES_SAMPLER')?.toLowerCase() ?? 'parentbased_always_on';
  if ((OTEL_SAMPLERS as readonly string[]).includes(raw)) return raw as OtelSamplerName;
  throw new Error(`OTEL_TRACES_SAMPLER must be one of ${OTEL_SAMPLERS.join(', ')}, got "${raw}"`);
}

function envSamplerRatio(env: Env): number {
  const raw = envString(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (raw === null) return 1;
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1, got "${raw}"`);
  return ratio;
}

function envVaultPlusStorage(env: Env): 'disk' | 's3' {
  const raw = envString(env, 'OFCONNECT_VAULT_PLUS_STORAGE')?.toLowerCase() ?? 'disk';
  if (raw === 'disk' || raw === 's3') return raw;
  throw new Error(`OFCONNECT_VAULT_PLUS_STORAGE must be disk or s3, got "${raw}"`);
}

export const CAPTCHA_PROVIDERS = ['capsolver', '2captcha', 'anti-captcha'] as const;
export type CaptchaProviderName = (typeof CAPTCHA_PROVIDERS)[number];

function envCaptchaProvider(env: Env, name: string): CaptchaProviderName | null {
  const raw = envString(env, name);
  if (raw === null || raw.toLowerCase() === 'none') return null;
  const value = raw.toLowerCase();
  if ((CAPTCHA_PROVIDERS as readonly string[]).includes(value)) return value as CaptchaProviderName;
  throw new Error(`${name} must be one of ${CAPTCHA_PROVIDERS.join(', ')} (or none), got "${raw}"`);
}

function assertCaptchaTimeout(value: number): void {
  if (Number.isInteger(value) && value >= 1_000 && value <= CAPTCHA_TIMEOUT_MAX_MS) return;
  throw new Error(
    `OFCONNECT_CAPTCHA_TIMEOUT_MS must be between 1000 and ${CAPTCHA_TIMEOUT_MAX_MS} (a login may need two solves, and both must fit in a Link session's 2-minute claim), got ${value}`,
  );
}

/** A provider without its key or the site key would fail every live login; say so at start instead. */
function assertCaptchaSettings(config: Config): void {
  if (config.captchaProvider === null) return;
  if (config.captchaApiKey === null) {
    throw new Error(`OFCONNECT_CAPTCHA_PROVIDER is ${config.captchaProvider}: set OFCONNECT_CAPTCHA_API_KEY to that service's API key`);
  }
  if (config.captchaSiteKey === null) {
    throw new Error(`OFCONNECT_CAPTCHA_PROVIDER is ${config.captchaProvider}: set OFCONNECT_CAPTCHA_SITE_KEY to the upstream login page's Turnstile site key`);
  }
  if (config.captchaApiUrl !== null && !/^https?:\/\//i.test(config.captchaApiUrl)) {
    throw new Error(`OFCONNECT_CAPTCHA_API_URL must be an http(s) URL, got "${config.captchaApiUrl}"`);
  }
}

/** Reads the environment (and optional overrides), validates, and returns the frozen config. */
export function loadConfig(overrides: ConfigOverrides = {}, env: Env = process.env): Config {
  const isProduction = envString(env, 'NODE_ENV') === 'production';
  const candidate: Config = {
    port: envInt(env, 'PORT', 8080),
    host: envString(env, 'HOST') ?? '127.0.0.1',
    publicUrl: envString(env, 'PUBLIC_URL'),
    dataDir: path.resolve(envString(env, 'OFCONNECT_DATA_DIR') ?? './.ofconnect/data'),
    databaseUrl: envString(env, 'DATABASE_URL'),
    redisUrl: envString(env, 'REDIS_URL'),
    vaultKeys: envString(env, 'OFCONNECT_VAULT_KEYS'),
    logLevel: (envString(env, 'LOG_LEVEL') ?? 'info') as Config['logLevel'],
    logFormat: envLogFormat(env, 'LOG_FORMAT'),
    role: (envString(env, 'OFCONNECT_ROLE') ?? 'all') as Role,
    liveUpstreamUrl: envString(env, 'OFCONNECT_LIVE_UPSTREAM_URL') ?? 'https://onlyfans.com',
    liveRulesSource: envString(env, 'OFCONNECT_LIVE_RULES_SOURCE'),
    captchaProvider: envCaptchaProvider(env, 'OFCONNECT_CAPTCHA_PROVIDER'),
    captchaApiKey: envString(env, 'OFCONNECT_CAPTCHA_API_KEY'),
    captchaApiUrl: envString(env, 'OFCONNECT_CAPTCHA_API_URL'),
    captchaTimeoutMs: envInt(env, 'OFCONNECT_CAPTCHA_TIMEOUT_MS', 50_000),
    captchaSiteKey: envString(env, 'OFCONNECT_CAPTCHA_SITE_KEY'),
    captchaManagedSiteKey: envString(env, 'OFCONNECT_CAPTCHA_MANAGED_SITE_KEY'),
    sandboxUrl: envString(env, 'OFCONNECT_SANDBOX_URL'),
    sandboxPort: envInt(env, 'OFCONNECT_SANDBOX_PORT', 0),
    isProduction,
    metricsToken: envString(env, 'OFCONNECT_METRICS_TOKEN'),
    trustProxy: envTrustProxy(env, 'OFCONNECT_TRUST_PROXY'),
    apiKeyFailuresPerMinute: envInt(env, 'OFCONNECT_API_KEY_FAILURES_PER_MINUTE', 30),
    apiKeyCacheSize: envInt(env, 'OFCONNECT_API_KEY_CACHE_SIZE', 10_000),
    allowPrivateWebhookUrls: envBool(env, 'OFCONNECT_ALLOW_PRIVATE_WEBHOOK_URLS', !isProduction),
    shutdownGraceMs: envInt(env, 'OFCONNECT_SHUTDOWN_GRACE_MS', DEFAULT_SHUTDOWN_GRACE_MS),
    webhookLeaseMs: envInt(env, 'OFCONNECT_WEBHOOK_LEASE_MS', 60_000),
    monitorIntervalMinutes: envInt(env, 'OFCONNECT_MONITOR_INTERVAL_MINUTES', 360),
    monitorJitterPercent: envInt(env, 'OFCONNECT_MONITOR_JITTER_PERCENT', 10),
    monitorConcurrency: envInt(env, 'OFCONNECT_MONITOR_CONCURRENCY', 64),
    monitorLeaseMs: envInt(env, 'OFCONNECT_MONITOR_LEASE_MS', 300_000),
    monitorExpiringAfterHours: envInt(env, 'OFCONNECT_MONITOR_EXPIRING_AFTER_HOURS', 0),
    requestLogRetentionDays: envInt(env, 'OFCONNECT_REQUEST_LOG_RETENTION_DAYS', 14),
    requestLogKeepQueryValues: envBool(env, 'OFCONNECT_REQUEST_LOG_KEEP_QUERY_VALUES', false),
    requestLogBufferSize: envInt(env, 'OFCONNECT_REQUEST_LOG_BUFFER_SIZE', 10_000),
    webhookLogRetentionDays: envInt(env, 'OFCONNECT_WEBHOOK_LOG_RETENTION_DAYS', 30),
    otlpTracesEndpoint: envOtlpTracesEndpoint(env),
    otlpHeaders: { ...envKeyValues(env, 'OTEL_EXPORTER_OTLP_HEADERS'), ...envKeyValues(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') },
    otelSdkDisabled: envBool(env, 'OTEL_SDK_DISABLED', false),
    // OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES (the specification's order).
    otelServiceName: envString(env, 'OTEL_SERVICE_NAME') ?? envKeyValues(env, 'OTEL_RESOURCE_ATTRIBUTES')['service.name'] ?? 'ofconnect',
    otelResourceAttributes: envKeyValues(env, 'OTEL_RESOURCE_ATTRIBUTES'),
    otelTracesSampler: envOtelSampler(env),
    otelTracesSamplerRatio: envSamplerRatio(env),
    vaultPlusStorage: envVaultPlusStorage(env),
    vaultPlusDir: path.resolve(envString(env, 'OFCONNECT_VAULT_PLUS_DIR') ?? path.join(overrides.dataDir ?? envString(env, 'OFCONNECT_DATA_DIR') ?? './.ofconnect/data', 'vault-plus')),
    vaultPlusS3Endpoint: envString(env, 'OFCONNECT_VAULT_PLUS_S3_ENDPOINT'),
    vaultPlusS3Bucket: envString(env, 'OFCONNECT_VAULT_PLUS_S3_BUCKET'),
    vaultPlusS3Region: envString(env, 'OFCONNECT_VAULT_PLUS_S3_REGION') ?? 'us-east-1',
    vaultPlusS3AccessKeyId: envString(env, 'OFCONNECT_VAULT_PLUS_S3_ACCESS_KEY_ID'),
    vaultPlusS3SecretAccessKey: envString(env, 'OFCONNECT_VAULT_PLUS_S3_SECRET_ACCESS_KEY'),
    vaultPlusS3ForcePathStyle: envBool(env, 'OFCONNECT_VAULT_PLUS_S3_FORCE_PATH_STYLE', false),
    vaultPlusS3Prefix: envString(env, 'OFCONNECT_VAULT_PLUS_S3_PREFIX') ?? '',
    vaultPlusConcurrency: envInt(env, 'OFCONNECT_VAULT_PLUS_CONCURRENCY', 4),
    vaultPlusLeaseMs: envInt(env, 'OFCONNECT_VAULT_PLUS_LEASE_MS', 120_000),
    vaultPlusPollMs: envInt(env, 'OFCONNECT_VAULT_PLUS_POLL_MS', 1_000),
    ...overrides,
  };
  assertCaptchaTimeout(candidate.captchaTimeoutMs);
  if (!Value.Check(ConfigSchema, candidate)) {
    const first = [...Value.Errors(ConfigSchema, candidate)][0];
    throw new Error(`invalid configuration at ${first?.instancePath || '/'}: ${first?.message ?? 'unknown'}`);
  }
  assertCaptchaSettings(candidate);
  if (candidate.vaultPlusStorage === 's3' && candidate.vaultPlusS3Bucket === null) {
    throw new Error('OFCONNECT_VAULT_PLUS_STORAGE is s3: set OFCONNECT_VAULT_PLUS_S3_BUCKET (and the endpoint and credentials of an S3-compatible store)');
  }
  return Object.freeze(candidate);
}

/** The origin links and redirects are built on: PUBLIC_URL, else the address the server listens on. */
export function publicOrigin(config: Config, listeningPort: number): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host}:${listeningPort}`;
}
