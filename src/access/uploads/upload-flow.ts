// The upload lifecycle behind /v2/access/uploads (endpoints/uploads.ts), over OnlyFans' flow: signed create →
// presigned part PUTs → complete → convert into a vault media (docs/onlyfans-web-api.md §9).
//
//   init      checks the declared file (type, size) and records the upload; nothing is sent upstream yet
//   part n    parts arrive in order (a part may be sent again); the first creates the upload upstream with every
//             part's URL; each body streams to its part URL (stream-part.ts) and its ETag is recorded
//   single    the whole file in one PUT (one upstream part), then completed as below
//   complete  every part stored → upstream complete + convert → the vault media; the record is deleted
//
// Refusals (all 4xx; none leaves a record behind):
//   unsupported file type, or larger than its type's limit or MAX_UPLOAD_BYTES     → init creates nothing
//   an upload id that is unknown, expired, or another connection's or org's          → 404, nothing changes
//   a part past the declared count, out of order, or of the wrong length             → 400, and the upload is
//     cancelled (its record deleted: the client starts again with init); so is a single PUT of the wrong length
//   a body type other than raw bytes (octet-stream or the file's own type)           → 400, nothing changes
//   complete before every part is stored                                              → 400, the upload stays
// Upstream's storage deletes the parts of an upload that is never completed (its own expiry); ours keeps none.
import type { Readable } from 'node:stream';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { ApiError } from '../../platform/errors.ts';
import { randomBase62 } from '../../platform/ids.ts';
import type { UpstreamDispatchers } from '../../upstream/http-pool.ts';
import type { UsableConnection } from '../access-pipeline.ts';
import type { UpstreamSender } from '../send-upstream.ts';
import { isAcceptedBodyType, MAX_SINGLE_PUT_BYTES, partBytes, planUpload, UPLOAD_LIFETIME_MS } from './layout.ts';
import {
  attachUpstreamUpload,
  deleteExpiredUploadRowsOfAllOrgs,
  deleteUploadRow,
  findUploadRow,
  insertUploadRow,
  recordPartEtag,
  type UploadRow,
  type UploadScope,
} from './store.ts';
import { PartSizeMismatch, streamPartToStorage } from './stream-part.ts';
import { createUpstreamUpload, finishUpstreamUpload, type CreatedUpstreamUpload } from './upstream-upload.ts';

export interface UploadDeps {
  db: Database;
  clock: Clock;
  sender: UpstreamSender;
  /** Keep-alive pools for storage PUTs, through the connection's proxy like its API calls. */
  storage: UpstreamDispatchers;
}

export interface IncomingBody {
  stream: Readable;
  contentType: string | undefined;
  /** The content-length header, when the client sent one. */
  declaredBytes: number | null;
}

export interface StartedUpload {
  mediaUploadId: string;
  partSize: number;
  partCount: number;
  expiresAt: string;
}

function scopeOf(connection: UsableConnection): UploadScope {
  return { orgId: connection.orgId, environment: connection.environment, connectionId: connection.id };
}

export async function initUpload(deps: UploadDeps, connection: UsableConnection, file: { contentType: string; filename: string; size: number }): Promise<StartedUpload> {
  const layout = planUpload(file.contentType, file.size);
  const now = deps.clock.now();
  await sweepExpiredUploads(deps);
  const row = {
    id: `upl_${randomBase62(24)}`,
    ...scopeOf(connection),
    contentType: layout.contentType,
    filename: file.filename,
    size: layout.size,
    partSize: layout.partSize,
    partCount: layout.partCount,
    createdAt: now,
    expiresAt: new Date(now.getTime() + UPLOAD_LIFETIME_MS),
  };
  await insertUploadRow(deps.db, row);
  return { mediaUploadId: row.id, partSize: row.partSize, partCount: row.partCount, expiresAt: row.expiresAt.toISOString() };
}

export async function storePart(deps: UploadDeps, connection: UsableConnection, mediaUploadId: string, partNumber: number, body: IncomingBody): Promise<{ etag: string }> {
  const scope = scopeOf(connection);
  const upload = await liveUpload(deps, scope, mediaUploadId);
  checkBodyType(upload, body);
  if (partNumber > upload.partCount) {
    await cancel(deps, scope, upload, new ApiError('BAD_REQUEST', `This upload has ${upload.partCount} parts; there is no part ${partNumber}`, {
      details: { reason: 'part_past_count', partNumber, partCount: upload.partCount },
    }));
  }
  if (partNumber > upload.etags.length + 1) {
    await cancel(deps, scope, upload, new ApiError('BAD_REQUEST', `Parts are sent in order: part ${upload.etags.length + 1} comes next, not ${partNumber}`, {
      details: { reason: 'part_out_of_order', partNumber, expectedPartNumber: upload.etags.length + 1 },
    }));
  }
  const bytes = partBytes(upload, partNumber);
  await refuseDeclaredMismatch(deps, scope, upload, bytes, body);
  const partUrls = upload.partUrls ?? (await startUpstream(deps, connection, upload, upload.partCount)).partUrls;
  const etag = await streamOrCancel(deps, scope, upload, body, { url: partUrls[partNumber - 1], bytes, dispatcher: deps.storage.dispatcherFor(connection.proxyUrl) });
  await recordPartEtag(deps.db, scope, upload.id, partNumber, etag);
  return { etag };
}

