// The simulator CDN's files: a deterministic JPEG per photo variant (sharp, drawn from the media id) and a small
// MP4 per video, gif or audio variant. The MP4 is a structurally valid ISO BMFF file (ftyp, moov/mvhd with the
// duration, free, mdat) without a decodable track: enough for copying, hashing, Range and content types.
import { createHash } from 'node:crypto';

export interface CdnFile {
  bytes: Buffer;
  contentType: string;
}

/** Image sizes per variant; the simulator's media objects name the same variants (data/media.ts). */
const IMAGE_SIZES: Record<string, [number, number]> = {
  full: [1280, 720],
  preview: [640, 360],
  thumb: [192, 108],
  square: [480, 480],
};

/** mdat bytes per video variant: a few hundred kilobytes at most, so tests and the sandbox stay light. */
const VIDEO_BYTES: Record<string, number> = { full: 240_000, '720': 200_000, '240': 60_000, preview: 90_000, thumb: 20_000, square: 30_000 };

const CACHE_ENTRIES = 256;
const cache = new Map<string, Promise<CdnFile>>();

/** The file for one media variant; the same id, variant and extension always give the same bytes. */
export function cdnFileFor(mediaId: number, variant: string, extension: 'jpg' | 'mp4'): Promise<CdnFile> {
  const key = `${mediaId}/${variant}.${extension}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const made = extension === 'jpg' ? drawImage(mediaId, variant) : Promise.resolve(buildMp4(mediaId, variant));
  if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(key, made);
  made.catch(() => cache.delete(key));
  return made;
}

export function isKnownVariant(variant: string): boolean {
  return variant in VIDEO_BYTES;
}

/** A stream of pseudo-random bytes from a seed (SHA-256 in counter mode). */
function seededBytes(seed: string, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let offset = 0, i = 0; offset < length; i++) {
    offset += createHash('sha256').update(`${seed}:${i}`).digest().copy(out, offset);
  }
  return out;
}

async function drawImage(mediaId: number, variant: string): Promise<CdnFile> {
  // Loaded on first use: the simulator starts in-process with the service, and startup time matters.
  const sharp = (await import('sharp')).default;
  const [width, height] = IMAGE_SIZES[variant] ?? IMAGE_SIZES.full;
  const r = seededBytes(`image:${mediaId}`, 16);
  const hue = (n: number) => Math.round((r[n] / 255) * 360);
  const circles = [0, 1, 2, 3]
    .map((i) => `<circle cx="${(r[4 + i] / 255) * width}" cy="${(r[8 + i] / 255) * height}" r="${(0.1 + r[12 + i] / 600) * Math.min(width, height)}" fill="hsl(${hue(i + 2)},70%,60%)" fill-opacity="0.7"/>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue(0)},60%,45%)"/><stop offset="1" stop-color="hsl(${hue(1)},60%,25%)"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>${circles}</svg>`;
  const bytes = await sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
  return { bytes, contentType: 'image/jpeg' };
}

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}

function movieHeader(durationMs: number): Buffer {
  const mvhd = Buffer.alloc(100);
  mvhd.writeUInt32BE(1000, 12); // timescale: milliseconds
  mvhd.writeUInt32BE(durationMs, 16);
  mvhd.writeUInt32BE(0x00010000, 20); // rate 1.0
  mvhd.writeUInt16BE(0x0100, 24); // volume 1.0
  // The identity matrix.
  mvhd.writeUInt32BE(0x00010000, 36);
  mvhd.writeUInt32BE(0x00010000, 52);
  mvhd.writeUInt32BE(0x40000000, 68);
  mvhd.writeUInt32BE(1, 96); // next track id
  return box('mvhd', mvhd);
}

function buildMp4(mediaId: number, variant: string): CdnFile {
  const base = VIDEO_BYTES[variant] ?? VIDEO_BYTES.full;
  // Sizes differ per item (a few kilobytes either way), so stored totals are not all the same number.
  const length = base + (mediaId % 4096);
  const ftyp = box('ftyp', Buffer.from('isom', 'latin1'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2mp41', 'latin1'));
  const moov = box('moov', movieHeader(5_000 + (mediaId % 60) * 1000));
  const free = box('free', Buffer.from(`ofconnect sandbox media ${mediaId} ${variant}`, 'latin1'));
  const mdat = box('mdat', seededBytes(`video:${mediaId}:${variant}`, length));
  return { bytes: Buffer.concat([ftyp, moov, free, mdat]), contentType: 'video/mp4' };
}
