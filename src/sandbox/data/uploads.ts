// Uploads in flight: OnlyFans' flow (docs/onlyfans-web-api.md §9, Vault and media) of a signed multipart upload to
// object storage, completion, then conversion into a vault media. Part bytes live in files under the sandbox's
// upload directory; this book keeps only their paths, sizes and hashes (plain data).
import type { MediaType } from './media.ts';

export const UPLOAD_LIFETIME_MS = 24 * 3_600_000;
/** Object storage's multipart rules: every part but the last at least 5 MiB, at most 5 GiB, at most 10,000 parts. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;
export const MAX_PARTS = 10_000;

/** Accepted content types, with the largest file OnlyFans takes of each kind (the simulator's figures). */
export const UPLOAD_LIMITS: Record<string, { type: MediaType; maxBytes: number }> = {
  'image/jpeg': { type: 'photo', maxBytes: 50 * 1024 * 1024 },
  'image/png': { type: 'photo', maxBytes: 50 * 1024 * 1024 },
  'image/webp': { type: 'photo', maxBytes: 50 * 1024 * 1024 },
  'image/gif': { type: 'gif', maxBytes: 50 * 1024 * 1024 },
  'video/mp4': { type: 'video', maxBytes: 10 * 1024 * 1024 * 1024 },
  'video/quicktime': { type: 'video', maxBytes: 10 * 1024 * 1024 * 1024 },
  'audio/mpeg': { type: 'audio', maxBytes: 1024 * 1024 * 1024 },
  'audio/mp4': { type: 'audio', maxBytes: 1024 * 1024 * 1024 },
  'audio/wav': { type: 'audio', maxBytes: 1024 * 1024 * 1024 },
};

export interface UploadPart {
  partNumber: number;
  size: number;
  /** Hex md5 of the part, its ETag. */
  md5: string;
  path: string;
}

export interface Upload {
  id: string;
  key: string;
  /** Secret the presigned part URLs are signed with. */
  secret: string;
  contentType: string;
  declaredSize: number;
  partCount: number;
  parts: UploadPart[];
  createdAtMs: number;
  expiresAtMs: number;
  /** Set by completion: the whole file's md5 and size. */
  md5: string | null;
  size: number;
  processId: string | null;
  mediaId: number | null;
}

export interface UploadBook {
  uploads: Record<string, Upload>;
  /** processId → vault media id, for mediaFiles:[{processId, …}]. */
  processIds: Record<string, number>;
  nextNumber: number;
}

export function emptyUploadBook(userId: number): UploadBook {
  return { uploads: {}, processIds: {}, nextNumber: userId * 1000 };
}