/** The whole file in one PUT, then completed: all or nothing (any failure cancels the upload). */
export async function storeWholeFile(deps: UploadDeps, connection: UsableConnection, mediaUploadId: string, body: IncomingBody): Promise<{ media: unknown }> {
  const scope = scopeOf(connection);
  const upload = await liveUpload(deps, scope, mediaUploadId);
  checkBodyType(upload, body);
  if (upload.upstreamUploadId !== null) {
    await cancel(deps, scope, upload, new ApiError('BAD_REQUEST', 'This upload was begun in parts: send the rest as parts, or start again', { details: { reason: 'parts_begun' } }));
  }
  if (upload.size > MAX_SINGLE_PUT_BYTES) {
    throw new ApiError('BAD_REQUEST', `Files over ${MAX_SINGLE_PUT_BYTES} bytes are sent in parts`, { details: { reason: 'too_large_for_single_put', maxBytes: MAX_SINGLE_PUT_BYTES } });
  }
  await refuseDeclaredMismatch(deps, scope, upload, upload.size, body);
  try {
    const started = await startUpstream(deps, connection, upload, 1);
    const destination = { url: started.partUrls[0], bytes: upload.size, dispatcher: deps.storage.dispatcherFor(connection.proxyUrl) };
    const etag = await streamPartToStorage(body.stream, destination);
    const media = await finishUpstreamUpload(deps.sender, connection, { uploadId: started.uploadId, etags: [etag], name: upload.filename });
    await deleteUploadRow(deps.db, scope, upload.id);
    return { media };
  } catch (error) {
    if (error instanceof PartSizeMismatch) await cancel(deps, scope, upload, error);
    await deleteUploadRow(deps.db, scope, upload.id);
    throw error;
  }
}

export async function completeUpload(deps: UploadDeps, connection: UsableConnection, mediaUploadId: string): Promise<{ media: unknown }> {
  const scope = scopeOf(connection);
  const upload = await liveUpload(deps, scope, mediaUploadId);
  if (upload.upstreamUploadId === null || upload.etags.length < upload.partCount) {
    throw new ApiError('BAD_REQUEST', `${upload.etags.length} of ${upload.partCount} parts are stored: send the rest before completing`, {
      details: { reason: 'parts_missing', partsStored: upload.etags.length, partCount: upload.partCount },
    });
  }
  const media = await finishUpstreamUpload(deps.sender, connection, { uploadId: upload.upstreamUploadId, etags: upload.etags, name: upload.filename });
  await deleteUploadRow(deps.db, scope, upload.id);
  return { media };
}

/** Deletes every org's abandoned uploads (run by the routes' timer and on each init). */
export async function sweepExpiredUploads(deps: Pick<UploadDeps, 'db' | 'clock'>): Promise<number> {
  return deleteExpiredUploadRowsOfAllOrgs(deps.db, deps.clock.now());
}

async function liveUpload(deps: UploadDeps, scope: UploadScope, id: string): Promise<UploadRow> {
  const upload = await findUploadRow(deps.db, scope, id);
  const hasExpired = upload !== null && upload.expiresAt <= deps.clock.now();
  if (hasExpired) await deleteUploadRow(deps.db, scope, id);
  if (!upload || hasExpired) {
    throw new ApiError('RESOURCE_NOT_FOUND', `Upload ${id} not found (unknown, expired, completed, or another connection's)`, { details: { mediaUploadId: id } });
  }
  return upload;
}

function checkBodyType(upload: UploadRow, body: IncomingBody): void {
  if (isAcceptedBodyType(body.contentType, upload.contentType)) return;
  throw new ApiError('BAD_REQUEST', `Send the bytes raw, as application/octet-stream or ${upload.contentType}, not ${body.contentType}`, {
    details: { field: 'content-type', reason: 'unsupported_content_type', accepted: ['application/octet-stream', upload.contentType] },
  });
}

async function cancel(deps: UploadDeps, scope: UploadScope, upload: UploadRow, error: ApiError): Promise<never> {
  await deleteUploadRow(deps.db, scope, upload.id);
  throw new ApiError(error.type, `${error.message}. The upload is cancelled: start again with init`, {
    details: { ...error.details, mediaUploadId: upload.id, uploadCancelled: true },
  });
}

/** A content-length that says the body is the wrong size is refused before a byte is read. */
async function refuseDeclaredMismatch(deps: UploadDeps, scope: UploadScope, upload: UploadRow, bytes: number, body: IncomingBody): Promise<void> {
  if (body.declaredBytes === null || body.declaredBytes === bytes) return;
  await cancel(deps, scope, upload, new PartSizeMismatch(bytes, body.declaredBytes, true));
}

async function streamOrCancel(deps: UploadDeps, scope: UploadScope, upload: UploadRow, body: IncomingBody, destination: Parameters<typeof streamPartToStorage>[1]): Promise<string> {
  try {
    return await streamPartToStorage(body.stream, destination);
  } catch (error) {
    if (error instanceof PartSizeMismatch) await cancel(deps, scope, upload, error);
    throw error;
  }
}

/** Creates the upload upstream with `parts` parts and records it. */
async function startUpstream(deps: UploadDeps, connection: UsableConnection, upload: UploadRow, parts: number): Promise<CreatedUpstreamUpload> {
  const created = await createUpstreamUpload(deps.sender, connection, { contentType: upload.contentType, size: upload.size, parts });
  const isRecorded = await attachUpstreamUpload(deps.db, scopeOf(connection), upload.id, created.uploadId, created.partUrls);
  if (!isRecorded) {
    throw new ApiError('CONFLICT', 'Another request began this upload at the same time: send its parts one after another', { details: { reason: 'concurrent_start' } });
  }
  return created;
}
