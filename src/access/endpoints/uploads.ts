// Access: uploads — a file into the vault, over OnlyFans' upload flow (uploads/upload-flow.ts has the lifecycle and
// every refusal). Request and reply shapes follow OFAuth's SDK (AccessUploads*): init {contentType, filename, size}
// → {mediaUploadId}; PUT parts → {etag, mediaUploadId, partNumber}; complete {mediaUploadId} and the single-part PUT
// → {mediaUploadId, media}; check {etag, size} → {exists, media}. init also says how to cut the file (partSize,
// partCount) and when the upload is abandoned (expiresAt): fields the SDK does not declare, which it ignores.
//
// check is a table entry (one upstream call). The rest are this family's own routes (registerRoutes): init and
// complete keep state in the database, and the PUTs stream their bodies through to upstream's storage, so their
// scope parses no body at all.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { ServiceContext } from '../../platform/context.ts';
import type { HttpApp } from '../../platform/http/http-app.ts';
import { Nullable } from '../../platform/http/schema-kit.ts';
import { urlPolicyAllowsPrivate } from '../../platform/outbound.ts';
import { createUpstreamDispatchers } from '../../upstream/http-pool.ts';
import type { AccessPipeline } from '../access-pipeline.ts';
import { deferredRequestLogger } from '../request-logger.ts';
import { MAX_PARTS } from '../uploads/layout.ts';
import { completeUpload, initUpload, type IncomingBody, storePart, storeWholeFile, sweepExpiredUploads, type UploadDeps } from '../uploads/upload-flow.ts';
import { findVaultMediaByHash } from '../uploads/upstream-upload.ts';
import { defineEndpoint, type ConnectionPermission } from './define-endpoint.ts';
import { defineFamily } from './family.ts';
import { Media, shapeMedia } from './shared/media-shapes.ts';
import { Bool, Num, Opt, Str } from './shared/schema-fields.ts';

// ---- schemas ------------------------------------------------------------------------------------------------

const closed = { additionalProperties: false } as const;
const MediaUploadId = Type.String({ minLength: 1, maxLength: 64 });

export const UploadInitBody = Type.Object(
  {
    contentType: Type.String({ minLength: 1, maxLength: 100 }),
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    size: Type.Integer({ minimum: 1 }),
    vaultUpload: Opt(Type.Object({ mode: Opt(Type.Literal('message')), userId: Opt(Nullable(Str)) }, closed)),
  },
  closed,
);
export const UploadInitReply = Type.Object({
  mediaUploadId: Str,
  partSize: Type.Integer({ description: 'Bytes in every part but the last (ofconnect extension)' }),
  partCount: Type.Integer({ description: 'Parts the file is sent in, numbered from 1, in order (ofconnect extension)' }),
  expiresAt: Type.String({ format: 'date-time', description: 'When an unfinished upload is abandoned (ofconnect extension)' }),
});
export const UploadPartParams = Type.Object({ mediaUploadId: MediaUploadId, partNumber: Type.Integer({ minimum: 1, maximum: MAX_PARTS }) });
export const UploadPartReply = Type.Object({ etag: Str, mediaUploadId: Str, partNumber: Num });
export const UploadIdParams = Type.Object({ mediaUploadId: MediaUploadId });
export const UploadCompleteBody = Type.Object({ mediaUploadId: MediaUploadId }, closed);
export const UploadedMediaReply = Type.Object({ media: Opt(Media), mediaUploadId: Str });
export const UploadCheckBody = Type.Object(
  {
    etag: Type.String({ pattern: '^"?[0-9a-fA-F]{32}"?$', description: "The file's MD5, in hex" }),
    size: Type.Integer({ minimum: 1 }),
  },
  closed,
);
export const UploadCheckReply = Type.Object({ exists: Bool, media: Opt(Media) });

// ---- entries and routes -------------------------------------------------------------------------------------

const tag = 'Access: uploads';
const permission: ConnectionPermission = 'vault:write';
/** How often the service deletes abandoned uploads' records. */
const SWEEP_INTERVAL_MS = 10 * 60_000;
/** A part may take a while to reach storage: the storage pool waits this long for its answer. */
const STORAGE_TIMEOUT_MS = 5 * 60_000;

/** The PUT bodies, as the OpenAPI document describes them: never parsed nor validated (the scope has no parser). */
const RawBytes = Type.Unsafe<unknown>({ type: 'string', format: 'binary', description: 'The bytes, raw' });
const rawBody = { consumes: ['application/octet-stream'], body: RawBytes };
const ConnectionHeader = Type.Object({ 'x-connection-id': Opt(Type.String({ description: 'The connection (conn_…) to act as' })) });
// As for the managed endpoints (routes.ts): replies keep the fields their shapers pass on from upstream.
const stringify = () => (data: unknown) => JSON.stringify(data);

