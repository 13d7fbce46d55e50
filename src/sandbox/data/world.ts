// Everything the sandbox knows, generated lazily per account and per area from the seed. An area once written to
// is stored (src/sandbox/store) and read back from there instead; one never written is never stored.
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { SandboxAccount } from '../accounts.ts';
import type { SandboxStore, StoredArea } from '../store/store.ts';
import type { ChatBook } from './chats.ts';
import { generateChats } from './chats.ts';
import type { Earnings } from './earnings.ts';
import { generateEarnings } from './earnings.ts';
import { fixtureFaker } from './fixture-faker.ts';
import type { MassMessageBook } from './mass-messages.ts';
import { generateMassMessages } from './mass-messages.ts';
import type { SandboxNotification } from './notifications.ts';
import { generateNotifications } from './notifications.ts';
import type { Person, Relation } from './people.ts';
import { generateRelations } from './people.ts';
import type { PostBook } from './posts.ts';
import { generatePosts } from './posts.ts';
import type { OwnProfile } from './profile.ts';
import { generateOwnProfile } from './profile.ts';
import type { PromotionBook } from './promotions.ts';
import { generatePromotions } from './promotions.ts';
import type { ReleaseForm } from './release-forms.ts';
import { generateReleaseForms } from './release-forms.ts';
import type { Story } from './stories.ts';
import { generateStories } from './stories.ts';
import type { UploadBook } from './uploads.ts';
import { emptyUploadBook } from './uploads.ts';
import type { UserListBook } from './user-lists.ts';
import { generateUserLists } from './user-lists.ts';
import type { Vault } from './vault.ts';
import { generateVault } from './vault.ts';

/**
 * Bumped when the shape of an area changes: a stored area of another version is ignored and the area generated
 * again from the seed (what was written to it is lost, which a sandbox can afford).
 */
export const AREA_SHAPE_VERSION = 1;

/** Areas computed from others (and sharing their objects): never stored, rebuilt from what they derive from. */
const DERIVED_AREAS = new Set(['relationsById']);

export interface AreaWrite {
  area: string;
  shapeVersion: number;
  state: Buffer;
  hash: string;
}

const hashOf = (bytes: Buffer) => createHash('sha1').update(bytes).digest('hex');

export class AccountData {
  private cache = new Map<string, unknown>();
  /** Areas as stored, deserialized when first used. */
  private readonly stored = new Map<string, Buffer>();
  /** Hash of each area as last stored, or as generated: what a write is told from. */
  private readonly hashes = new Map<string, string>();
  /** Set by a read that changed state (a scheduled mass message delivered): the request stores it like a write. */
  dirty = false;

  constructor(
    private readonly seed: number,
    readonly anchorMs: number,
    readonly account: SandboxAccount,
    private readonly directory: PeopleDirectory,
    stored: StoredArea[] = [],
    /** False for a process-local store: nothing is compared or written. */
    private readonly persistent = false,
  ) {
    for (const area of stored) if (area.shapeVersion === AREA_SHAPE_VERSION) this.stored.set(area.area, area.state);
    directory.addAccount(this);
  }

  private area<T>(name: string, make: () => T, afterLoad?: (value: T) => void): T {
    if (this.cache.has(name)) return this.cache.get(name) as T;
    const bytes = this.stored.get(name);
    let value: T;
    if (bytes) {
      value = deserialize(bytes) as T;
      this.hashes.set(name, hashOf(bytes));
      this.stored.delete(name);
    } else {
      value = make();
      if (this.persistent && !DERIVED_AREAS.has(name)) this.hashes.set(name, hashOf(serialize(value)));
    }
    this.cache.set(name, value);
    afterLoad?.(value);
    return value;
  }

  /** The loaded areas that differ from what was last stored (or generated). */
  changedAreas(): AreaWrite[] {
    if (!this.persistent) return [];
    const out: AreaWrite[] = [];
    for (const [name, value] of this.cache) {
      if (DERIVED_AREAS.has(name)) continue;
      const state = serialize(value);
      const hash = hashOf(state);
      if (hash !== this.hashes.get(name)) out.push({ area: name, shapeVersion: AREA_SHAPE_VERSION, state, hash });
    }
    return out;
  }

  markStored(writes: AreaWrite[]): void {
    for (const write of writes) this.hashes.set(write.area, write.hash);
  }

  private faker(area: string) {
    return fixtureFaker(this.seed, this.account.userId, area, this.anchorMs);
  }

  get profile(): OwnProfile {
    return this.area('profile', () => generateOwnProfile(this.faker('profile'), this.account));
  }

  get relations(): Relation[] {
    return this.area(
      'relations',
      () => generateRelations(this.faker('relations'), this.profile.plan, this.profile.subscribePrice),
      (relations) => {
        for (const relation of relations) this.directory.addPerson(relation.person);
      },
    );
  }

  get relationsById(): Map<number, Relation> {
    return this.area('relationsById', () => new Map(this.relations.map((r) => [r.person.id, r])));
  }

  get chats(): ChatBook {
    return this.area('chats', () => generateChats(this.faker('chats'), this.account.userId, this.relations, this.profile.plan.chats));
  }

  get posts(): PostBook {
    return this.area('posts', () => generatePosts(this.faker('posts'), this.profile.plan.posts));
  }

  get vault(): Vault {
    return this.area('vault', () => generateVault(this.faker('vault'), this.profile.plan.vaultMedia));
  }

