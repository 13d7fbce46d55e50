// The creator's vault: media and custom vault lists (view=main).
import type { Faker } from '@faker-js/faker';
import { pastTime } from './fixture-faker.ts';
import type { MediaItem } from './media.ts';
import { generateMediaItem } from './media.ts';

export interface VaultList {
  id: number;
  name: string;
  mediaIds: number[];
}

export interface Vault {
  /** Newest first. */
  media: MediaItem[];
  byId: Map<number, MediaItem>;
  lists: VaultList[];
  nextListId: number;
  nextMediaId: number;
  /** `md5:size` → media id, for files uploaded here (GET /vault/media/hash). */
  hashes: Record<string, number>;
}

export function generateVault(faker: Faker, count: number): Vault {
  let nextId = faker.number.int({ min: 2_000_000_000, max: 2_900_000_000 });
  const media: MediaItem[] = [];
  for (let i = 0; i < count; i++) {
    media.push(generateMediaItem(faker, nextId, pastTime(faker, 365)));
    nextId += faker.number.int({ min: 1, max: 50_000 });
  }
  media.sort((a, b) => b.createdAtMs - a.createdAtMs);
  const listNames = faker.helpers.arrayElements(['Customs', 'PPV', 'Bundles', 'Welcome', 'Teasers', 'Beach set', 'Behind the scenes'], { min: 2, max: 5 });
  let listId = faker.number.int({ min: 1_000_000, max: 9_000_000 });
  const lists = listNames.map((name) => ({ id: listId++, name, mediaIds: faker.helpers.arrayElements(media, { min: 1, max: Math.min(12, media.length) }).map((m) => m.id) }));
  return { media, byId: new Map(media.map((m) => [m.id, m])), lists, nextListId: listId, nextMediaId: nextId + 1, hashes: {} };
}

export function fileHashKey(md5: string, size: number): string {
  return `${md5.toLowerCase()}:${size}`;
}

/** A converted upload joins the vault, newest first, findable by its file hash. */
export function addVaultMedia(vault: Vault, item: MediaItem, md5: string, size: number): void {
  vault.media.unshift(item);
  vault.byId.set(item.id, item);
  vault.hashes[fileHashKey(md5, size)] = item.id;
}
