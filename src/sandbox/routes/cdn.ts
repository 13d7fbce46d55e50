// The simulator's CDN. Media objects in API replies name files on a placeholder host (data/media.ts); a reply hook
// turns each into a signed URL on the simulator's own origin that expires (like the real CDN's signed URLs) and is
// bound to the logged-in account: the file is served only with that account's session cookie.
//   GET|HEAD /files/{userId}/{mediaId}/{variant}.{jpg|mp4}?issued=…&expires=…&sig=…
// 403 with x-sandbox-cdn-refusal: signature (not a URL the simulator issued), expired (past `expires`, or revoked by
// the control route), session (no cookie, or another account's). Range requests get a 206.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { contentRangeOf, parseByteRange } from '../../platform/http/byte-range.ts';
import { cdnFileFor, isKnownVariant } from '../cdn-media.ts';
import { parseCookieHeader } from '../cookies.ts';
import { factsOf, type SandboxState } from '../sandbox-state.ts';

const PLACEHOLDER = /https:\/\/cdn\.sandbox\.ofconnect\.invalid\/files\/(\d+)\/([a-z0-9]+)\.(jpg|mp4)/g;

export interface CdnOptions {
  /** The simulator's own origin (known once it listens). */
  origin(): string;
  /** How long an issued URL works. */
  urlTtlSeconds: number;
}

/** What the CDN keeps per node: revocations made through the control route (tests of expired URLs). */
interface CdnRevocations {
  /** URLs issued at or before this instant are expired (every media). */
  all: number;
  byMedia: Map<string, number>;
}

function signatureOf(key: string, path: string, issued: number, expires: number): string {
  return createHmac('sha256', key).update(`${path}:${issued}:${expires}`).digest('hex').slice(0, 40);
}

function isSameSignature(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

export function registerCdnRoutes(app: FastifyInstance, state: SandboxState, options: CdnOptions): void {
  const key = `ofconnect-sandbox-cdn:${state.seed}`;
  const revoked: CdnRevocations = { all: 0, byMedia: new Map() };

  function signedUrl(userId: number, mediaId: string, file: string): string {
    const path = `/files/${userId}/${mediaId}/${file}`;
    const issued = state.now();
    const expires = Math.floor(issued / 1000) + options.urlTtlSeconds;
    return `${options.origin()}${path}?issued=${issued}&expires=${expires}&sig=${signatureOf(key, path, issued, expires)}`;
  }

  // Every API reply naming media gets signed URLs for the account that asked.
  app.addHook('onSend', async (req, _reply, payload) => {
    if (typeof payload !== 'string' || !payload.includes('cdn.sandbox.ofconnect.invalid')) return payload;
    const userId = factsOf(req).identity?.session?.account.userId;
    if (userId === undefined) return payload;
    return payload.replace(PLACEHOLDER, (_all, mediaId: string, variant: string, ext: string) => signedUrl(userId, mediaId, `${variant}.${ext}`));
  });

  async function serveFile(req: FastifyRequest<{ Params: { userId: string; mediaId: string; file: string }; Querystring: Record<string, string> }>, reply: FastifyReply) {
    const { userId, mediaId, file } = req.params;
    const match = /^([a-z0-9]+)\.(jpg|mp4)$/.exec(file);
    const refuse = (reason: string, message: string) => reply.code(403).header('x-sandbox-cdn-refusal', reason).type('text/plain').send(message);
    if (!match || !isKnownVariant(match[1]) || !/^\d+$/.test(mediaId)) return reply.code(404).type('text/plain').send('Not Found');
    const issued = Number(req.query.issued);
    const expires = Number(req.query.expires);
    const sig = String(req.query.sig ?? '');
    const path = `/files/${userId}/${mediaId}/${file}`;
    if (!Number.isSafeInteger(issued) || !Number.isSafeInteger(expires) || !isSameSignature(sig, signatureOf(key, path, issued, expires))) {
      return refuse('signature', 'Access denied: invalid signature');
    }
    const revokedAt = Math.max(revoked.all, revoked.byMedia.get(mediaId) ?? 0);
    if (state.now() > expires * 1000 || issued <= revokedAt) return refuse('expired', 'Request has expired');
    const cookies = parseCookieHeader(req.headers.cookie);
    const loading = state.sessions.load(cookies.sess);
    if (loading) await loading;
    const session = state.sessions.find(cookies.sess);
    const isOwner = session?.kind === 'auth' && String(session.account.userId) === userId && (session.expiresAt === undefined || session.expiresAt > state.now());
    if (!isOwner) return refuse('session', 'Access denied: sign in to view this file');

    const content = await cdnFileFor(Number(mediaId), match[1], match[2] as 'jpg' | 'mp4');
    const size = content.bytes.length;
    reply.header('content-type', content.contentType).header('accept-ranges', 'bytes').header('cache-control', 'private, max-age=3600');
    const asked = parseByteRange(req.headers.range, size);
    if (!asked.satisfiable) return reply.code(416).header('content-range', contentRangeOf(null, size)).send();
    if (!asked.range) return reply.header('content-length', size).send(req.method === 'HEAD' ? undefined : content.bytes);
    const { start, end } = asked.range;
    reply.code(206).header('content-range', contentRangeOf(asked.range, size)).header('content-length', end - start + 1);
    return reply.send(req.method === 'HEAD' ? undefined : content.bytes.subarray(start, end + 1));
  }
  app.get('/files/:userId/:mediaId/:file', serveFile);

  // Control: make URLs issued until now expire (all media, or one), as the real CDN's would after a few hours.
  app.post('/_sandbox/cdn/expire-urls', async (req) => {
    const mediaId = (req.body as { mediaId?: unknown } | undefined)?.mediaId;
    const now = state.now();
    if (mediaId === undefined || mediaId === null) revoked.all = now;
    else revoked.byMedia.set(String(mediaId), now);
    return { success: true, revokedBefore: now };
  });
}
