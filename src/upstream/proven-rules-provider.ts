// Live signing rules from several sources with failover. Each source is fetched on its own schedule and
// shape-checked; every rule set not judged yet is proven by a signed probe to the upstream (rules-probe.ts); the
// freshest accepted rule set is the one used. A failing source is skipped and retried with backoff, and a
// revision change is reported once, whichever sources carried it.
import { ApiError } from '../platform/errors.ts';
import type { Logger } from '../platform/logger.ts';
import type { RulesProvider } from './rules-provider.ts';
import type { RulesProbe } from './rules-probe.ts';
import { InvalidRulesDocumentError, fetchRulesFromSource, type RulesSourceSpec, type RulesSourceStatus } from './rules-sources.ts';
import type { DynamicRules } from './rules.ts';

export interface ProvenRulesProvider extends RulesProvider {
  /** Fetches the sources that are due now (by the injected clock) and proves what they gave. */
  pollDueSources(): Promise<void>;
}

export interface ProvenRulesProviderOptions {
  sources: RulesSourceSpec[];
  probe: RulesProbe;
  /** Schedule clock (Unix ms): when sources are due, backoff, the times status shows. */
  now?: () => number;
  /** How often a healthy source is fetched again. Default 15 minutes (new revisions come about daily, §1). */
  refreshEveryMs?: number;
  /** Backoff of a failing source: first wait, doubled per failure up to the maximum. Default 30 s, 15 min. */
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  /** A timer that fetches due sources (and a first round at once). Default true; tests call pollDueSources. */
  refreshInBackground?: boolean;
  onRevisionChange?: (rules: DynamicRules, previous: DynamicRules) => void | Promise<void>;
  logger?: Logger;
}

const DEFAULT_REFRESH_EVERY_MS = 15 * 60_000;
const DEFAULT_FIRST_BACKOFF_MS = 30_000;
const DEFAULT_MAX_BACKOFF_MS = 15 * 60_000;
/** How often the background timer looks for due sources (cheap when none is). */
const WAKE_EVERY_MS = 5_000;
const REVISION_STAMP = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})-/;

interface SourceRecord {
  spec: RulesSourceSpec;
  index: number;
  rules: DynamicRules | null;
  /** Whether the last attempt failed because the answer was not a rule set (rather than not coming at all). */
  isInvalid: boolean;
  lastAttemptAt: number | null;
  lastSuccessAt: number | null;
  lastError: string | null;
  failures: number;
  nextFetchAt: number;
}

type Verdict = 'accepted' | 'refused';

