// What an upload may be and how it is cut into parts. The file types and their limits are the ones OnlyFans takes
// (the simulator's figures, docs/onlyfans-web-api.md §9, Vault and media); MAX_UPLOAD_BYTES is ofconnect's own cap
// above them. Parts follow object storage's multipart rules: every part but the last the same size, at least 5 MiB.
import { ApiError } from '../../platform/errors.ts';

const MIB = 1024 * 1024;

/** ofconnect's cap on any one file, whatever its type. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * MIB;
/** Storage's smallest part (but the last), and the part size of files up to MAX_PARTS × that. */
export const MIN_PART_BYTES = 5 * MIB;
/** Parts per upload at most: larger files get larger parts, so an upload's record stays small. */
export const MAX_PARTS = 1000;
/** One storage PUT holds at most this much: the single-part route refuses larger files. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 * MIB;
/** An upload not completed within this time is abandoned: its record is deleted by the sweep. */
export const UPLOAD_LIFETIME_MS = 24 * 3_600_000;

const PHOTO_BYTES = 50 * MIB;
const VIDEO_BYTES = 10 * 1024 * MIB;
const AUDIO_BYTES = 1024 * MIB;

/** Accepted file types and the largest file of each. */
export const FILE_TYPE_LIMITS: Readonly<Record<string, number>> = {
  'image/jpeg': PHOTO_BYTES,
  'image/png': PHOTO_BYTES,
  'image/webp': PHOTO_BYTES,
  'image/gif': PHOTO_BYTES,
  'video/mp4': VIDEO_BYTES,
  'video/quicktime': VIDEO_BYTES,
  'audio/mpeg': AUDIO_BYTES,
  'audio/mp4': AUDIO_BYTES,
  'audio/wav': AUDIO_BYTES,
};

export interface UploadLayout {
  contentType: string;
  size: number;
  partSize: number;
  partCount: number;
}

/** Checks a declared file against the accepted types and limits, and cuts it into parts. */
export function planUpload(contentType: string, size: number): UploadLayout {
  const type = contentType.trim().toLowerCase();
  const typeLimit = FILE_TYPE_LIMITS[type];
  if (typeLimit === undefined) {
    throw new ApiError('BAD_REQUEST', `Unsupported file type ${contentType}; accepted: ${Object.keys(FILE_TYPE_LIMITS).join(', ')}`, {
      details: { field: 'contentType', reason: 'unsupported_content_type', accepted: Object.keys(FILE_TYPE_LIMITS) },
    });
  }
  const maxBytes = Math.min(typeLimit, MAX_UPLOAD_BYTES);
  if (size > maxBytes) {
    throw new ApiError('BAD_REQUEST', `The file is too large: ${type} files may have up to ${maxBytes} bytes`, {
      details: { field: 'size', reason: 'too_large', maxBytes, size },
    });
  }
  const partSize = Math.max(MIN_PART_BYTES, Math.ceil(size / MAX_PARTS / MIB) * MIB);
  return { contentType: type, size, partSize, partCount: Math.max(1, Math.ceil(size / partSize)) };
}

/** How many bytes part `partNumber` (1-based) holds: the part size, or what is left for the last. */
export function partBytes(layout: UploadLayout, partNumber: number): number {
  return partNumber < layout.partCount ? layout.partSize : layout.size - layout.partSize * (layout.partCount - 1);
}

/** Body types a part or a single PUT may come with: raw bytes, labelled as such, as the file's type, or not at all. */
export function isAcceptedBodyType(header: string | undefined, fileType: string): boolean {
  if (header === undefined || header.trim() === '') return true;
  const type = header.split(';')[0].trim().toLowerCase();
  return type === 'application/octet-stream' || type === fileType;
}
