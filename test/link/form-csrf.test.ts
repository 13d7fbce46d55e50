// The Link pages' form guard, rule by rule, over plain HTTP: a post needs its page's form token, and a browser's
// Sec-Fetch-Site or Origin must not mark it as coming from another site. A post that passes reaches the form's own
// checks (an empty email is the form's 400), so each case tells the guard's 403 from the form's answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/databases.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

const FORM = 'application/x-www-form-urlencoded';
const PUBLIC_URL = 'https://link.ofconnect.test';

describe.each(BACKENDS)('link pages: the form guard (%s)', (backend) => {
  let t: TestService;

  beforeAll(async () => {
    t = await startTestService(backend, { config: { publicUrl: `${PUBLIC_URL}/` } });
  }, 60_000);
  afterAll(async () => t?.close());

  /** A fresh Link session's page path and the form token its login page carries. */
  async function linkPage(): Promise<{ path: string; csrf: string }> {
    const app = await call(t.url, 'POST', '/v2/client-apps', {
      key: t.adminKey,
      body: { name: 'Form guard', integrationType: 'redirect', redirectUris: ['http://127.0.0.1:4555/callback'] },
    });
    expect(app.status).toBe(201);
    const init = await call(t.url, 'POST', '/v2/link/init', { key: t.adminKey, body: { clientAppId: app.body.id } });
    expect(init.status).toBe(200);
    const path = new URL(init.body.url).pathname;
    const page = await call(t.url, 'GET', `${path}?screen=login`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(String(page.body))?.[1] ?? '';
    expect(csrf).not.toBe('');
    return { path, csrf };
  }

  const postLogin = (path: string, body: string, headers: Record<string, string> = {}) =>
    call(t.url, 'POST', `${path}/login`, { body, headers: { 'content-type': FORM, ...headers } });

  const emptyLogin = (csrf: string) => `csrf=${encodeURIComponent(csrf)}&email=&password=`;

  function expectGuardRefusal(res: { status: number; body: unknown }) {
    expect(res.status).toBe(403);
    const html = String(res.body);
    expect(html).toContain('This form could not be accepted');
    expect(html).toContain('It has expired or was sent from another site. Go back, reload the page and try again.');
  }

  function expectFormAnswer(res: { status: number; body: unknown }) {
    expect(res.status).toBe(400);
    expect(String(res.body)).toContain('Enter your email and password.');
  }

  it('a post with its token and no site headers reaches the form', async () => {
    const page = await linkPage();
    expectFormAnswer(await postLogin(page.path, emptyLogin(page.csrf)));
  });

  it('Sec-Fetch-Site other than same-origin or none is refused, even with a valid token', async () => {
    const page = await linkPage();
    for (const site of ['cross-site', 'same-site', 'whatever']) {
      expectGuardRefusal(await postLogin(page.path, emptyLogin(page.csrf), { 'sec-fetch-site': site }));
    }
    for (const site of ['same-origin', 'none']) {
      expectFormAnswer(await postLogin(page.path, emptyLogin(page.csrf), { 'sec-fetch-site': site }));
    }
  });

  it('an Origin that is neither this server as requested nor its public URL is refused; Origin null is not', async () => {
    const page = await linkPage();
    for (const origin of ['https://evil.example', `${PUBLIC_URL}.evil.example`, 'http://127.0.0.1']) {
      expectGuardRefusal(await postLogin(page.path, emptyLogin(page.csrf), { origin }));
    }
    for (const origin of ['null', PUBLIC_URL, new URL(t.url).origin]) {
      expectFormAnswer(await postLogin(page.path, emptyLogin(page.csrf), { origin, 'sec-fetch-site': 'same-origin' }));
    }
  });

  it('a missing, forged or other session\'s token is refused', async () => {
    const page = await linkPage();
    const other = await linkPage();
    expectGuardRefusal(await postLogin(page.path, 'email=&password='));
    expectGuardRefusal(await postLogin(page.path, 'csrf=forged&email=&password='));
    expectGuardRefusal(await postLogin(page.path, emptyLogin(other.csrf)));
    expectFormAnswer(await postLogin(other.path, emptyLogin(other.csrf)));
  });

  it('an empty form is a 400 page saying so, before any token check', async () => {
    const page = await linkPage();
    const res = await postLogin(page.path, '');
    expect(res.status).toBe(400);
    expect(String(res.body)).toContain('The form arrived empty. Go back, reload the page and try again.');
  });
});
