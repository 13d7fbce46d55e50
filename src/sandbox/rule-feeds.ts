// The simulator playing rules sources, so live rules failover can be tried without the internet: named feeds that
// follow the simulator's current rules, stay frozen at the rules of the moment they were set (stale once the rules
// rotate), or are down (503). Each is served as a community rules file and as an OFAuth-style rules API (with an
// optional API key). Sandbox-only, kept in this node's memory like the request log.
import type { DynamicRules } from '../upstream/rules.ts';
import { publicRules } from '../upstream/rules.ts';
import type { RulesBook } from './rules-rotation.ts';

export type RuleFeedMode = 'current' | 'frozen' | 'down';

export interface RuleFeedSettings {
  serve: RuleFeedMode;
  /** When set, the OFAuth-style route answers 401 unless the `apikey` header carries it. */
  apiKey?: string;
}

interface RuleFeed extends RuleFeedSettings {
  /** The rules a frozen feed keeps serving. */
  frozen: DynamicRules;
  hits: number;
}

export type RuleFeedAnswer =
  | { status: 200; rules: DynamicRules }
  | { status: 401 | 404 | 503; message: string };

/** A feed's paths on the simulator, relative to its origin. */
export function ruleFeedPaths(name: string) {
  const base = `/_sandbox/rules/feeds/${encodeURIComponent(name)}`;
  return { communityFile: `${base}/dynamic-rules.json`, rulesApiBase: base, rulesApi: `${base}/v2/dynamic-rules` };
}

export class RuleFeeds {
  private readonly feeds = new Map<string, RuleFeed>();

  constructor(private readonly rules: RulesBook) {}

  /** Creates or changes a feed; `frozen` captures the rules current now. */
  set(name: string, settings: RuleFeedSettings) {
    const feed: RuleFeed = { ...settings, frozen: this.rules.current, hits: this.feeds.get(name)?.hits ?? 0 };
    this.feeds.set(name, feed);
    return this.describe(name, feed);
  }

  remove(name: string): boolean {
    return this.feeds.delete(name);
  }

  list() {
    return [...this.feeds].map(([name, feed]) => this.describe(name, feed));
  }

  /** What the feed answers now; `apiKey` is what the caller sent (checked only on the rules API route). */
  answer(name: string, apiKey: string | null | undefined): RuleFeedAnswer {
    const feed = this.feeds.get(name);
    if (!feed) return { status: 404, message: `No rules feed named ${name}` };
    feed.hits += 1;
    if (apiKey !== undefined && feed.apiKey !== undefined && apiKey !== feed.apiKey) return { status: 401, message: 'Invalid API key' };
    if (feed.serve === 'down') return { status: 503, message: 'Rules feed unavailable' };
    return { status: 200, rules: feed.serve === 'frozen' ? feed.frozen : this.rules.current };
  }

  private describe(name: string, feed: RuleFeed) {
    const serving = feed.serve === 'down' ? null : feed.serve === 'frozen' ? feed.frozen : this.rules.current;
    return { name, serve: feed.serve, hasApiKey: feed.apiKey !== undefined, revision: serving?.revision ?? null, hits: feed.hits, ...ruleFeedPaths(name) };
  }
}

/** The community rules file body (docs/onlyfans-web-api.md §1). */
export function communityRulesFile(rules: DynamicRules) {
  return { ...publicRules(rules), is_current: true };
}

/** OFAuth's GET /v2/dynamic-rules reply (docs/ofauth-wire-contract.md §4.3). */
export function rulesApiReply(rules: DynamicRules) {
  return { rules: publicRules(rules), is_current: true, is_public: true, is_early_access: false };
}