export function createProvenRulesProvider(options: ProvenRulesProviderOptions): ProvenRulesProvider {
  if (options.sources.length === 0) throw new Error('at least one rules source is needed');
  const now = options.now ?? Date.now;
  const refreshEveryMs = options.refreshEveryMs ?? DEFAULT_REFRESH_EVERY_MS;
  const firstBackoffMs = options.firstBackoffMs ?? DEFAULT_FIRST_BACKOFF_MS;
  const maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  const records: SourceRecord[] = options.sources.map((spec, index) => ({
    spec,
    index,
    rules: null,
    isInvalid: false,
    lastAttemptAt: null,
    lastSuccessAt: null,
    lastError: null,
    failures: 0,
    nextFetchAt: Number.NEGATIVE_INFINITY,
  }));
  /** The upstream's verdict per rule set (by fingerprint); a rule set without one has not been proven. */
  const verdicts = new Map<string, Verdict>();
  const probeDetails = new Map<string, string>();
  /** A rule set whose probe reached no verdict is probed again after this time, not on every call. */
  const probeAgainAt = new Map<string, number>();
  let chosen: DynamicRules | null = null;
  let upstreamRevision: string | null = null;
  let fetches = 0;
  let round: { promise: Promise<void>; isRefresh: boolean } | null = null;
  let queuedRefresh: Promise<void> | null = null;
  const observedRevisions = new Set<string>();

  async function fetchOne(record: SourceRecord): Promise<void> {
    fetches += 1;
    record.lastAttemptAt = now();
    try {
      const rules = await fetchRulesFromSource(record.spec);
      record.rules = rules;
      record.lastSuccessAt = now();
      record.lastError = null;
      record.isInvalid = false;
      record.failures = 0;
      record.nextFetchAt = now() + refreshEveryMs;
    } catch (error) {
      record.failures += 1;
      record.lastError = error instanceof Error ? error.message : String(error);
      record.isInvalid = error instanceof InvalidRulesDocumentError;
      record.nextFetchAt = now() + Math.min(maxBackoffMs, firstBackoffMs * 2 ** (record.failures - 1));
      options.logger?.warn(
        { source: record.spec.name, err: record.lastError, failures: record.failures, retryInMs: record.nextFetchAt - now() },
        'dynamic rules source failed; skipping it until it is retried',
      );
    }
  }

  /** Proves every rule set the sources hold that has no verdict yet: one probe per distinct rule set. */
  async function proveCandidates(): Promise<void> {
    const unjudged = new Map<string, DynamicRules>();
    for (const rules of rulesAwaitingProbe()) unjudged.set(fingerprintOf(rules), rules);
    await Promise.all(
      [...unjudged].map(async ([fingerprint, rules]) => {
        const result = await options.probe(rules);
        if (result.upstreamRevision) upstreamRevision = result.upstreamRevision;
        probeDetails.set(fingerprint, result.detail);
        if (result.outcome === 'inconclusive') {
          probeAgainAt.set(fingerprint, now() + firstBackoffMs);
          options.logger?.warn({ revision: rules.revision, detail: result.detail }, 'dynamic rules probe reached no verdict');
          return;
        }
        probeAgainAt.delete(fingerprint);
        verdicts.set(fingerprint, result.outcome);
        if (result.outcome === 'refused') options.logger?.warn({ revision: rules.revision }, 'the upstream refused a rules source\'s rules (stale)');
      }),
    );
  }

  function rulesAwaitingProbe(): DynamicRules[] {
    const at = now();
    return records.flatMap((record) => {
      if (!record.rules) return [];
      const fingerprint = fingerprintOf(record.rules);
      return verdicts.has(fingerprint) || (probeAgainAt.get(fingerprint) ?? Number.NEGATIVE_INFINITY) > at ? [] : [record.rules];
    });
  }

  /** Verdicts of rule sets no source holds any more and not in use are forgotten (the maps stay small). */
  function forgetUnheldRuleSets(): void {
    const held = new Set(records.flatMap((record) => (record.rules ? [fingerprintOf(record.rules)] : [])));
    if (chosen) held.add(fingerprintOf(chosen));
    for (const map of [verdicts, probeDetails, probeAgainAt]) {
      for (const fingerprint of map.keys()) if (!held.has(fingerprint)) map.delete(fingerprint);
    }
  }

  /** The freshest accepted rule set becomes the one in use; never an older one than the rules already in use. */
  function chooseFreshest(): void {
    const accepted = records.filter((record) => record.rules && verdicts.get(fingerprintOf(record.rules)) === 'accepted');
    const candidates = accepted.map((record) => ({ rules: record.rules as DynamicRules, index: record.index }));
    if (chosen && verdicts.get(fingerprintOf(chosen)) === 'accepted') candidates.push({ rules: chosen, index: -1 });
    if (candidates.length === 0) return;
    candidates.sort((a, b) => compareFreshness(b, a));
    const best = candidates[0].rules;
    if (chosen && fingerprintOf(chosen) === fingerprintOf(best)) return;
    const previous = chosen;
    chosen = best;
    if (!previous) {
      options.logger?.info({ revision: best.revision, source: sourceNameOf(best) }, 'dynamic rules in use');
      return;
    }
    if (previous.revision === best.revision) return;
    options.logger?.info({ revision: best.revision, previous: previous.revision, source: sourceNameOf(best) }, 'dynamic rules revision changed');
    if (!options.onRevisionChange) return;
    Promise.resolve()
      .then(() => options.onRevisionChange?.(best, previous))
      .catch((error) => options.logger?.error({ err: error }, 'rules revision listener failed'));
  }

  function compareFreshness(a: { rules: DynamicRules; index: number }, b: { rules: DynamicRules; index: number }): number {
    // What the upstream says it runs is the freshest there is; then the build time; then the operator's order.
    const aMatches = a.rules.revision === upstreamRevision ? 1 : 0;
    const bMatches = b.rules.revision === upstreamRevision ? 1 : 0;
    if (aMatches !== bMatches) return aMatches - bMatches;
    const byBuild = buildTimeOf(a.rules) - buildTimeOf(b.rules);
    if (byBuild !== 0) return byBuild;
    return rankOfIndex(a.index) - rankOfIndex(b.index);
  }

  /** The rules in use rank first among equals (no switching for nothing), then earlier sources. */
  function rankOfIndex(index: number): number {
    return index === -1 ? Number.MAX_SAFE_INTEGER : -index;
  }

  function sourceNameOf(rules: DynamicRules): string | null {
    const fingerprint = fingerprintOf(rules);
    return records.find((record) => record.rules && fingerprintOf(record.rules) === fingerprint)?.spec.name ?? null;
  }

  async function runRound(selected: SourceRecord[], reprove: boolean): Promise<void> {
    await Promise.all(selected.map(fetchOne));
    if (reprove) {
      verdicts.clear();
      probeAgainAt.clear();
    }
    await proveCandidates();
    chooseFreshest();
    forgetUnheldRuleSets();
  }

  function startRound(isRefresh: boolean): Promise<void> {
    const at = now();
    const selected = isRefresh
      ? records.filter((record) => record.failures === 0 || record.nextFetchAt <= at)
      : records.filter((record) => record.nextFetchAt <= at);
    const promise = runRound(selected, isRefresh).finally(() => {
      if (round?.promise === promise) round = null;
    });
    round = { promise, isRefresh };
    return promise;
  }

  function pollDueSources(): Promise<void> {
    if (round) return round.promise;
    return startRound(false);
  }

  /** Fetches every source not backing off and judges every rule set afresh (the rules in use may have been refused). */
  function refreshAll(): Promise<void> {
    if (!round) return startRound(true);
    if (round.isRefresh) return round.promise;
    // A scheduled round is under way and proves nothing again: run a refresh right after it.
    queuedRefresh ??= round.promise
      .catch(() => {})
      .then(() => {
        queuedRefresh = null;
        return round?.isRefresh ? round.promise : startRound(true);
      });
    return queuedRefresh;
  }

  function unavailable(): ApiError {
    return new ApiError('UPSTREAM_UNAVAILABLE', 'No live dynamic rules: no rules source gave rules the upstream accepts; see GET /v2/dynamic-rules/status', {
      details: { reason: 'rules_unavailable', sources: sources().map(({ source, health, revision, lastError }) => ({ source, health, revision, lastError })) },
    });
  }

  /** A source to fetch, or a rule set to probe again, whose time has come. */
  function isAnythingDue(): boolean {
    const at = now();
    return records.some((record) => record.nextFetchAt <= at) || rulesAwaitingProbe().length > 0;
  }

  async function current(): Promise<DynamicRules> {
    if (chosen) {
      if (isAnythingDue()) pollDueSources().catch((error) => options.logger?.warn({ err: error }, 'scheduled rules round failed'));
      return chosen;
    }
    if (round) await round.promise;
    else if (isAnythingDue()) await pollDueSources();
    if (!chosen) throw unavailable();
    return chosen;
  }

  async function refresh(): Promise<DynamicRules> {
    await refreshAll();
    if (!chosen) throw unavailable();
    return chosen;
  }

  function observeRevision(revision: string): void {
    upstreamRevision = revision;
    if (!chosen || revision === chosen.revision || observedRevisions.has(revision)) return;
    observedRevisions.add(revision);
    if (observedRevisions.size > 64) observedRevisions.delete(observedRevisions.values().next().value as string);
    refreshAll().catch((error) => options.logger?.warn({ err: error, revision }, 'dynamic rules refresh after x-of-rev failed'));
  }

  function sources(): RulesSourceStatus[] {
    const inUse = chosen ? fingerprintOf(chosen) : null;
    return records.map((record) => {
      const fingerprint = record.rules ? fingerprintOf(record.rules) : null;
      const verdict = fingerprint ? verdicts.get(fingerprint) : undefined;
      return {
        source: record.spec.name,
        kind: record.spec.kind,
        health: healthOf(record, verdict),
        revision: record.rules?.revision ?? null,
        isInUse: fingerprint !== null && fingerprint === inUse,
        lastAttemptAt: isoOrNull(record.lastAttemptAt),
        lastSuccessAt: isoOrNull(record.lastSuccessAt),
        lastError: record.lastError ?? (verdict === 'accepted' || !fingerprint ? null : (probeDetails.get(fingerprint) ?? null)),
        consecutiveFailures: record.failures,
        nextAttemptAt: Number.isFinite(record.nextFetchAt) ? new Date(record.nextFetchAt).toISOString() : null,
      };
    });
  }

  const timer =
    options.refreshInBackground === false
      ? null
      : setInterval(() => {
          if (isAnythingDue()) pollDueSources().catch((error) => options.logger?.warn({ err: error }, 'scheduled rules round failed'));
        }, Math.min(WAKE_EVERY_MS, refreshEveryMs));
  timer?.unref();
  if (timer) pollDueSources().catch((error) => options.logger?.warn({ err: error }, 'first rules round failed'));

  return {
    current,
    refresh,
    revision: () => chosen?.revision ?? null,
    observeRevision,
    fetchCount: () => fetches,
    sources,
    pollDueSources,
    close: () => {
      if (timer) clearInterval(timer);
    },
  };
}

