// A file the service serves as it is (the dashboard's build, the API reference's Swagger UI): held in memory with its
// gzipped form made once, so a request costs neither a disk read nor compression; sent with a year's caching, since
// its URL changes with its content (a hashed name or a version in the path), and gzipped to a client that takes it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { gzipSync } from 'node:zlib';

export interface StaticAsset {
  body: Buffer;
  /** Null for a file gzip does not shrink (an image). */
  gzipped: Buffer | null;
  contentType: string;
}

export function staticAsset(body: Buffer, contentType: string, options: { compress: boolean }): StaticAsset {
  return { body, gzipped: options.compress ? gzipSync(body, { level: 9 }) : null, contentType };
}

function acceptsGzip(request: FastifyRequest): boolean {
  const accepted = request.headers['accept-encoding'];
  return typeof accepted === 'string' && /\bgzip\b/.test(accepted);
}

export function sendStaticAsset(request: FastifyRequest, reply: FastifyReply, asset: StaticAsset): FastifyReply {
  reply.type(asset.contentType);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('cross-origin-resource-policy', 'same-origin');
  reply.header('cache-control', 'public, max-age=31536000, immutable');
  reply.header('vary', 'accept-encoding');
  if (asset.gzipped && acceptsGzip(request)) return reply.header('content-encoding', 'gzip').send(asset.gzipped);
  return reply.send(asset.body);
}
