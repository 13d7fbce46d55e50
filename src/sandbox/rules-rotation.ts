// The simulator's signing rules: realistic generation (docs/onlyfans-web-api.md §1) and rotation with a 10-minute grace
// for the previous revision (docs/onlyfans-web-api.md §11), judged on the injectable clock.
import type { DynamicRules } from '../upstream/rules.ts';
import { publicRules } from '../upstream/rules.ts';
import { randomInt, randomString, type RandomSource } from './random.ts';
import type { SandboxStore, StoredRules } from './store/store.ts';

/** Unchanged for years on the real site (docs/onlyfans-web-api.md §1). */
export const ONLYFANS_APP_TOKEN = '33d57ade8c02dbc5a333db99ff9ae26a';

/** How long the previous revision still verifies after a rotation. */
export const PREVIOUS_REVISION_GRACE_MS = 10 * 60_000;

/** A rule set as a new OnlyFans web build would publish it, built at buildTimeMs. */
export function generateRules(random: RandomSource, buildTimeMs: number): DynamicRules {
  const buildSeconds = Math.floor(buildTimeMs / 1000);
  // The suffix is the build's Unix time in hex and the revision carries the same instant as YYYYMMDDhhmm (UTC).
  const suffix = buildSeconds.toString(16).padStart(8, '0');
  const stamp = new Date(buildSeconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 12);
  const prefix = String(randomInt(random, 0, 1) === 0 ? randomInt(random, 1000, 9999) : randomInt(random, 10000, 99999));
  // 32 positions drawn independently: repeats happen and the order is not sorted, like the real feeds.
  const checksumIndexes = Array.from({ length: 32 }, () => randomInt(random, 0, 39));
  return {
    static_param: randomString(random, 32),
    prefix,
    suffix,
    format: `${prefix}:{}:{:x}:${suffix}`,
    checksum_indexes: checksumIndexes,
    checksum_constant: -randomInt(random, 1, 2000),
    app_token: ONLYFANS_APP_TOKEN,
    remove_headers: ['user_id'],
    revision: `${stamp}-${randomString(random, 10, '0123456789abcdef')}`,
  };
}

/**
 * The rules every node verifies against: the store holds them (so a rotation on one node is what all verify
 * against), this is the node's copy, reloaded when the change feed says another node rotated.
 */
export class RulesBook {
  private currentRules: DynamicRules;
  private previousRules: DynamicRules | undefined;
  private rotatedAt = 0;

  private constructor(
    private readonly random: RandomSource,
    private readonly now: () => number,
    private readonly store: SandboxStore,
    private readonly seed: number,
    stored: StoredRules,
  ) {
    this.currentRules = stored.current;
    this.adopt(stored);
  }

  /** The stored rules, or (first start) new ones stored first: two nodes starting at once keep the same. */
  static async open(random: RandomSource, now: () => number, store: SandboxStore, seed: number): Promise<RulesBook> {
    const stored = await store.initRules(seed, { current: generateRules(random, now()), previous: null, rotatedAt: 0 });
    return new RulesBook(random, now, store, seed, stored);
  }

  private adopt(stored: StoredRules): void {
    this.currentRules = stored.current;
    this.previousRules = stored.previous ?? undefined;
    this.rotatedAt = stored.rotatedAt;
  }

  /** The change feed: another node rotated. */
  async reload(): Promise<void> {
    const stored = await this.store.loadRules(this.seed);
    if (stored) this.adopt(stored);
  }

  get current(): DynamicRules {
    return this.currentRules;
  }

  /** Publishes a new build's rules; the old ones keep verifying for PREVIOUS_REVISION_GRACE_MS. */
  async rotate(): Promise<DynamicRules> {
    const before = this.currentRules;
    let next = generateRules(this.random, this.now());
    // Two rotations in the same second would share a suffix; real builds never do, so move the build time on.
    for (let bump = 1; next.suffix === before.suffix || next.static_param === before.static_param; bump++) {
      next = generateRules(this.random, this.now() + bump * 1000);
    }
    const stored: StoredRules = { current: next, previous: before, rotatedAt: this.now() };
    this.adopt(stored);
    await this.store.saveRules(this.seed, stored);
    await this.store.publish({ k: 'r', seed: this.seed });
    return next;
  }

  /** Rule sets a sign may be made with right now: the current one, plus the previous one inside its grace. */
  acceptedRules(): DynamicRules[] {
    if (this.previousRules && this.now() - this.rotatedAt <= PREVIOUS_REVISION_GRACE_MS) {
      return [this.currentRules, this.previousRules];
    }
    return [this.currentRules];
  }

  /** GET /dynamic-rules.json: the community rule-file fields. */
  publicCurrent() {
    return { ...publicRules(this.currentRules), is_current: true };
  }
}