function described(summary: string) {
  return { tags: [tag], summary, description: `Needs the connection permission \`${permission}\`.`, headers: ConnectionHeader };
}

function incomingBody(request: FastifyRequest): IncomingBody {
  const length = request.headers['content-length'];
  const declaredBytes = length !== undefined && /^\d+$/.test(length) ? Number(length) : null;
  return { stream: request.raw, contentType: request.headers['content-type'], declaredBytes };
}

function registerUploadRoutes(scope: HttpApp, pipeline: AccessPipeline, ctx: ServiceContext): void {
  const storage = createUpstreamDispatchers({
    headersTimeoutMs: STORAGE_TIMEOUT_MS,
    bodyTimeoutMs: STORAGE_TIMEOUT_MS,
    mayProxyThroughPrivateAddresses: urlPolicyAllowsPrivate(ctx.config),
  });
  const deps: UploadDeps = { db: ctx.database.db, clock: ctx.clock, sender: pipeline.sender, storage };
  const sweep = () =>
    sweepExpiredUploads(deps).catch((error: unknown) => ctx.logger.error({ err: error }, 'deleting abandoned uploads failed'));
  const timer = setInterval(sweep, SWEEP_INTERVAL_MS);
  timer.unref();
  scope.addHook('onClose', async () => {
    clearInterval(timer);
    await storage.close();
  });
  const common = { config: { scope: 'access' as const }, childLoggerFactory: deferredRequestLogger, serializerCompiler: stringify };

  scope.post('/v2/access/uploads/init', {
    ...common,
    schema: {
      ...described('Begin an upload: the file type and size (parts then go to PUT …/parts/{n}, or the whole file to PUT …/{id})'),
      body: UploadInitBody,
      response: { 200: UploadInitReply },
    },
    handler: (request, reply) => pipeline.run(request, reply, permission, (connection) => initUpload(deps, connection, request.body)),
  });

  scope.post('/v2/access/uploads/complete', {
    ...common,
    schema: { ...described('Finish a multipart upload: the file becomes a vault media'), body: UploadCompleteBody, response: { 200: UploadedMediaReply } },
    handler: (request, reply) =>
      pipeline.run(request, reply, permission, async (connection) => {
        const { media } = await completeUpload(deps, connection, request.body.mediaUploadId);
        return { mediaUploadId: request.body.mediaUploadId, media: shapeMedia(media) };
      }),
  });

  // Own scope: no body parser at all, so the handlers stream request.raw through to storage.
  scope.register(async (streaming: HttpApp) => {
    streaming.removeAllContentTypeParsers();
    streaming.addContentTypeParser('*', (_request, _payload, done) => done(null));

    streaming.put('/v2/access/uploads/:mediaUploadId/parts/:partNumber', {
      ...common,
      schema: {
        ...described('One part of an upload, as raw bytes (application/octet-stream), in order from 1'),
        ...rawBody,
        params: UploadPartParams,
        response: { 200: UploadPartReply },
      },
      handler: (request, reply: FastifyReply) =>
        pipeline.run(request, reply, permission, async (connection) => {
          const { mediaUploadId, partNumber } = request.params;
          const { etag } = await storePart(deps, connection, mediaUploadId, partNumber, incomingBody(request));
          return { etag, mediaUploadId, partNumber };
        }),
    });

    streaming.put('/v2/access/uploads/:mediaUploadId', {
      ...common,
      schema: {
        ...described('The whole file in one request, as raw bytes; the upload is then complete (no call to complete)'),
        ...rawBody,
        params: UploadIdParams,
        response: { 200: UploadedMediaReply },
      },
      handler: (request, reply: FastifyReply) =>
        pipeline.run(request, reply, permission, async (connection) => {
          const { media } = await storeWholeFile(deps, connection, request.params.mediaUploadId, incomingBody(request));
          return { mediaUploadId: request.params.mediaUploadId, media: shapeMedia(media) };
        }),
    });
  });
}

export const family = defineFamily({
  name: 'uploads',
  permissions: [permission],
  endpoints: [
    defineEndpoint({
      method: 'POST', url: '/v2/access/uploads/check', tag, summary: 'Is this file (MD5 and size) already in the vault?', permission,
      body: UploadCheckBody, reply: UploadCheckReply,
      run: async ({ body }, send): Promise<Static<typeof UploadCheckReply>> => {
        const media = await findVaultMediaByHash(send, { md5: body.etag.replace(/"/g, '').toLowerCase(), size: body.size });
        return media === null ? { exists: false } : { exists: true, media: shapeMedia(media) };
      },
    }),
  ],
  registerRoutes: registerUploadRoutes,
});
