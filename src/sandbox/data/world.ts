// Everything the sandbox knows, generated lazily per account and per area, kept in memory for its life.
import type { SandboxAccount } from '../accounts.ts';
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

export class AccountData {
  readonly profile: OwnProfile;
  private cache = new Map<string, unknown>();

  constructor(
    private readonly seed: number,
    readonly anchorMs: number,
    readonly account: SandboxAccount,
    private readonly directory: PeopleDirectory,
  ) {
    this.profile = generateOwnProfile(fixtureFaker(seed, account.userId, 'profile', anchorMs), account);
    directory.addAccount(this);
  }

  private area<T>(name: string, make: () => T): T {
    if (!this.cache.has(name)) this.cache.set(name, make());
    return this.cache.get(name) as T;
  }

  private faker(area: string) {
    return fixtureFaker(this.seed, this.account.userId, area, this.anchorMs);
  }

  get relations(): Relation[] {
    return this.area('relations', () => {
      const relations = generateRelations(this.faker('relations'), this.profile.plan, this.profile.subscribePrice);
      for (const relation of relations) this.directory.addPerson(relation.person);
      return relations;
    });
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

export class SandboxWorld {
  private readonly accounts = new Map<number, AccountData>();
  readonly directory = new PeopleDirectory();

  constructor(
    readonly seed: number,
    /** Fixture times lie before this instant (see fixture-faker.ts). */
    readonly anchorMs: number,
  ) {}

  /** An account's data if it was ever generated (presigned upload URLs name their owner by user id). */
  existingDataFor(userId: number): AccountData | undefined {
    return this.accounts.get(userId);
  }

  dataFor(account: SandboxAccount): AccountData {
    let data = this.accounts.get(account.userId);
    if (!data) {
      data = new AccountData(this.seed, this.anchorMs, account, this.directory);
      this.accounts.set(account.userId, data);
    }
    return data;
  }
}
