// The hosted Link pages' form posts refuse what is not a form with a 4xx HTML page, never a 500, and log it below
// error level (issue 16, defect 8). Plain HTTP: no browser needed to send a wrong body.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

const FORM = 'application/x-www-form-urlencoded';
const POSTS = ['login', '2fa', '2fa/resend', 'cancel'] as const;

describe.each(BACKENDS)('link pages: malformed form posts (%s)', (backend) => {
  let t: TestService;
  let pageUrl: string;
  let csrf: string;

  beforeAll(async () => {
    t = await startTestService(backend);
    const app = await call(t.url, 'POST', '/v2/client-apps', {
      key: t.adminKey,
      body: { name: 'Posts', integrationType: 'redirect', redirectUris: ['http://127.0.0.1:4555/callback'] },
    });
    expect(app.status).toBe(201);
    const init = await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientAppId: app.body.id } });
    expect(init.status).toBe(200);
    pageUrl = new URL(init.body.url).pathname;
    const page = await call(t.url, 'GET', `${pageUrl}?screen=login`);
    csrf = /name="csrf" value="([^"]+)"/.exec(String(page.body))?.[1] ?? '';
    expect(csrf).not.toBe('');
  }, 60_000);
  afterAll(async () => t?.close());

  const post = (path: string, body: string | undefined, contentType?: string) =>
    call(t.url, 'POST', `${pageUrl}/${path}`, { body, headers: contentType ? { 'content-type': contentType } : {} });

  function expectHtmlRefusal(res: { status: number; headers: Record<string, unknown>; body: unknown }, status: number) {
    expect(res.status).toBe(status);
    expect(String(res.headers['content-type'])).toMatch(/^text\/html/);
    expect(String(res.body)).not.toContain('Something went wrong');
  }

  const errorLines = (from: number) => t.logs.slice(from).filter((line) => /"level":50/.test(line));

  it('a JSON body (valid, empty or broken) and any other non-form type are 415', async () => {
    const logsFrom = t.logs.length;
    for (const path of POSTS) {
      expectHtmlRefusal(await post(path, JSON.stringify({ email: 'a@b.c', password: 'x', csrf }), 'application/json'), 415);
      expectHtmlRefusal(await post(path, '', 'application/json'), 415);
      expectHtmlRefusal(await post(path, '{"email":', 'application/json'), 415);
      expectHtmlRefusal(await post(path, 'email=a', 'text/plain'), 415);
      expectHtmlRefusal(await post(path, 'email=a', 'multipart/form-data; boundary=x'), 415);
    }
    expect(errorLines(logsFrom)).toEqual([]);
  });

  it('a form over 16 KB is 413', async () => {
    const logsFrom = t.logs.length;
    for (const path of POSTS) {
      expectHtmlRefusal(await post(path, `csrf=${encodeURIComponent(csrf)}&email=${'a'.repeat(17_000)}`, FORM), 413);
    }
    expect(errorLines(logsFrom)).toEqual([]);
  });

  it('an empty form, or a post with no body at all, is 400; fields without the form token are 403', async () => {
    const logsFrom = t.logs.length;
    for (const path of POSTS) {
      expectHtmlRefusal(await post(path, '', FORM), 400);
      expectHtmlRefusal(await post(path, undefined), 400);
      expectHtmlRefusal(await post(path, '%zz=%&&==&email=%E0%A4%A', FORM), 403);
    }
    expect(errorLines(logsFrom)).toEqual([]);
  });

  it('a well-formed post with its token still works (missing fields are the form\'s own 400)', async () => {
    const res = await post('login', `csrf=${encodeURIComponent(csrf)}&email=&password=`, FORM);
    expect(res.status).toBe(400);
    expect(String(res.body)).toContain('Enter your email and password.');
  });
});
