// Link events recorded per session from the whitelabel API (no pages): each step in order with its step and public
// error code, an exit from DELETE with the step the session was at, and embedded pages passing each event to the
// host once (a reload does not repeat it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashClientSecret } from '../../src/link/client-secret.ts';
import { listLinkEventRows } from '../../src/link/events/store.ts';
import { findLinkSessionBySecretHash } from '../../src/link/store.ts';
import { BACKENDS } from '../support/databases.ts';
import { createOrgKey } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

const ENTITIES: Record<string, string> = { '&quot;': '"', '&#39;': "'", '&lt;': '<', '&gt;': '>', '&amp;': '&' };
const unescapeAttribute = (value: string) => value.replace(/&(quot|#39|lt|gt|amp);/g, (entity) => ENTITIES[entity]);

let emailSeq = 0;
const emailFor = (scenario: string) => `events${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;

describe.each(BACKENDS)('link: events recorded per Link session (%s)', (backend) => {
  let t: TestService;
  let key: string;
  let whitelabelAppId: string;
  let embedAppId: string;

  beforeAll(async () => {
    t = await startTestService(backend);
    key = await createOrgKey(t.database.handle, 'Events org');
    const whitelabel = await call(t.url, 'POST', '/v2/client-apps', { key, body: { name: 'Headless', integrationType: 'whitelabel' } });
    expect(whitelabel.status).toBe(201);
    whitelabelAppId = whitelabel.body.id;
    const embed = await call(t.url, 'POST', '/v2/client-apps', {
      key,
      body: { name: 'Embedded', integrationType: 'embed', embedOrigins: ['http://localhost:4999'] },
    });
    expect(embed.status).toBe(201);
    embedAppId = embed.body.id;
  }, 120_000);
  afterAll(async () => t?.close());

  async function recorded(clientSecret: string) {
    const session = await findLinkSessionBySecretHash(t.database.handle.db, hashClientSecret(clientSecret));
    expect(session).toBeDefined();
    const rows = await listLinkEventRows(t.database.handle.db, session!.id);
    return rows.map((row) => [row.name, row.step, row.errorCode]);
  }

  async function initWhitelabel(): Promise<string> {
    const init = await call(t.url, 'POST', '/v2/link/init', { key, body: { clientAppId: whitelabelAppId } });
    expect(init.status).toBe(200);
    return init.body.clientSecret;
  }

  it('a whitelabel login records each step in order: wrong password, 2FA requested, wrong code, success', async () => {
    const secret = await initWhitelabel();
    const email = emailFor('creator-otp');
    const login = (password: string) => call(t.url, 'POST', `/v2/link/${secret}/login`, { key, body: { email, password } });
    expect((await login('not-the-password')).body.status).toBe('invalid_credentials');
    expect((await login('good-password')).body.status).toBe('awaiting_2fa');
    const code = (value: string) => call(t.url, 'POST', `/v2/link/${secret}/2fa`, { key, body: { code: value } });
    expect((await code('654321')).body.status).toBe('awaiting_2fa');
    expect((await code('123456')).body.status).toBe('completed');
    expect(await recorded(secret)).toEqual([
      ['credentials_submitted', null, null],
      ['error', 'login', 'invalid_credentials'],
      ['credentials_submitted', null, null],
      ['2fa_requested', null, null],
      ['2fa_submitted', null, null],
      ['error', '2fa', '2fa_failed'],
      ['2fa_submitted', null, null],
      ['success', null, null],
    ]);
  });

  it('DELETE records an exit at the step the session was at; a session that already ended records none', async () => {
    const fresh = await initWhitelabel();
    expect((await call(t.url, 'DELETE', `/v2/link/${fresh}`, { key })).status).toBe(200);
    expect(await recorded(fresh)).toEqual([['exit', 'consent', null]]);

    const atCode = await initWhitelabel();
    await call(t.url, 'POST', `/v2/link/${atCode}/login`, { key, body: { email: emailFor('creator-otp'), password: 'good-password' } });
    expect((await call(t.url, 'DELETE', `/v2/link/${atCode}`, { key })).status).toBe(200);
    expect((await recorded(atCode)).at(-1)).toEqual(['exit', '2fa', null]);

    const locked = await initWhitelabel();
    await call(t.url, 'POST', `/v2/link/${locked}/login`, { key, body: { email: emailFor('locked'), password: 'good-password' } });
    await call(t.url, 'DELETE', `/v2/link/${locked}`, { key });
    expect(await recorded(locked)).toEqual([
      ['credentials_submitted', null, null],
      ['error', 'login', 'account_locked'],
    ]);
  });

  it('"Use another account" records a restarted event at the sign-in step, and the embedding host hears it', async () => {
    const init = await call(t.url, 'POST', '/v2/link/init', { key, body: { clientAppId: embedAppId } });
    const secret = new URL(init.body.url).pathname.split('/').at(-1)!;
    const query = `?embed=true&embed_origin=${encodeURIComponent('http://localhost:4999')}`;
    const locked = await call(t.url, 'POST', `/v2/link/${secret}/login`, { key, body: { email: emailFor('locked'), password: 'good-password' } });
    expect(locked.body.status, JSON.stringify(locked.body)).toBe('failed');
    const failurePage = String((await call(t.url, 'GET', `/link/${secret}${query}`)).body);
    expect(failurePage).toContain('/restart');
    const csrf = /name="csrf" value="([^"]+)"/.exec(failurePage)?.[1] ?? '';
    expect(csrf).not.toBe('');
    const restart = await fetch(`${t.url}/link/${secret}/restart${query}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
      body: `csrf=${encodeURIComponent(csrf)}`,
    });
    expect(restart.status).toBe(303);
    expect(restart.headers.get('location')).toContain('screen=login');
    expect(await recorded(secret)).toEqual([
      ['credentials_submitted', null, null],
      ['error', 'login', 'account_locked'],
      ['restarted', 'login', null],
    ]);
    const next = new URL(restart.headers.get('location')!, t.url);
    const signIn = String((await call(t.url, 'GET', `${next.pathname}${next.search}`)).body);
    const attr = /data-messages="([^"]*)"/.exec(signIn)?.[1] ?? '[]';
    const events = (JSON.parse(unescapeAttribute(attr)) as Array<{ event: string; metadata?: { step?: string } }>).filter((m) => m.event !== 'sandbox_info');
    expect(events.map((m) => m.event)).toContain('restarted');
    expect(events.find((m) => m.event === 'restarted')?.metadata?.step).toBe('login');
  });

  it('an embedded page passes each event to the host once, in order; a reload does not repeat it', async () => {
    const init = await call(t.url, 'POST', '/v2/link/init', { key, body: { clientAppId: embedAppId } });
    const path = `${new URL(init.body.url).pathname}?embed=true&embed_origin=${encodeURIComponent('http://localhost:4999')}`;
    const hostEvents = async (suffix = '') => {
      const page = await call(t.url, 'GET', `${path}${suffix}`);
      expect(page.status).toBe(200);
      const attr = /data-messages="([^"]*)"/.exec(String(page.body))?.[1] ?? '[]';
      const messages = JSON.parse(unescapeAttribute(attr)) as Array<{ event: string; metadata?: { name?: string } }>;
      return messages.filter((m) => m.event !== 'sandbox_info').map((m) => m.event);
    };
    expect(await hostEvents()).toEqual(['opened']);
    expect(await hostEvents()).toEqual([]);
    expect(await hostEvents('&screen=login')).toEqual(['consent_accepted']);
    expect(await hostEvents('&screen=login')).toEqual([]);
  });
});
