// GET /v2/link/analytics: the funnel's numbers match a scripted mix of Link sessions driven through the hosted pages'
// plain form posts (no browser: the pages are forms with a CSRF token), some abandoned at each step, some erring,
// some cancelled; per day and client app; the query's refusals name their field; another org sees none of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/platform/clock.ts';
import { BACKENDS } from '../support/databases.ts';
import { createOrgKey } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

const FORM = 'application/x-www-form-urlencoded';
// Noon UTC of a fixed day: every session of a scenario starts on the same UTC day however long the test takes.
const DAY_ONE = '2026-03-10';
const DAY_TWO = '2026-03-11';

let emailSeq = 0;
const emailFor = (scenario: string) => `funnel${Date.now().toString(36)}${emailSeq++}@${scenario}.sandbox.com`;

describe.each(BACKENDS)('link: the conversion funnel (%s)', (backend) => {
  let t: TestService;
  const clock = new ManualClock(Date.parse(`${DAY_ONE}T12:00:00Z`));

  beforeAll(async () => {
    t = await startTestService(backend, { clock });
  }, 120_000);
  afterAll(async () => t?.close());

  async function newApp(key: string, name: string): Promise<string> {
    const app = await call(t.url, 'POST', '/v2/client-apps', {
      key,
      body: { name, integrationType: 'redirect', redirectUris: ['http://127.0.0.1:4555/callback'] },
    });
    expect(app.status).toBe(201);
    return app.body.id;
  }

  /** One Link session, driven as a browser without JavaScript would: GET pages, POST forms with their token. */
  async function startSession(key: string, clientAppId: string) {
    const init = await call(t.url, 'POST', '/v2/link/init', { key, body: { clientAppId } });
    expect(init.status).toBe(200);
    const path = new URL(init.body.url).pathname;
    let csrf = '';
    const get = async (query = '') => {
      const page = await call(t.url, 'GET', `${path}${query}`);
      csrf = /name="csrf" value="([^"]+)"/.exec(String(page.body))?.[1] ?? csrf;
      return page;
    };
    const post = async (action: string, fields: Record<string, string>) => {
      const res = await call(t.url, 'POST', `${path}/${action}`, {
        body: new URLSearchParams({ csrf, ...fields }).toString(),
        headers: { 'content-type': FORM },
      });
      expect(res.status, `${action} answered ${res.status}`).toBeLessThan(400);
      return res;
    };
    return {
      open: () => get(),
      acceptConsent: () => get('?screen=login'),
      signIn: async (scenario: string, password = 'good-password') => {
        await post('login', { email: emailFor(scenario), password });
        await get();
      },
      enterCode: async (code: string) => {
        await post('2fa', { code });
        await get();
      },
      cancel: async (step: string) => {
        await post('cancel', { step, exit_type: 'user_exit' });
      },
    };
  }

  /** The script: 13 sessions on day one (3 connect), 1 on day two (connects). */
  async function runScript(key: string, clientAppId: string) {
    // 2 started and never opened.
    await startSession(key, clientAppId);
    await startSession(key, clientAppId);
    // 1 opened and left on the consent screen; 1 opened and cancelled there.
    await (await startSession(key, clientAppId)).open();
    const cancelledAtConsent = await startSession(key, clientAppId);
    await cancelledAtConsent.open();
    await cancelledAtConsent.cancel('pre-login');
    // 1 accepted the consent and left on the sign-in screen; 1 cancelled there.
    const leftAtLogin = await startSession(key, clientAppId);
    await leftAtLogin.open();
    await leftAtLogin.acceptConsent();
    const cancelledAtLogin = await startSession(key, clientAppId);
    await cancelledAtLogin.open();
    await cancelledAtLogin.acceptConsent();
    await cancelledAtLogin.cancel('login');
    // 1 wrong password twice (two error events, one session), then gone; 1 locked account (the session fails).
    const wrongTwice = await startSession(key, clientAppId);
    await wrongTwice.open();
    await wrongTwice.acceptConsent();
    await wrongTwice.signIn('creator', 'not-the-password');
    await wrongTwice.signIn('creator', 'not-the-password-either');
    const locked = await startSession(key, clientAppId);
    await locked.open();
    await locked.acceptConsent();
    await locked.signIn('locked');
    // 1 asked for a code and gone; 1 cancelled at the code; 1 wrong code, then the right one (connects).
    const leftAt2fa = await startSession(key, clientAppId);
    await leftAt2fa.open();
    await leftAt2fa.acceptConsent();
    await leftAt2fa.signIn('creator-otp');
    const cancelledAt2fa = await startSession(key, clientAppId);
    await cancelledAt2fa.open();
    await cancelledAt2fa.acceptConsent();
    await cancelledAt2fa.signIn('creator-otp');
    await cancelledAt2fa.cancel('2fa');
    const retried = await startSession(key, clientAppId);
    await retried.open();
    await retried.acceptConsent();
    await retried.signIn('creator-otp');
    await retried.enterCode('654321');
    await retried.enterCode('123456');
    // 2 straight through (no 2FA), one of them reloading every page (once-only steps stay once).
    for (const reload of [false, true]) {
      const s = await startSession(key, clientAppId);
      await s.open();
      if (reload) await s.open();
      await s.acceptConsent();
      if (reload) await s.acceptConsent();
      await s.signIn('creator');
    }
    // Day two: 1 session straight through.
    clock.set(Date.parse(`${DAY_TWO}T09:00:00Z`));
    const next = await startSession(key, clientAppId);
    await next.open();
    await next.acceptConsent();
    await next.signIn('creator');
    clock.set(Date.parse(`${DAY_ONE}T12:00:00Z`));
  }

  const stagesOf = (funnel: { stages: Array<{ stage: string; sessions: number; dropped: number }> }) =>
    Object.fromEntries(funnel.stages.map((s) => [s.stage, [s.sessions, s.dropped]]));

  it('counts each stage, where sessions stopped, and the errors and exits of each step, per day and client app', async () => {
    const key = await createOrgKey(t.database.handle, 'Funnel org');
    const appId = await newApp(key, 'Funnel app');
    const otherAppId = await newApp(key, 'Quiet app');
    await runScript(key, appId);
    await startSession(key, otherAppId);

    const res = await call(t.url, 'GET', `/v2/link/analytics?from=${DAY_ONE}&to=${DAY_TWO}&clientAppId=${appId}`, { key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: DAY_ONE, to: DAY_TWO, environment: 'sandbox' });
    expect(res.body.days.map((d: { day: string; clientAppId: string }) => [d.day, d.clientAppId])).toEqual([
      [DAY_ONE, appId],
      [DAY_TWO, appId],
    ]);
    const [dayOne, dayTwo] = res.body.days;
    // [reached, stopped here]: 13 started, 3 connected; the 10 others stopped 2+2+2+2+2, one pair at each stage.
    expect(stagesOf(dayOne)).toEqual({
      started: [13, 2],
      opened: [11, 2],
      consent: [9, 2],
      credentials: [7, 2],
      two_factor: [3, 2],
      connected: [3, 0],
    });
    expect(dayOne.conversionRate).toBe(0.2308);
    const byStepAndCode = <T extends { step: string; code?: string }>(list: T[]) =>
      [...list].sort((a, b) => `${a.step} ${a.code ?? ''}`.localeCompare(`${b.step} ${b.code ?? ''}`));
    // Errors count events and the sessions that met them (two wrong passwords in one session: 2 and 1).
    const dayOneErrors = [
      { step: '2fa', code: '2fa_failed', events: 1, sessions: 1 },
      { step: 'login', code: 'account_locked', events: 1, sessions: 1 },
      { step: 'login', code: 'invalid_credentials', events: 2, sessions: 1 },
    ];
    const dayOneExits = [
      { step: '2fa', sessions: 1 },
      { step: 'consent', sessions: 1 },
      { step: 'login', sessions: 1 },
    ];
    expect(byStepAndCode(dayOne.errors)).toEqual(dayOneErrors);
    expect(byStepAndCode(dayOne.exits)).toEqual(dayOneExits);
    expect(stagesOf(dayTwo)).toEqual({ started: [1, 0], opened: [1, 0], consent: [1, 0], credentials: [1, 0], two_factor: [0, 0], connected: [1, 0] });
    expect(dayTwo).toMatchObject({ conversionRate: 1, errors: [], exits: [] });
    expect(res.body.totals).toHaveLength(1);
    expect(res.body.totals[0].clientAppId).toBe(appId);
    expect(stagesOf(res.body.totals[0])).toEqual({
      started: [14, 2],
      opened: [12, 2],
      consent: [10, 2],
      credentials: [8, 2],
      two_factor: [3, 2],
      connected: [4, 0],
    });
    expect(res.body.totals[0].conversionRate).toBe(0.2857);
    expect(byStepAndCode(res.body.totals[0].errors)).toEqual(dayOneErrors);
    expect(byStepAndCode(res.body.totals[0].exits)).toEqual(dayOneExits);

    // Without the filter every app of the org is there; one day only narrows to that day.
    const all = await call(t.url, 'GET', `/v2/link/analytics?from=${DAY_ONE}&to=${DAY_ONE}`, { key });
    expect(all.status).toBe(200);
    expect(all.body.days.map((d: { clientAppId: string }) => d.clientAppId).sort()).toEqual([appId, otherAppId].sort());
    const quiet = all.body.days.find((d: { clientAppId: string }) => d.clientAppId === otherAppId);
    expect(stagesOf(quiet)).toMatchObject({ started: [1, 1], connected: [0, 0] });

    // Another org (and the same org's live environment) sees none of it.
    const stranger = await createOrgKey(t.database.handle, 'Stranger org');
    const theirs = await call(t.url, 'GET', `/v2/link/analytics?from=${DAY_ONE}&to=${DAY_TWO}`, { key: stranger });
    expect(theirs.status).toBe(200);
    expect(theirs.body).toMatchObject({ days: [], totals: [] });
    const foreignApp = await call(t.url, 'GET', `/v2/link/analytics?from=${DAY_ONE}&to=${DAY_TWO}&clientAppId=${appId}`, { key: stranger });
    expect(foreignApp.body).toMatchObject({ days: [], totals: [] });
  }, 240_000);

  it('the recorded steps hold no email, password or code', async () => {
    const key = await createOrgKey(t.database.handle, 'Secrets org');
    const appId = await newApp(key, 'Secrets app');
    const s = await startSession(key, appId);
    await s.open();
    await s.acceptConsent();
    await s.signIn('creator-otp', 'not-the-password');
    await s.signIn('creator-otp');
    await s.enterCode('654321');
    const rows = await t.database.handle.db.execute(
      // Every column of every event of this org, as text.
      (await import('drizzle-orm')).sql`select row_to_json(e)::text as row from link_events e join orgs o on o.id = e.org_id where o.name = 'Secrets org'`,
    );
    const text = (rows as unknown as { rows: Array<{ row: string }> }).rows.map((r) => r.row).join('\n');
    expect(text).toContain('credentials_submitted');
    for (const secret of ['not-the-password', 'good-password', '654321', '@creator-otp.sandbox.com', 'cs_']) expect(text).not.toContain(secret);
  }, 120_000);

  it('refuses impossible dates, from after to and ranges over 92 days, naming the field', async () => {
    const key = await createOrgKey(t.database.handle, 'Query org');
    const cases: Array<[string, string]> = [
      ['from=2026-02-30&to=2026-03-01', 'from'],
      ['from=2026-03-01&to=2026-13-01', 'to'],
      ['from=yesterday', 'from'],
      ['from=0000-01-01&to=0000-01-02', 'from'],
      ['from=2026-03-10&to=2026-03-09', 'from'],
      ['from=2026-01-01&to=2026-04-03', 'to'],
      ['clientAppId=not-an-app', 'clientAppId'],
    ];
    for (const [query, field] of cases) {
      const res = await call(t.url, 'GET', `/v2/link/analytics?${query}`, { key });
      expect(res.status, query).toBe(400);
      expect(res.body.type, query).toBe('BAD_REQUEST');
      expect(res.body.details.field, query).toBe(field);
    }
    // 92 days inclusive is the most a range may span.
    const widest = await call(t.url, 'GET', '/v2/link/analytics?from=2026-01-01&to=2026-04-02', { key });
    expect(widest.status).toBe(200);
    expect(widest.body).toMatchObject({ from: '2026-01-01', to: '2026-04-02', days: [], totals: [] });
    // Without dates: the 7 days up to today (the service's clock).
    const recent = await call(t.url, 'GET', '/v2/link/analytics', { key });
    expect(recent.body).toMatchObject({ from: '2026-03-04', to: DAY_ONE });
  });
});
