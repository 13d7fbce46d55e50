// The upload flow (docs/onlyfans-web-api.md §9, Vault and media), all of it on the simulator's origin:
//   POST /api2/v2/upload/signed/create {parts, contentType, size, key?}  → presigned part URLs      (signed API)
//   PUT  /upload/{owner}/{uploadId}/{partNumber}?X-Amz-Expires&X-Amz-Signature  → ETag  (object storage, presigned)
//   POST /api2/v2/upload/signed/complete {uploadId, parts:[{partNumber, etag}]}                    (signed API)
//   POST /api2/v2/upload/convert {uploadId, name?} → {processId, host, name, extra, mediaId}       (signed API)
// create is in the notes; complete and convert are the simulator's choice of path (upstream, conversion runs on
// convert.onlyfans.com /file/upload). The part PUT is checked as object storage checks it — the presigned URL's
// signature and expiry, not OnlyFans' headers — and answers in its XML error format. Parts stream to files
// (hashed and counted on the way), never held in memory; conversion turns the parts into a vault media and deletes
// them. Uploads not finished within a day expire and their parts are deleted.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mediaView } from '../data/media.ts';
import type { Upload, UploadPart } from '../data/uploads.ts';
import { MAX_PARTS, MAX_PART_BYTES, MIN_PART_BYTES, UPLOAD_LIFETIME_MS, UPLOAD_LIMITS } from '../data/uploads.ts';
import { addVaultMedia, fileHashKey } from '../data/vault.ts';
import type { AccountData } from '../data/world.ts';
import { OnlyFansError, badRequest, notFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';

const CONVERT_HOST = 'convert.sandbox.ofconnect.invalid';
const PRESIGN_TTL_S = 3600;

/** Object storage's error: an XML body with a code (S3's names), rendered by the storage routes' error handler. */
class StorageError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function presign(upload: Upload, partNumber: number, expires: number): string {
  return createHmac('sha256', upload.secret).update(`${upload.id}:${partNumber}:${expires}`).digest('hex');
}

function isLive(upload: Upload, nowMs: number): boolean {
  return upload.expiresAtMs > nowMs;
}

async function deleteParts(upload: Upload): Promise<void> {
  await Promise.all(upload.parts.map((part) => rm(part.path, { force: true })));
  upload.parts = [];
}

/** Expired uploads leave nothing behind but their record (so a late part gets NoSuchUpload, not a 500). */
async function sweepExpired(data: AccountData, nowMs: number): Promise<void> {
  for (const upload of Object.values(data.uploads.uploads)) if (!isLive(upload, nowMs) && upload.parts.length > 0) await deleteParts(upload);
}

function findUpload(data: AccountData, id: unknown, nowMs: number): Upload {
  const upload = typeof id === 'string' ? data.uploads.uploads[id] : undefined;
  if (!upload || !isLive(upload, nowMs)) throw notFound('Upload not found');
  return upload;
}

/** Streams one part to a file, counting and hashing as it goes; over `maxBytes` it stops and leaves no file. */
async function receivePart(req: FastifyRequest, path: string, maxBytes: number): Promise<{ size: number; md5: string }> {
  const hash = createHash('md5');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) return done(new StorageError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size'));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const partial = `${path}.partial`;
  const file = createWriteStream(partial);
  try {
    await pipeline(req.raw, meter, file);
  } catch (error) {
    // The pipeline rejects as soon as the meter fails, possibly before the file has even been opened: wait for the
    // destroyed stream to close, or the open lands after the rm and leaves the partial file behind.
    if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
    await rm(partial, { force: true });
    throw error instanceof StorageError ? error : new StorageError(400, 'IncompleteBody', 'The request body ended early');
  }
  await rename(partial, path);
  return { size, md5: hash.digest('hex') };
}

async function md5OfParts(parts: UploadPart[]): Promise<string> {
  const hash = createHash('md5');
  for (const part of parts) for await (const chunk of createReadStream(part.path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function registerStorageRoutes(app: FastifyInstance, state: SandboxState): void {
  app.register(async (storage) => {
    // Raw bytes of any content type: the handler streams req.raw itself.
    storage.removeAllContentTypeParsers();
    storage.addContentTypeParser('*', (_req, _payload, done) => done(null));
    storage.setErrorHandler((error, _req, reply) => {
      const known = error instanceof StorageError ? error : new StorageError(500, 'InternalError', 'We encountered an internal error');
      reply.code(known.status).type('application/xml').header('connection', 'close');
      return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${known.code}</Code><Message>${known.message}</Message></Error>`;
    });

    storage.put<{ Params: { owner: string; uploadId: string; partNumber: string }; Querystring: Record<string, string | undefined> }>(
      '/upload/:owner/:uploadId/:partNumber',
      async (req, reply) => {
        const now = state.now();
        const data = state.world.existingDataFor(Number(req.params.owner));
        const upload = data?.uploads.uploads[req.params.uploadId];
        if (!data || !upload || !isLive(upload, now) || upload.md5 !== null) throw new StorageError(404, 'NoSuchUpload', 'The specified upload does not exist');
        const partNumber = Number(req.params.partNumber);
        const expires = Number(req.query['X-Amz-Expires']);
        const signature = req.query['X-Amz-Signature'] ?? '';
        const expected = presign(upload, partNumber, expires);
        if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
          throw new StorageError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided');
        }
        if (expires * 1000 < now) throw new StorageError(403, 'AccessDenied', 'Request has expired');
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > upload.partCount) throw new StorageError(400, 'InvalidArgument', 'Part number must be within the parts the upload was created with');
        await sweepExpired(data, now);
        const others = upload.parts.filter((p) => p.partNumber !== partNumber);
        const room = upload.declaredSize - others.reduce((n, p) => n + p.size, 0);
        const path = join(state.uploadDir, `${upload.id}-${partNumber}`);
        const received = await receivePart(req, path, Math.min(MAX_PART_BYTES, room));
        upload.parts = [...others, { partNumber, path, ...received }].sort((a, b) => a.partNumber - b.partNumber);
        reply.header('etag', `"${received.md5}"`);
        return '';
      },
    );
  });
}

export function registerUploadRoutes(app: FastifyInstance, state: SandboxState): void {
  registerStorageRoutes(app, state);

  app.post('/api2/v2/upload/signed/create', async (req) => {
    const data = requireAccountData(req, state);
    if (!data.profile.isPerformer) throw badRequest('Only creators can upload to the vault');
    const now = state.now();
    await sweepExpired(data, now);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const contentType = typeof body.contentType === 'string' ? body.contentType.toLowerCase() : '';
    const limit = UPLOAD_LIMITS[contentType];
    if (!limit) throw badRequest(`Unsupported file type. Allowed: ${Object.keys(UPLOAD_LIMITS).join(', ')}`);
    const size = body.size;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) throw badRequest('size (bytes) is required');
    if (size > limit.maxBytes) throw new OnlyFansError(413, 0, `File is too large: ${limit.type} files up to ${limit.maxBytes} bytes`);
    const parts = body.parts ?? 1;
    if (typeof parts !== 'number' || !Number.isInteger(parts) || parts < 1 || parts > MAX_PARTS) throw badRequest(`parts must be from 1 to ${MAX_PARTS}`);
    if (parts > 1 && size < (parts - 1) * MIN_PART_BYTES) throw badRequest(`Every part but the last must be at least ${MIN_PART_BYTES} bytes`);
    const book = data.uploads;
    const id = String(++book.nextNumber);
    const key = typeof body.key === 'string' && body.key !== '' ? body.key : `upload/${data.profile.id}/${id}`;
    const upload: Upload = { id, key, secret: randomBytes(16).toString('hex'), contentType, declaredSize: size, partCount: parts, parts: [], createdAtMs: now, expiresAtMs: now + UPLOAD_LIFETIME_MS, md5: null, size: 0, processId: null, mediaId: null };
    book.uploads[id] = upload;
    const origin = `${req.protocol}://${req.headers.host}`;
    const expires = Math.floor(now / 1000) + PRESIGN_TTL_S;
    const urls = Array.from({ length: parts }, (_, i) => ({ partNumber: i + 1, putUrl: `${origin}/upload/${data.profile.id}/${id}/${i + 1}?X-Amz-Expires=${expires}&X-Amz-Signature=${presign(upload, i + 1, expires)}` }));
    return { uploadId: id, key, putUrl: urls[0].putUrl, parts: urls, getUrl: `https://cdn.sandbox.ofconnect.invalid/${key}`, expiresAt: new Date(upload.expiresAtMs).toISOString() };
  });

  app.post('/api2/v2/upload/signed/complete', async (req) => {
    const data = requireAccountData(req, state);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const upload = findUpload(data, body.uploadId, state.now());
    if (upload.md5 !== null) throw badRequest('Upload is already complete');
    const listed = Array.isArray(body.parts) ? (body.parts as Array<Record<string, unknown>>) : [];
    if (listed.length === 0) throw badRequest('parts is required');
    const chosen: UploadPart[] = [];
    for (const [index, entry] of listed.entries()) {
      const partNumber = Number(entry.partNumber);
      if (index > 0 && partNumber <= Number(listed[index - 1].partNumber)) throw badRequest('InvalidPartOrder: the list of parts was not in ascending order');
      const part = upload.parts.find((p) => p.partNumber === partNumber);
      if (!part || String(entry.etag ?? '').replace(/"/g, '') !== part.md5) throw badRequest(`InvalidPart: part ${partNumber} was not uploaded or its ETag does not match`);
      chosen.push(part);
    }
    if (chosen.slice(0, -1).some((p) => p.size < MIN_PART_BYTES)) throw badRequest(`EntityTooSmall: every part but the last must be at least ${MIN_PART_BYTES} bytes`);
    const size = chosen.reduce((n, p) => n + p.size, 0);
    if (size !== upload.declaredSize) throw badRequest(`The parts hold ${size} bytes, not the ${upload.declaredSize} the upload was created with`);
    await Promise.all(upload.parts.filter((p) => !chosen.includes(p)).map((p) => rm(p.path, { force: true })));
    upload.parts = chosen;
    upload.size = size;
    upload.md5 = await md5OfParts(chosen);
    return { uploadId: upload.id, key: upload.key, size, md5: upload.md5, getUrl: `https://cdn.sandbox.ofconnect.invalid/${upload.key}` };
  });

  // "Conversion": the completed file becomes a vault media (the one already holding the same file, if any).
  app.post('/api2/v2/upload/convert', async (req) => {
    const data = requireAccountData(req, state);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const upload = findUpload(data, body.uploadId, state.now());
    if (upload.md5 === null) throw badRequest('Upload is not complete');
    const name = typeof body.name === 'string' && body.name !== '' ? body.name : upload.key.split('/').at(-1)!;
    if (upload.mediaId === null) {
      const vault = data.vault;
      const existing = vault.hashes[fileHashKey(upload.md5, upload.size)];
      if (existing !== undefined) upload.mediaId = existing;
      else {
        const type = UPLOAD_LIMITS[upload.contentType].type;
        const isTimed = type === 'video' || type === 'audio';
        const item = { id: vault.nextMediaId++, type, createdAtMs: state.now(), duration: isTimed ? Math.max(1, Math.round(upload.size / 500_000)) : 0, width: type === 'audio' ? 0 : 1920, height: type === 'audio' ? 0 : 1080 };
        addVaultMedia(vault, item, upload.md5, upload.size);
        upload.mediaId = item.id;
      }
      upload.processId = createHash('sha1').update(`${data.profile.id}:${upload.id}`).digest('hex').slice(0, 24);
      data.uploads.processIds[upload.processId] = upload.mediaId;
      await deleteParts(upload);
    }
    const media = data.vault.byId.get(upload.mediaId);
    return { processId: upload.processId, host: CONVERT_HOST, name, extra: upload.key, mediaId: upload.mediaId, media: media ? mediaView(media) : null };
  });
}
