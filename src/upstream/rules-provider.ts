// Signing rules from one source (the sandbox: the simulator publishes its own): a feed URL or a file,
// shape-checked, cached for a TTL, refreshed on schedule and on demand (one fetch however many callers ask at
// once), with a hook that fires when the revision changes (the webhooks capability turns it into `rules.updated`).
// Live rules come from several sources, proven against the upstream: proven-rules-provider.ts.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { ApiError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import { parseDynamicRules, type DynamicRules } from './rules.ts';
import { parseRulesSources, type RulesSourceStatus } from './rules-sources.ts';

export interface RulesProvider {
  /** The cached rules, loading them first if there are none or they are older than the TTL. */
  current(): Promise<DynamicRules>;
  /** Fetches now (joining a fetch already in flight) and returns the new rules. Rejects if the source fails. */
  refresh(): Promise<DynamicRules>;
  /** Revision of the cached rules, or null before the first load. */
  revision(): string | null;
  /**
   * Tells the provider which revision upstream reported (`x-of-rev`). An unseen revision different from
   * the cached one triggers one background refresh; the same revision never triggers a second one, so a
   * feed that lags behind OnlyFans' deploy is not hammered.
   */
  observeRevision(revision: string): void;
  /** How many times the source has been fetched (metrics, tests). */
  fetchCount(): number;
  /** Each source's health, revision and last success (GET /v2/dynamic-rules/status). */
  sources(): RulesSourceStatus[];
  close(): void;
}

export type RulesFetcher = (source: string) => Promise<unknown>;

export interface RulesProviderOptions {
  /** An http(s) URL or a file path (or file: URL). */
  source: string;
  /** Cache lifetime; community clients use 30 minutes (docs/onlyfans-web-api.md §1). */
  ttlMs?: number;
  now?: () => number;
  fetcher?: RulesFetcher;
  onRevisionChange?: (rules: DynamicRules, previous: DynamicRules) => void | Promise<void>;
  /** Background refresh every ttlMs, so a revision change is noticed without traffic. Default true. */
  refreshInBackground?: boolean;
  logger?: Logger;
}

const DEFAULT_TTL_MS = 30 * 60_000;
/** After a failed load, serve the stale rules this long before trying the source again. */
const RETRY_AFTER_FAILURE_MS = 30_000;
const FETCH_TIMEOUT_MS = 10_000;

export function createRulesProvider(options: RulesProviderOptions): RulesProvider {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const now = options.now ?? Date.now;
  const fetcher = options.fetcher ?? fetchRulesJson;
  let cached: DynamicRules | null = null;
  let loadedAt = 0;
  let failedAt: number | null = null;
  let inFlight: Promise<DynamicRules> | null = null;
  let fetches = 0;
  let lastAttemptAt: number | null = null;
  let lastError: string | null = null;
  let failures = 0;
  const observedRevisions = new Set<string>();
  const shown = describeSource(options.source);

  async function load(): Promise<DynamicRules> {
    fetches += 1;
    lastAttemptAt = now();
    let rules: DynamicRules;
    try {
      rules = parseDynamicRules(await fetcher(options.source));
    } catch (error) {
      failedAt = now();
      lastError = errorMessage(error);
      failures += 1;
      throw error;
    }
    const previous = cached;
    cached = rules;
    loadedAt = now();
    failedAt = null;
    lastError = null;
    failures = 0;
    if (previous && previous.revision !== rules.revision) notifyRevisionChange(rules, previous);
    return rules;
  }

  function notifyRevisionChange(rules: DynamicRules, previous: DynamicRules): void {
    options.logger?.info({ revision: rules.revision, previous: previous.revision }, 'dynamic rules revision changed');
    if (!options.onRevisionChange) return;
    Promise.resolve()
      .then(() => options.onRevisionChange?.(rules, previous))
      .catch((error) => options.logger?.error({ err: error }, 'rules revision listener failed'));
  }

  function refresh(): Promise<DynamicRules> {
    inFlight ??= load().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  async function current(): Promise<DynamicRules> {
    if (!cached) {
      try {
        return await refresh();
      } catch (error) {
        throw new ApiError('UPSTREAM_UNAVAILABLE', 'Dynamic rules could not be loaded', {
          details: { reason: 'rules_unavailable', cause: errorMessage(error) },
          cause: error,
        });
      }
    }
    const isStale = now() - loadedAt >= ttlMs;
    const isCoolingDown = failedAt !== null && now() - failedAt < RETRY_AFTER_FAILURE_MS;
    if (!isStale || isCoolingDown) return cached;
    try {
      return await refresh();
    } catch (error) {
      // Stale rules usually still sign (OnlyFans keeps a grace period); upstream says when they no longer do.
      options.logger?.warn({ err: errorMessage(error) }, 'dynamic rules refresh failed; using cached rules');
      return cached;
    }
  }

  function observeRevision(revision: string): void {
    if (!cached || revision === cached.revision || observedRevisions.has(revision)) return;
    observedRevisions.add(revision);
    if (observedRevisions.size > 64) observedRevisions.delete(observedRevisions.values().next().value as string);
    refresh().catch((error) =>
      options.logger?.warn({ err: errorMessage(error), revision }, 'dynamic rules refresh after x-of-rev failed'),
    );
  }

  const timer =
    options.refreshInBackground === false
      ? null
      : setInterval(() => {
          if (cached) refresh().catch((error) => options.logger?.warn({ err: errorMessage(error) }, 'scheduled rules refresh failed'));
        }, ttlMs);
  timer?.unref();

  return {
    current,
    refresh,
    revision: () => cached?.revision ?? null,
    observeRevision,
    fetchCount: () => fetches,
    sources: () => [
      {
        source: shown.name,
        kind: shown.kind,
        health: lastAttemptAt === null ? 'pending' : lastError === null ? 'ok' : lastError.startsWith('invalid dynamic rules') ? 'invalid' : 'down',
        revision: cached?.revision ?? null,
        isInUse: cached !== null,
        lastAttemptAt: lastAttemptAt === null ? null : new Date(lastAttemptAt).toISOString(),
        lastSuccessAt: cached === null ? null : new Date(loadedAt).toISOString(),
        lastError,
        consecutiveFailures: failures,
        nextAttemptAt: null,
      },
    ],
    close: () => {
      if (timer) clearInterval(timer);
    },
  };
}

/** The default fetcher: GET an http(s) URL, or read a file. Returns parsed JSON. */
export async function fetchRulesJson(source: string): Promise<unknown> {
  if (/^https?:\/\//i.test(source)) {
    const reply = await request(source, {
      method: 'GET',
      headers: { accept: 'application/json' },
      headersTimeout: FETCH_TIMEOUT_MS,
      bodyTimeout: FETCH_TIMEOUT_MS,
    });
    const text = await reply.body.text();
    if (reply.statusCode !== 200) throw new Error(`rules source answered HTTP ${reply.statusCode}`);
    return JSON.parse(text);
  }
  const path = source.startsWith('file:') ? fileURLToPath(source) : source;
  return JSON.parse(await readFile(path, 'utf8'));
}

/** The source as status shows it (no secrets); the single-source provider takes an http(s) URL or a file. */
function describeSource(source: string): { name: string; kind: RulesSourceStatus['kind'] } {
  try {
    const [spec] = parseRulesSources(source);
    return { name: spec.name, kind: spec.kind };
  } catch {
    return { name: source, kind: /^https?:/i.test(source) ? 'url' : 'file' };
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