  get userLists(): UserListBook {
    return this.area('userLists', () => generateUserLists(this.faker('userLists'), this.relations, this.chats));
  }

  get earnings(): Earnings {
    return this.area('earnings', () => generateEarnings(this.faker('earnings'), this.profile.plan.transactions, this.relations));
  }

  get massMessages(): MassMessageBook {
    return this.area('massMessages', () => generateMassMessages(this.faker('massMessages'), this.profile.isPerformer, this.fanIds));
  }

  /** Every fan (subscriber relation), newest subscription first. */
  get fanIds(): number[] {
    return this.relations.filter((r) => r.role === 'subscriber').map((r) => r.person.id);
  }

  get promotions(): PromotionBook {
    return this.area('promotions', () => generatePromotions(this.faker('promotions'), this.profile.isPerformer, this.relations));
  }

  get stories(): Story[] {
    return this.area('stories', () => generateStories(this.faker('stories'), this.profile.isPerformer));
  }

  get releaseForms(): ReleaseForm[] {
    return this.area('releaseForms', () => generateReleaseForms(this.faker('releaseForms'), this.profile.isPerformer, this.relations));
  }

  get uploads(): UploadBook {
    return this.area('uploads', () => emptyUploadBook(this.account.userId));
  }

  get notifications(): SandboxNotification[] {
    return this.area('notifications', () => generateNotifications(this.faker('notifications'), this.profile.plan.notifications, this.relations));
  }
}

/** Every user any account has generated, findable by id or username (GET /users/{id|username}). */
export class PeopleDirectory {
  private readonly byId = new Map<number, Person | AccountData>();
  private readonly byUsername = new Map<string, number>();

  addPerson(person: Person): void {
    if (this.byId.has(person.id)) return;
    this.byId.set(person.id, person);
    this.byUsername.set(person.username, person.id);
  }

  addAccount(data: AccountData): void {
    this.byId.set(data.profile.id, data);
    this.byUsername.set(data.profile.username, data.profile.id);
  }

  /** Accepts a numeric id, `u<id>` or a username. */
  find(idOrUsername: string): Person | AccountData | undefined {
    const numeric = /^u?(\d+)$/.exec(idOrUsername);
    if (numeric) {
      const found = this.byId.get(Number(numeric[1]));
      if (found) return found;
    }
    const id = this.byUsername.get(idOrUsername.toLowerCase());
    return id === undefined ? undefined : this.byId.get(id);
  }
}

/**
 * Every account's data on this node: a cache of the store. load() brings an account's stored areas in before a
 * request uses it (one query on a cold cache, none on a warm one); the change feed marks an account another node
 * wrote to as stale, and the next load() reads it again. A request already holding the stale object finishes
 * with it; if it writes too, the later commit wins.
 */
export class SandboxWorld {
  private readonly accounts = new Map<number, AccountData>();
  private readonly stale = new Set<number>();
  private readonly loading = new Map<number, Promise<AccountData>>();
  readonly directory = new PeopleDirectory();

  constructor(
    readonly seed: number,
    /** Fixture times lie before this instant (see fixture-faker.ts). */
    readonly anchorMs: number,
    private readonly store: SandboxStore,
    /** Whether written areas are stored (false: a process-local store, where memory is all there is). */
    private readonly persistent: boolean,
  ) {}

  /** An account's data if this node has it (presigned upload URLs name their owner by user id). */
  existingDataFor(userId: number): AccountData | undefined {
    return this.accounts.get(userId);
  }

  /** Makes dataFor(account) answer from memory with what the store holds. */
  load(account: SandboxAccount): Promise<AccountData> | AccountData {
    const id = account.userId;
    const cached = this.accounts.get(id);
    if (cached && !this.stale.has(id)) return cached;
    let pending = this.loading.get(id);
    if (!pending) {
      this.stale.delete(id);
      pending = (async () => {
        const stored = this.persistent ? await this.store.loadAreas(this.seed, id) : [];
        const data = new AccountData(this.seed, this.anchorMs, account, this.directory, stored, this.persistent);
        // Marked stale meanwhile: kept for the requests that wait on it, read again by the next load().
        this.accounts.set(id, data);
        return data;
      })().finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  dataFor(account: SandboxAccount): AccountData {
    let data = this.accounts.get(account.userId);
    if (!data) {
      // Generating here would hide what the store holds for the account and let a write overwrite it.
      if (this.persistent) throw new Error(`sandbox account ${account.userId} used before it was loaded`);
      data = new AccountData(this.seed, this.anchorMs, account, this.directory);
      this.accounts.set(account.userId, data);
    }
    return data;
  }

  /** Stores the areas of an account that changed; true when something was written. */
  async persist(data: AccountData): Promise<boolean> {
    const changed = data.changedAreas();
    data.dirty = false;
    if (changed.length === 0) return false;
    await this.store.saveAreas(this.seed, data.account.userId, changed);
    data.markStored(changed);
    await this.store.publish({ k: 'a', seed: this.seed, u: data.account.userId });
    return true;
  }

  /** The change feed: another node wrote to this account. */
  markStale(userId: number): void {
    if (this.accounts.has(userId) || this.loading.has(userId)) this.stale.add(userId);
  }

  markAllStale(): void {
    for (const id of this.accounts.keys()) this.stale.add(id);
    for (const id of this.loading.keys()) this.stale.add(id);
  }
}
