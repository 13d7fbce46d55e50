// Media objects (vault, messages, posts): ids are integers, files carry full/thumb/preview/squarePreview.
import type { Faker } from '@faker-js/faker';
import { isoTime } from './formats.ts';

export type MediaType = 'photo' | 'video' | 'gif' | 'audio';

export interface MediaItem {
  id: number;
  type: MediaType;
  createdAtMs: number;
  duration: number;
  width: number;
  height: number;
}

const CDN = 'https://cdn.sandbox.ofconnect.invalid/files';

export function generateMediaItem(faker: Faker, id: number, createdAtMs: number): MediaItem {
  const type = faker.helpers.weightedArrayElement<MediaType>([
    { value: 'photo', weight: 6 },
    { value: 'video', weight: 3 },
    { value: 'gif', weight: 1 },
    { value: 'audio', weight: 1 },
  ]);
  const portrait = faker.datatype.boolean();
  return {
    id,
    type,
    createdAtMs,
    duration: type === 'video' || type === 'audio' ? faker.number.int({ min: 5, max: 900 }) : 0,
    width: portrait ? 1080 : 1920,
    height: portrait ? 1920 : 1080,
  };
}

function file(item: MediaItem, variant: string, scale: number) {
  return { url: `${CDN}/${item.id}/${variant}.${item.type === 'photo' ? 'jpg' : 'mp4'}`, width: Math.round(item.width * scale), height: Math.round(item.height * scale) };
}

export function mediaView(item: MediaItem, canView = true) {
  return {
    id: item.id,
    type: item.type,
    convertedToVideo: false,
    canView,
    hasError: false,
    createdAt: isoTime(item.createdAtMs),
    isReady: true,
    duration: item.duration,
    files: {
      full: file(item, 'full', 1),
      thumb: file(item, 'thumb', 0.15),
      preview: file(item, 'preview', 0.5),
      squarePreview: { ...file(item, 'square', 0.3), width: 480, height: 480 },
    },
    videoSources: item.type === 'video' ? { '720': file(item, '720', 1).url, '240': file(item, '240', 1).url } : { '720': null, '240': null },
  };
}
