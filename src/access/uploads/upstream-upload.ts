// The signed OnlyFans calls of an upload (docs/onlyfans-web-api.md §9: the simulator's paths for uploads): create
// (presigned part URLs), complete (parts and their ETags), convert (the file becomes a vault media), and the vault's
// lookup by file hash. Replies are parsed here, once.
import { ApiError } from '../../platform/errors.ts';
import type { UsableConnection } from '../access-pipeline.ts';
import type { SendUpstream } from '../endpoints/define-endpoint.ts';
import type { UpstreamSender } from '../send-upstream.ts';
import { asArray, asObject, num, str } from '../endpoints/shared/upstream-readers.ts';

/** What metrics and traces name the upload calls after: they serve several upload routes (init, complete, whole file). */
const UPLOAD_ROUTES = '/v2/access/uploads/*';

export interface CreatedUpstreamUpload {
  uploadId: string;
  /** Presigned PUT URL of each part, by part number − 1. */
  partUrls: string[];
}

export async function createUpstreamUpload(
  sender: UpstreamSender,
  connection: UsableConnection,
  file: { contentType: string; size: number; parts: number },
): Promise<CreatedUpstreamUpload> {
  const reply = await sender.send(connection, { method: 'POST', path: '/upload/signed/create', body: { parts: file.parts, contentType: file.contentType, size: file.size } }, UPLOAD_ROUTES);
  const created = asObject(reply.body);
  const uploadId = str(created.uploadId);
  const urls = new Map(asArray(created.parts).map(asObject).map((part) => [num(part.partNumber), str(part.putUrl)]));
  const partUrls = Array.from({ length: file.parts }, (_, i) => urls.get(i + 1) ?? '');
  if (!uploadId || partUrls.some((url) => url === '')) {
    throw new ApiError('UPSTREAM_ERROR', 'Upstream created the upload without an id or a URL for every part', { details: { reason: 'upload_create_reply' } });
  }
  return { uploadId, partUrls };
}

/** Completes the upload upstream and converts it: resolves to the vault media it became (upstream's shape). */
export async function finishUpstreamUpload(
  sender: UpstreamSender,
  connection: UsableConnection,
  upload: { uploadId: string; etags: string[]; name: string },
): Promise<unknown> {
  const parts = upload.etags.map((etag, i) => ({ partNumber: i + 1, etag }));
  await sender.send(connection, { method: 'POST', path: '/upload/signed/complete', body: { uploadId: upload.uploadId, parts } }, UPLOAD_ROUTES);
  const converted = await sender.send(connection, { method: 'POST', path: '/upload/convert', body: { uploadId: upload.uploadId, name: upload.name } }, UPLOAD_ROUTES);
  const media = asObject(converted.body).media;
  if (media === null || typeof media !== 'object') {
    throw new ApiError('UPSTREAM_ERROR', 'Upstream converted the upload but named no vault media', { details: { reason: 'upload_convert_reply' } });
  }
  return media;
}

/** The vault media holding exactly this file (md5 and size), or null: upstream answers 404 for a new file. */
export async function findVaultMediaByHash(send: SendUpstream, file: { md5: string; size: number }): Promise<unknown> {
  try {
    return await send({ method: 'GET', path: '/vault/media/hash', query: { h: file.md5, size: file.size } });
  } catch (error) {
    if (error instanceof ApiError && error.type === 'RESOURCE_NOT_FOUND') return null;
    throw error;
  }
}
