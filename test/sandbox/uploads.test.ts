import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/server.ts';
import { type SignedBrowser, testClock, startSandboxWithCreator } from './signed-browser.ts';

const MIB = 1024 * 1024;

/** As a storage client sends a part: raw bytes, with or without a content type. */
async function putPart(url: string, body: Buffer, contentType: string | undefined = 'application/octet-stream') {
  const reply = await request(url, { method: 'PUT', headers: contentType ? { 'content-type': contentType } : {}, body });
  return { status: reply.statusCode, etag: reply.headers.etag as string | undefined, text: await reply.body.text() };
}

describe('the upload flow', () => {
  const clock = testClock();
  let sandbox: RunningSandbox;
  let creator: SignedBrowser;

  beforeAll(async () => {
    ({ sandbox, creator } = await startSandboxWithCreator(clock, 13, 'uploads@creator.sandbox.com'));
  });
  afterAll(() => sandbox.close());

  it('parts are uploaded, completed and converted into a vault media usable in a message and a post', async () => {
    const first = Buffer.alloc(5 * MIB, 7);
    const last = Buffer.from('the end of the file');
    const whole = Buffer.concat([first, last]);
    const md5 = createHash('md5').update(whole).digest('hex');
    expect((await creator.get(`/api2/v2/vault/media/hash?h=${md5}&size=${whole.length}`)).status).toBe(404);

    const created = await creator.post('/api2/v2/upload/signed/create', { parts: 2, contentType: 'video/mp4', size: whole.length });
    expect(created.status).toBe(200);
    const { uploadId, parts } = created.body;
    expect(parts).toHaveLength(2);
    // Parts may arrive in any order; completion lists them in order.
    const second = await putPart(parts[1].putUrl, last, undefined);
    const one = await putPart(parts[0].putUrl, first);
    expect([one.status, second.status]).toEqual([200, 200]);
    expect(one.etag).toBe(`"${createHash('md5').update(first).digest('hex')}"`);

    const wrongOrder = await creator.post('/api2/v2/upload/signed/complete', { uploadId, parts: [{ partNumber: 2, etag: second.etag }, { partNumber: 1, etag: one.etag }] });
    expect(wrongOrder.status).toBe(400);
    expect(wrongOrder.body.error.message).toMatch(/InvalidPartOrder/);
    expect((await creator.post('/api2/v2/upload/convert', { uploadId })).status).toBe(400);
    const completed = await creator.post('/api2/v2/upload/signed/complete', { uploadId, parts: [{ partNumber: 1, etag: one.etag }, { partNumber: 2, etag: second.etag }] });
    expect(completed.body).toMatchObject({ size: whole.length, md5 });

    const converted = await creator.post('/api2/v2/upload/convert', { uploadId, name: 'clip.mp4' });
    expect(converted.body).toMatchObject({ processId: expect.any(String), host: expect.any(String), name: 'clip.mp4', mediaId: expect.any(Number) });
    const mediaId = converted.body.mediaId;
    expect(await readdir(sandbox.uploadDir)).toEqual([]);
    expect((await creator.get('/api2/v2/vault/media?limit=1')).body.list[0]).toMatchObject({ id: mediaId, type: 'video' });
    expect((await creator.get(`/api2/v2/vault/media/hash?h=${md5}&size=${whole.length}`)).body.id).toBe(mediaId);

    const fanId = (await creator.get('/api2/v2/subscriptions/subscribers?limit=1')).body.list[0].id;
    const { processId, host, name, extra } = converted.body;
    const sent = await creator.post(`/api2/v2/chats/${fanId}/messages`, { text: 'new clip', mediaFiles: [{ processId, host, name, extra }], price: 9.99 });
    expect(sent.status).toBe(200);
    expect(sent.body.media.map((m: { id: number }) => m.id)).toEqual([mediaId]);
    const post = await creator.post('/api2/v2/posts', { text: 'new clip', mediaFiles: [mediaId] });
    expect(post.body.media.map((m: { id: number }) => m.id)).toEqual([mediaId]);
    expect((await creator.post(`/api2/v2/chats/${fanId}/messages`, { text: 'x', mediaFiles: [{ processId: 'nope' }] })).status).toBe(404);
  });

  it('bad uploads get clear errors and leave no parts behind', async () => {
    expect((await creator.post('/api2/v2/upload/signed/create', { parts: 1, contentType: 'application/zip', size: 10 })).status).toBe(400);
    const huge = await creator.post('/api2/v2/upload/signed/create', { parts: 20, contentType: 'image/jpeg', size: 60 * MIB });
    expect(huge.status).toBe(413);
    expect((await creator.post('/api2/v2/upload/signed/create', { parts: 3, contentType: 'image/jpeg', size: 100 })).status).toBe(400);

    const created = (await creator.post('/api2/v2/upload/signed/create', { parts: 1, contentType: 'image/jpeg', size: 10 })).body;
    const oversize = await putPart(created.parts[0].putUrl, Buffer.alloc(64 * 1024));
    expect(oversize.status).toBe(400);
    expect(oversize.text).toContain('<Code>EntityTooLarge</Code>');
    expect(await readdir(sandbox.uploadDir)).toEqual([]);

    const forged = await putPart(created.parts[0].putUrl.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=g'), Buffer.alloc(10));
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('SignatureDoesNotMatch');
    const unknown = await putPart(created.parts[0].putUrl.replace(`/${created.uploadId}/`, '/999/'), Buffer.alloc(10));
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('NoSuchUpload');
    expect((await creator.post('/api2/v2/upload/signed/complete', { uploadId: 'nope', parts: [{ partNumber: 1, etag: 'x' }] })).status).toBe(404);
    expect((await creator.post('/api2/v2/upload/signed/complete', { uploadId: created.uploadId, parts: [{ partNumber: 1, etag: 'x' }] })).body.error.message).toMatch(/InvalidPart/);
  });

  it('an abandoned upload expires and its parts are deleted', async () => {
    const created = (await creator.post('/api2/v2/upload/signed/create', { parts: 2, contentType: 'video/mp4', size: 5 * MIB + 10 })).body;
    expect((await putPart(created.parts[0].putUrl, Buffer.alloc(5 * MIB))).status).toBe(200);
    expect(await readdir(sandbox.uploadDir)).toHaveLength(1);
    clock.advance(25 * 3_600_000);
    await creator.post('/api2/v2/upload/signed/create', { parts: 1, contentType: 'image/png', size: 1 });
    expect(await readdir(sandbox.uploadDir)).toEqual([]);
    expect((await creator.post('/api2/v2/upload/signed/complete', { uploadId: created.uploadId, parts: [{ partNumber: 1, etag: 'x' }] })).status).toBe(404);
  });
});
