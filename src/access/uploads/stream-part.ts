// One part's bytes from the caller to upstream's presigned storage URL, as they arrive: the request body is piped
// through a byte counter into an undici PUT, so the process holds a few socket buffers of it, never the part.
// Storage is told the exact length (content-length), so a body that ends early or runs long never becomes a part.
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ApiError } from '../../platform/errors.ts';

export interface PartDestination {
  /** The presigned URL (outside /api2/v2: not signed as OnlyFans calls are, its query is its credential). */
  url: string;
  bytes: number;
  dispatcher: Dispatcher;
}

/** The body had more or fewer bytes than the part must hold. */
export class PartSizeMismatch extends ApiError {
  constructor(expected: number, received: number, isComplete: boolean) {
    const message = isComplete
      ? `The part must hold ${expected} bytes; its body had ${received}`
      : `The part must hold ${expected} bytes; its body is longer`;
    super('BAD_REQUEST', message, { details: { reason: 'part_size', expectedBytes: expected, ...(isComplete ? { receivedBytes: received } : {}) } });
  }
}

/** Streams `body` to storage; resolves to the part's ETag (unquoted). */
export async function streamPartToStorage(body: Readable, destination: PartDestination): Promise<string> {
  const { url, bytes, dispatcher } = destination;
  let counted = 0;
  let mismatch: PartSizeMismatch | null = null;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counted += chunk.length;
      if (counted > bytes) return done((mismatch = new PartSizeMismatch(bytes, counted, false)));
      done(null, chunk);
    },
    flush(done) {
      done(counted === bytes ? null : (mismatch = new PartSizeMismatch(bytes, counted, true)));
    },
  });
  const target = storageUrl(url);
  feed(body, meter);
  let response: Dispatcher.ResponseData;
  try {
    response = await dispatcher.request({
      origin: target.origin,
      path: `${target.pathname}${target.search}`,
      method: 'PUT',
      headers: { 'content-length': String(bytes), 'content-type': 'application/octet-stream' },
      body: meter,
    });
  } catch (error) {
    meter.destroy();
    if (mismatch) throw mismatch;
    if (isClientGone(body)) throw new ApiError('BAD_REQUEST', 'The request body ended before the part was complete', { details: { reason: 'body_incomplete' }, cause: error });
    throw new ApiError('UPSTREAM_UNAVAILABLE', 'Upstream storage could not be reached', { details: { reason: 'storage_unreachable' }, cause: error });
  }
  const text = await response.body.text().catch(() => '');
  if (mismatch) throw mismatch;
  if (response.statusCode >= 200 && response.statusCode < 300) {
    const etag = response.headers.etag;
    const value = Array.isArray(etag) ? etag[0] : etag;
    if (!value) throw new ApiError('UPSTREAM_ERROR', 'Upstream storage stored the part without an ETag', { details: { reason: 'storage_no_etag' } });
    return value.replace(/"/g, '');
  }
  throw storageError(response.statusCode, text);
}

/**
 * Pipes the request body into the meter. Not stream.pipeline: it would destroy the request on a meter error, and
 * with it the socket the 4xx must be answered on. A refused body is drained instead; errors surface through the
 * storage PUT, which rejects when its body stream fails.
 */
function feed(body: Readable, meter: Transform): void {
  const abort = () => meter.destroy(new Error('the request body was aborted'));
  body.once('aborted', abort);
  body.once('error', abort);
  body.once('close', () => {
    if (!body.readableEnded) abort();
  });
  meter.once('error', () => {
    body.unpipe(meter);
    body.resume();
  });
  body.pipe(meter);
}

function storageUrl(url: string): URL {
  const target = URL.canParse(url) ? new URL(url) : null;
  if (target?.protocol !== 'https:' && target?.protocol !== 'http:') {
    throw new ApiError('UPSTREAM_ERROR', 'Upstream gave a storage URL that is not http(s)', { details: { reason: 'storage_url' } });
  }
  return target;
}

function isClientGone(body: Readable): boolean {
  return body.destroyed || body.errored !== null;
}

/** Storage answers in XML (`<Error><Code>…</Code><Message>…</Message></Error>`), S3's format. */
function storageError(status: number, xml: string): ApiError {
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? null;
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? `HTTP ${status}`;
  const details = { reason: 'storage_rejected', storageStatus: status, storageCode: code };
  if (status === 404) return new ApiError('RESOURCE_NOT_FOUND', `Upstream storage no longer has this upload: ${message}`, { details });
  if (status >= 400 && status < 500) return new ApiError('BAD_REQUEST', `Upstream storage refused the part: ${message}`, { details });
  return new ApiError('UPSTREAM_ERROR', `Upstream storage failed: ${message}`, { details });
}
