// Uploads through the Access API against the simulator's upload flow, on both databases: parts stream through to
// upstream storage, the file lands in the vault and goes out in a message; bad uploads get 4xx and leave no record;
// abandoned uploads expire on the service's (manual) clock.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { UploadCheckReply, UploadedMediaReply, UploadInitReply, UploadPartReply } from '../../src/access/endpoints/uploads.ts';
import { accessUploads } from '../../src/access/tables.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { access, importConnection, type ImportedConnection, messageableFanId } from './access-fixture.ts';
import { heldBytes } from '../support/memory.ts';

const MIB = 1024 * 1024;


function expectShape(schema: TSchema, body: unknown): void {
  const first = [...Value.Errors(schema, body)][0];
  expect(first ? `${first.instancePath}: ${first.message}` : 'ok').toBe('ok');
}

/** `bytes` of data made 64 KiB at a time (the sender holds one chunk, never the part); no length is announced. */
function streamOf(bytes: number, fill = 42): Readable {
  const chunk = Buffer.alloc(64 * 1024, fill);
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return this.push(null);
      const size = Math.min(chunk.length, left);
      left -= size;
      this.push(size === chunk.length ? chunk : chunk.subarray(0, size));
    },
  });
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

describe.each(BACKENDS)('access: uploads (%s)', (backend) => {
  const clock = new ManualClock();
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService(backend, { clock });
  });
  afterAll(async () => t?.close());

  /** A raw PUT as an SDK user sends a part: bytes (a buffer, or a stream sent chunked), apikey and connection. */
  async function put(conn: ImportedConnection, path: string, body: Buffer | Readable, headers: Record<string, string> = {}) {
    const res = await request(`${t.url}${path}`, {
      method: 'PUT',
      headers: { apikey: t.adminKey, 'x-connection-id': conn.id, 'content-type': 'application/octet-stream', ...headers },
      body,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? JSON.parse(text) : null };
  }

  const init = (conn: ImportedConnection, file: { contentType: string; size: number; filename?: string }) =>
    access(t, conn.id, 'POST', '/v2/access/uploads/init', { body: { filename: 'file.bin', ...file } });

  async function recordsOf(conn: ImportedConnection) {
    return t.database.handle.db.select().from(accessUploads).where(eq(accessUploads.connectionId, conn.id));
  }

  /** init → parts (streamed) → complete; returns the vault media. `afterPart` runs after each stored part. */
  async function uploadInParts(conn: ImportedConnection, size: number, fill: number, afterPart: () => void = () => {}) {
    const started = await init(conn, { contentType: 'video/mp4', size, filename: 'clip.mp4' });
    expect(started.status).toBe(200);
    const { mediaUploadId, partSize, partCount } = started.body;
    for (let n = 1; n <= partCount; n++) {
      const bytes = n < partCount ? partSize : size - partSize * (partCount - 1);
      const part = await put(conn, `/v2/access/uploads/${mediaUploadId}/parts/${n}`, streamOf(bytes, fill));
      expect(part.status).toBe(200);
      afterPart();
    }
    const completed = await access(t, conn.id, 'POST', '/v2/access/uploads/complete', { body: { mediaUploadId } });
    expect(completed.status).toBe(200);
    return completed.body.media;
  }

  it('a file sent in parts is checked, completed into the vault, attached to a message and seen in the chat', async () => {
    const conn = await importConnection(t);
    const first = Buffer.alloc(5 * MIB, 7);
    const last = Buffer.from('the end of the file');
    const file = Buffer.concat([first, last]);

    const unseen = await access(t, conn.id, 'POST', '/v2/access/uploads/check', { body: { etag: md5(file), size: file.length } });
    expect(unseen.status).toBe(200);
    expect(unseen.body).toEqual({ exists: false });

    const started = await init(conn, { contentType: 'video/mp4', size: file.length, filename: 'clip.mp4' });
    expect(started.status).toBe(200);
    expectShape(UploadInitReply, started.body);
    expect(started.body).toMatchObject({ partSize: 5 * MIB, partCount: 2 });
    const { mediaUploadId } = started.body;

    const one = await put(conn, `/v2/access/uploads/${mediaUploadId}/parts/1`, first);
    expect(one.status).toBe(200);
    expectShape(UploadPartReply, one.body);
    expect(one.body).toEqual({ etag: md5(first), mediaUploadId, partNumber: 1 });
    // A part may be sent again (a retry after a lost reply): it replaces the stored one.
    expect((await put(conn, `/v2/access/uploads/${mediaUploadId}/parts/1`, first)).status).toBe(200);
    expect((await put(conn, `/v2/access/uploads/${mediaUploadId}/parts/2`, last, { 'content-type': 'video/mp4' })).status).toBe(200);

    const completed = await access(t, conn.id, 'POST', '/v2/access/uploads/complete', { body: { mediaUploadId } });
    expect(completed.status).toBe(200);
    expectShape(UploadedMediaReply, completed.body);
    const mediaId = completed.body.media.id;
    expect(completed.body).toMatchObject({ mediaUploadId, media: { id: expect.any(Number), type: 'video' } });
    expect(await recordsOf(conn)).toEqual([]);

    const vault = await access(t, conn.id, 'GET', '/v2/access/vault/media?limit=5');
    expect(vault.body.list.map((m: { id: number }) => m.id)).toContain(mediaId);
    const seen = await access(t, conn.id, 'POST', '/v2/access/uploads/check', { body: { etag: md5(file), size: file.length } });
    expectShape(UploadCheckReply, seen.body);
    expect(seen.body).toMatchObject({ exists: true, media: { id: mediaId } });

    const fanId = await messageableFanId(t, conn.id);
    const sent = await access(t, conn.id, 'POST', `/v2/access/chats/${fanId}/messages`, { body: { text: 'a new clip', mediaItems: [mediaId], price: 5 } });
    expect(sent.status).toBe(200);
    expect(sent.body.media.map((m: { id: number }) => m.id)).toEqual([mediaId]);
    const chat = await access(t, conn.id, 'GET', `/v2/access/chats/${fanId}/messages?limit=5`);
    expect(chat.body.list[0]).toMatchObject({ id: sent.body.id, media: [expect.objectContaining({ id: mediaId })] });
    // Completed: the id is gone.
    expect((await access(t, conn.id, 'POST', '/v2/access/uploads/complete', { body: { mediaUploadId } })).status).toBe(404);
  });

  it('a file in one PUT (any size up to the single-PUT cap, streamed) is stored and completed at once', async () => {
    const conn = await importConnection(t);
    const file = Buffer.from('a tiny png, as far as the vault can tell');
    const started = await init(conn, { contentType: 'image/png', size: file.length, filename: 'tiny.png' });
    const stored = await put(conn, `/v2/access/uploads/${started.body.mediaUploadId}`, file, { 'content-type': 'image/png' });
    expect(stored.status).toBe(200);
    expectShape(UploadedMediaReply, stored.body);
    expect(stored.body).toMatchObject({ mediaUploadId: started.body.mediaUploadId, media: { type: 'photo' } });

    // Larger than a part, sent chunked (no content-length): still one PUT.
    const big = await init(conn, { contentType: 'video/mp4', size: 6 * MIB, filename: 'big.mp4' });
    expect(big.body.partCount).toBe(2);
    const whole = await put(conn, `/v2/access/uploads/${big.body.mediaUploadId}`, streamOf(6 * MIB, 3));
    expect(whole.status).toBe(200);
    expect(whole.body.media).toMatchObject({ type: 'video' });
    const vault = await access(t, conn.id, 'GET', '/v2/access/vault/media?limit=5');
    expect(vault.body.list.map((m: { id: number }) => m.id)).toEqual(expect.arrayContaining([stored.body.media.id, whole.body.media.id]));
    expect(await recordsOf(conn)).toEqual([]);
  });

  // On one backend: the bytes stream to disk the same whichever database holds the upload's record, and a 50 MB upload
  // with a full collection between parts is this file's slowest test.
  it.runIf(backend === BACKENDS[0])('a 50 MB file in parts streams through: the service grows by less than 30 MB', async () => {
    const conn = await importConnection(t);
    // A first upload warms the code paths and pools, so the measurement is of the file, not of start-up.
    await uploadInParts(conn, 6 * MIB, 1);
    const heldBefore = heldBytes();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    let heldPeak = heldBefore;
    // RSS sampled every few milliseconds while the parts stream; held memory measured after a full collection
    // between parts (what stays referenced, as opposed to garbage not yet collected).
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 5);
    try {
      const media = await uploadInParts(conn, 50 * MIB, 2, () => {
        heldPeak = Math.max(heldPeak, heldBytes());
      });
      expect(media).toMatchObject({ type: 'video' });
    } finally {
      clearInterval(sampler);
    }
    const mib = (bytes: number) => (bytes / MIB).toFixed(1);
    console.info(
      `[${backend}] 50 MiB upload in 10 parts (test process: service, simulator and client together): ` +
        `RSS ${mib(rssBefore)} → peak ${mib(rssPeak)} MiB (+${mib(rssPeak - rssBefore)}); held after GC ${mib(heldBefore)} → peak ${mib(heldPeak)} MiB (+${mib(heldPeak - heldBefore)})`,
    );
    expect(rssPeak - rssBefore).toBeLessThan(30 * MIB);
    // Half the file: the service never holds it (a file buffered whole would be 50 MiB here).
    expect(heldPeak - heldBefore).toBeLessThan(25 * MIB);
    // 100 MB through the service with a full collection between parts: a loaded two-core machine has taken over 30 s.
  }, 120_000);

  it('bad uploads get clear 4xx errors and leave no record behind', async () => {
    const conn = await importConnection(t);
    const zip = await init(conn, { contentType: 'application/zip', size: 10 });
    expect(zip.status).toBe(400);
    expect(zip.body.details).toMatchObject({ field: 'contentType', reason: 'unsupported_content_type' });
    const huge = await init(conn, { contentType: 'image/jpeg', size: 60 * MIB });
    expect(huge.status).toBe(400);
    expect(huge.body.details).toMatchObject({ field: 'size', reason: 'too_large' });
    expect((await init(conn, { contentType: 'video/mp4', size: 11 * 1024 * MIB })).body.details.reason).toBe('too_large');
    expect((await access(t, conn.id, 'POST', '/v2/access/uploads/init', { body: { contentType: 'image/png', filename: 'x.png', size: 1, extra: 1 } })).status).toBe(400);
    expect(await recordsOf(conn)).toEqual([]);

    const unknown = await put(conn, '/v2/access/uploads/upl_nope/parts/1', Buffer.alloc(10));
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('RESOURCE_NOT_FOUND');
    expect((await access(t, conn.id, 'POST', '/v2/access/uploads/complete', { body: { mediaUploadId: 'upl_nope' } })).status).toBe(404);

    const size = 5 * MIB + 10;
    const begin = async () => (await init(conn, { contentType: 'video/mp4', size })).body.mediaUploadId as string;
    const cancelled = { uploadCancelled: true };

    const pastCount = await put(conn, `/v2/access/uploads/${await begin()}/parts/3`, Buffer.alloc(10));
    expect(pastCount.status).toBe(400);
    expect(pastCount.body.details).toMatchObject({ reason: 'part_past_count', partCount: 2, ...cancelled });
    expect(await recordsOf(conn)).toEqual([]);

    const outOfOrder = await put(conn, `/v2/access/uploads/${await begin()}/parts/2`, Buffer.alloc(10));
    expect(outOfOrder.status).toBe(400);
    expect(outOfOrder.body.details).toMatchObject({ reason: 'part_out_of_order', expectedPartNumber: 1, ...cancelled });
    expect(await recordsOf(conn)).toEqual([]);

    // Oversize by its content-length: refused before a byte is read.
    const declared = await put(conn, `/v2/access/uploads/${await begin()}/parts/1`, Buffer.alloc(5 * MIB + 1));
    expect(declared.status).toBe(400);
    expect(declared.body.details).toMatchObject({ reason: 'part_size', expectedBytes: 5 * MIB, ...cancelled });
    expect(await recordsOf(conn)).toEqual([]);

    // Oversize in a chunked body (no length announced): cut off as it streams.
    const streamed = await put(conn, `/v2/access/uploads/${await begin()}/parts/1`, streamOf(6 * MIB));
    expect(streamed.status).toBe(400);
    expect(streamed.body.details).toMatchObject({ reason: 'part_size', expectedBytes: 5 * MIB, ...cancelled });
    expect(await recordsOf(conn)).toEqual([]);

    // Too short, and a single PUT of the wrong size.
    const short = await put(conn, `/v2/access/uploads/${await begin()}/parts/1`, streamOf(MIB));
    expect(short.status).toBe(400);
    expect(short.body.details).toMatchObject({ reason: 'part_size', receivedBytes: MIB, ...cancelled });
    const single = await put(conn, `/v2/access/uploads/${await begin()}`, Buffer.alloc(100));
    expect(single.status).toBe(400);
    expect(single.body.details).toMatchObject({ reason: 'part_size', ...cancelled });
    expect(await recordsOf(conn)).toEqual([]);

    // A body that is not raw bytes is refused; the upload itself is intact, and completing early is a 400 too.
    const id = await begin();
    const form = await put(conn, `/v2/access/uploads/${id}/parts/1`, Buffer.alloc(10), { 'content-type': 'multipart/form-data; boundary=x' });
    expect(form.status).toBe(400);
    expect(form.body.details).toMatchObject({ field: 'content-type', reason: 'unsupported_content_type' });
    const early = await access(t, conn.id, 'POST', '/v2/access/uploads/complete', { body: { mediaUploadId: id } });
    expect(early.status).toBe(400);
    expect(early.body.details).toMatchObject({ reason: 'parts_missing', partsStored: 0, partCount: 2 });
    expect((await recordsOf(conn)).map((row) => row.id)).toEqual([id]);
  });

  it("another connection's or org's upload id is a 404 and leaves the upload as it was", async () => {
    const owner = await importConnection(t);
    const other = await importConnection(t);
    const id = (await init(owner, { contentType: 'video/mp4', size: 5 * MIB + 10 })).body.mediaUploadId;
    expect((await put(other, `/v2/access/uploads/${id}/parts/1`, Buffer.alloc(5 * MIB))).status).toBe(404);
    expect((await access(t, other.id, 'POST', '/v2/access/uploads/complete', { body: { mediaUploadId: id } })).status).toBe(404);

    const otherOrg = await createOrg(t.database.handle);
    const otherKey = await createKey(t.database.handle, otherOrg);
    const foreign = await importConnection(t, { key: otherKey.secret });
    const res = await request(`${t.url}/v2/access/uploads/${id}/parts/1`, {
      method: 'PUT',
      headers: { apikey: otherKey.secret, 'x-connection-id': foreign.id, 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(5 * MIB),
    });
    await res.body.text();
    expect(res.statusCode).toBe(404);

    const [row] = await recordsOf(owner);
    expect(row).toMatchObject({ id, etags: [], upstreamUploadId: null });
    expect((await put(owner, `/v2/access/uploads/${id}/parts/1`, Buffer.alloc(5 * MIB))).status).toBe(200);
  });

  it('uploading needs vault:write', async () => {
    const readOnly = await importConnection(t, { permissions: ['vault:read'] });
    const res = await init(readOnly, { contentType: 'image/png', size: 10 });
    expect(res.status).toBe(403);
    expect(res.body.details).toMatchObject({ requiredPermission: 'vault:write' });
    expect((await put(readOnly, '/v2/access/uploads/upl_any/parts/1', Buffer.alloc(10))).status).toBe(403);
  });

  it('an abandoned upload expires after a day: its id is a 404 and the sweep deletes its record', async () => {
    const conn = await importConnection(t);
    const abandoned = (await init(conn, { contentType: 'video/mp4', size: 5 * MIB + 10 })).body.mediaUploadId;
    const forgotten = (await init(conn, { contentType: 'image/png', size: 10 })).body.mediaUploadId;
    expect((await put(conn, `/v2/access/uploads/${abandoned}/parts/1`, Buffer.alloc(5 * MIB))).status).toBe(200);
    clock.advance(23 * 3_600_000);
    expect((await recordsOf(conn)).map((row) => row.id).sort()).toEqual([abandoned, forgotten].sort());

    clock.advance(2 * 3_600_000);
    expect((await put(conn, `/v2/access/uploads/${abandoned}/parts/2`, Buffer.alloc(10))).status).toBe(404);
    expect((await recordsOf(conn)).map((row) => row.id)).toEqual([forgotten]);
    // The sweep (run by the service, and at every init) takes the rest.
    const fresh = (await init(conn, { contentType: 'image/png', size: 10 })).body.mediaUploadId;
    expect((await recordsOf(conn)).map((row) => row.id)).toEqual([fresh]);
  });
});