function healthOf(record: SourceRecord, verdict: Verdict | undefined): RulesSourceStatus['health'] {
  if (record.lastAttemptAt === null) return 'pending';
  if (record.lastError !== null) return record.isInvalid ? 'invalid' : 'down';
  if (verdict === 'accepted') return 'ok';
  if (verdict === 'refused') return 'stale';
  return 'unverified';
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** What makes two rule sets sign alike: the revision label alone could be reused by a feed with other values. */
function fingerprintOf(rules: DynamicRules): string {
  return [rules.revision, rules.static_param, rules.prefix, rules.suffix, rules.checksum_constant, rules.checksum_indexes.join('.'), rules.app_token].join('|');
}

/**
 * When the web build was made, in Unix ms: the revision's YYYYMMDDhhmm stamp, refined by the suffix (the build's
 * Unix seconds in hex, docs/onlyfans-web-api.md §1) when it falls in that minute or the next; 0 when neither is known.
 */
export function buildTimeOf(rules: DynamicRules): number {
  const suffixMs = /^[0-9a-f]{8}$/.test(rules.suffix) ? parseInt(rules.suffix, 16) * 1000 : null;
  const stamp = REVISION_STAMP.exec(rules.revision);
  if (!stamp) return suffixMs ?? 0;
  const [, year, month, day, hour, minute] = stamp.map(Number);
  const stampMs = Date.UTC(year, month - 1, day, hour, minute);
  if (suffixMs !== null && suffixMs >= stampMs && suffixMs < stampMs + 2 * 60_000) return suffixMs;
  return stampMs;
}
