// The hosted Link pages refuse a form post the browser marks as cross-site, even one carrying a valid form token
// (read, say, by a page that framed ours): Sec-Fetch-Site decides when Origin is absent or `null`, which is what
// Chromium sends on our own posts under Referrer-Policy no-referrer. Plain HTTP with the headers a browser would send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { sandboxEmail } from '../support/link-connections.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('link pages: cross-site form posts (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend);
  });
  afterAll(async () => t?.close());

  /** A fresh hosted Link session and the form token its page hands the browser. */
  async function openLoginPage(): Promise<{ secret: string; csrf: string }> {
    const init = await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: {} });
    expect(init.status).toBe(200);
    const secret = String(init.body.url).split('/link/')[1];
    const page = await call(t.url, 'GET', `/link/${secret}`);
    expect(page.status).toBe(200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(String(page.body))?.[1];
    expect(csrf).toBeTruthy();
    return { secret, csrf: csrf! };
  }

  const postLogin = (secret: string, csrf: string, headers: Record<string, string>) =>
    call(t.url, 'POST', `/link/${secret}/login`, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ csrf, email: sandboxEmail(), password: 'good-password' }).toString(),
    });

  const linkStatus = async (secret: string) => (await call(t.url, 'GET', `/v2/link/${secret}`, { key: t.adminKey })).body.status;

  it('a post marked Sec-Fetch-Site: cross-site is a 403 and logs nobody in, though its form token is valid', async () => {
    const { secret, csrf } = await openLoginPage();
    for (const site of ['cross-site', 'same-site']) {
      const refused = await postLogin(secret, csrf, { 'sec-fetch-site': site, origin: 'null' });
      expect(refused.status).toBe(403);
      expect(String(refused.body)).toContain('sent from another site');
      const withoutOrigin = await postLogin(secret, csrf, { 'sec-fetch-site': site });
      expect(withoutOrigin.status).toBe(403);
    }
    expect(await linkStatus(secret)).toBe('initialized');
  });

  it('the same post marked same-origin goes through (the refusal above is the header, not the form)', async () => {
    const { secret, csrf } = await openLoginPage();
    const accepted = await postLogin(secret, csrf, { 'sec-fetch-site': 'same-origin', origin: 'null' });
    expect(accepted.status).not.toBe(403);
    expect(await linkStatus(secret)).not.toBe('initialized');
  });
});
