// The captcha providers against a local stand-in speaking the services' createTask / getTaskResult API, and the
// simulator's captcha scenario logged in through them.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { SANDBOX_CAPTCHA_OK_TOKEN } from '../../src/sandbox/accounts.ts';
import { captchaProviderFromConfig } from '../../src/upstream/captcha/from-config.ts';
import { proxyFieldsOf } from '../../src/upstream/captcha/services.ts';
import { createTaskApiCaptchaProvider } from '../../src/upstream/captcha/task-api.ts';
import { CAPTCHA_SERVICES } from '../../src/upstream/captcha/services.ts';
import { UpstreamLoginError } from '../../src/upstream/errors.ts';
import { startLogin } from '../../src/upstream/login.ts';
import { startCaptchaStandIn, type CaptchaStandIn } from '../support-captcha/stand-in.ts';
import { rejectionOf, startUpstreamFixture, TEST_USER_AGENT, type UpstreamFixture } from './sandbox-fixture.ts';

const API_KEY = 'stand-in-secret-key-0123456789';
const SITE_KEY = '0x4AAAAAAAstandInInvisible';
const MANAGED_SITE_KEY = '0x4AAAAAAAstandInManaged';
const context = { pageUrl: 'https://upstream.test/', userAgent: TEST_USER_AGENT, proxyUrl: null };

function captureLogs(): { logs: string[]; logger: ReturnType<typeof createLogger> } {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  return { logs, logger: createLogger('debug', sink) };
}

const standIns: CaptchaStandIn[] = [];
async function standIn(options: Partial<Parameters<typeof startCaptchaStandIn>[0]> = {}): Promise<CaptchaStandIn> {
  const started = await startCaptchaStandIn({ apiKey: API_KEY, ...options });
  standIns.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(standIns.splice(0).map((s) => s.close()));
});

function provider(service: keyof typeof CAPTCHA_SERVICES, url: string, extra: { apiKey?: string; timeoutMs?: number; logger?: ReturnType<typeof createLogger> } = {}) {
  return createTaskApiCaptchaProvider({
    service: CAPTCHA_SERVICES[service],
    apiKey: extra.apiKey ?? API_KEY,
    apiUrl: url,
    timeoutMs: extra.timeoutMs ?? 10_000,
    siteKeys: { invisible: SITE_KEY, managed: MANAGED_SITE_KEY },
    logger: extra.logger ?? createLogger('silent'),
    pollDelaysMs: [50],
  });
}

describe('captcha providers (createTask / getTaskResult)', () => {
  it.each(['capsolver', '2captcha', 'anti-captcha'] as const)('%s: creates a proxyless Turnstile task, polls through "processing" and returns solution.token', async (name) => {
    const service = await standIn({ defaultToken: 'solved-token', processingPolls: 2 });
    const token = await provider(name, service.url).solve('invisible', context);
    expect(token).toBe('solved-token');
    expect(service.tasks).toHaveLength(1);
    const task = service.tasks[0]!;
    expect(task.task).toMatchObject({
      type: name === 'capsolver' ? 'AntiTurnstileTaskProxyLess' : 'TurnstileTaskProxyless',
      websiteURL: 'https://upstream.test/',
      websiteKey: SITE_KEY,
    });
    expect(task.polls).toBe(3);
    expect(service.requests.map((r) => r.path)).toEqual(['/createTask', '/getTaskResult', '/getTaskResult', '/getTaskResult']);
    expect(service.requests.every((r) => r.body.clientKey === API_KEY)).toBe(true);
    // The taskId goes back as the service sent it (a number here, as Anti-Captcha and 2Captcha send it).
    expect(service.requests[1]!.body.taskId).toBe(task.taskId);
  });

  it('asks for the managed challenge with its own site key', async () => {
    const service = await standIn();
    await provider('2captcha', service.url).solve('managed', context);
    expect(service.tasks[0]!.task.websiteKey).toBe(MANAGED_SITE_KEY);
  });

  it("solves through the account's proxy when it has one (Anti-Captcha, 2Captcha); CapSolver stays proxyless", async () => {
    const service = await standIn();
    const proxied = { ...context, proxyUrl: 'socks5://user%40x:p%3Ass@203.0.113.7:1085' };
    await provider('anti-captcha', service.url).solve('invisible', proxied);
    await provider('2captcha', service.url).solve('invisible', proxied);
    await provider('capsolver', service.url).solve('invisible', proxied);
    const proxyFields = { proxyType: 'socks5', proxyAddress: '203.0.113.7', proxyPort: 1085, proxyLogin: 'user@x', proxyPassword: 'p:ss' };
    expect(service.tasks[0]!.task).toMatchObject({ type: 'TurnstileTask', ...proxyFields });
    expect(service.tasks[1]!.task).toMatchObject({ type: 'TurnstileTask', userAgent: TEST_USER_AGENT, ...proxyFields });
    expect(service.tasks[2]!.task).toEqual({ type: 'AntiTurnstileTaskProxyLess', websiteURL: 'https://upstream.test/', websiteKey: SITE_KEY });
  });

  it('reads proxy URLs of each kind as task fields', () => {
    expect(proxyFieldsOf('http://198.51.100.2:3128')).toEqual({ proxyType: 'http', proxyAddress: '198.51.100.2', proxyPort: 3128 });
    expect(proxyFieldsOf('https://198.51.100.2')).toEqual({ proxyType: 'http', proxyAddress: '198.51.100.2', proxyPort: 443 });
    expect(proxyFieldsOf('socks4://[2001:db8::1]:1080')).toEqual({ proxyType: 'socks4', proxyAddress: '2001:db8::1', proxyPort: 1080 });
    expect(proxyFieldsOf('ftp://x')).toBeNull();
  });

  it('maps a service error to one captcha_failed UpstreamLoginError naming the service and its errorCode, and never logs the key', async () => {
    const service = await standIn({ createError: 'ERROR_ZERO_BALANCE' });
    const { logs, logger } = captureLogs();
    const error = await rejectionOf(provider('anti-captcha', service.url, { logger }).solve('invisible', context));
    expect(error).toBeInstanceOf(UpstreamLoginError);
    expect(error.reason).toBe('captcha_failed');
    expect(error.linkErrorCode).toBe('captcha_failed');
    expect(error.message).toBe('The captcha service (anti-captcha) refused createTask with ERROR_ZERO_BALANCE: stand-in refuses: ERROR_ZERO_BALANCE');
    const warn = logs.map((line) => JSON.parse(line)).find((line) => line.level === 40);
    expect(warn).toMatchObject({ captchaProvider: 'anti-captcha', errorCode: 'ERROR_ZERO_BALANCE' });
    expect(logs.join('\n')).not.toContain(API_KEY);
  });

  it('a wrong API key is the service\'s ERROR_KEY_DOES_NOT_EXIST, and the key is not in the message', async () => {
    const service = await standIn();
    const error = await rejectionOf(provider('capsolver', service.url, { apiKey: 'wrong-key-abcdef' }).solve('invisible', context));
    expect(error.message).toContain('refused createTask with ERROR_KEY_DOES_NOT_EXIST');
    expect(error.message).not.toContain('wrong-key-abcdef');
  });

  it('gives up at the timeout when the task never becomes ready', async () => {
    const service = await standIn({ isStuck: true });
    const started = Date.now();
    const error = await rejectionOf(provider('2captcha', service.url, { timeoutMs: 400 }).solve('invisible', context));
    expect(error.reason).toBe('captcha_failed');
    expect(error.message).toBe('The captcha service (2captcha) did not solve the captcha within 400 ms (OFCONNECT_CAPTCHA_TIMEOUT_MS)');
    // It stops at its deadline instead of polling on (the margin is for a loaded machine).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(service.tasks).toHaveLength(1);
  });

  it('an unreachable service is captcha_failed naming the URL, not the key', async () => {
    const service = await standIn();
    const url = service.url;
    await service.close();
    const error = await rejectionOf(provider('capsolver', url).solve('invisible', context));
    expect(error.reason).toBe('captcha_failed');
    expect(error.message).toMatch(new RegExp(`^The captcha service \\(capsolver\\) could not be reached at ${url.replace(/[.]/g, '\\.')} \\(`));
  });
});

describe('captcha settings', () => {
  const base = { OFCONNECT_CAPTCHA_API_KEY: API_KEY, OFCONNECT_CAPTCHA_SITE_KEY: SITE_KEY };

  it('builds the named provider from OFCONNECT_CAPTCHA_*, and none without a provider', async () => {
    const service = await standIn({ defaultToken: 'from-config' });
    const config = loadConfig({}, { ...base, OFCONNECT_CAPTCHA_PROVIDER: 'CapSolver', OFCONNECT_CAPTCHA_API_URL: service.url, OFCONNECT_CAPTCHA_TIMEOUT_MS: '5000' });
    expect(config).toMatchObject({ captchaProvider: 'capsolver', captchaTimeoutMs: 5000, captchaManagedSiteKey: null });
    expect(loadConfig({}, {}).captchaTimeoutMs).toBe(50_000);
    expect(await captchaProviderFromConfig(config, createLogger('silent'))?.solve('invisible', context)).toBe('from-config');
    expect(captchaProviderFromConfig(loadConfig({}, {}), createLogger('silent'))).toBeNull();
    expect(loadConfig({}, { OFCONNECT_CAPTCHA_PROVIDER: 'none' }).captchaProvider).toBeNull();
  });

  it('refuses to start with a provider but no API key or site key, an unknown provider, a timeout too long or a URL without a scheme, saying what to set', () => {
    expect(() => loadConfig({}, { OFCONNECT_CAPTCHA_PROVIDER: '2captcha', OFCONNECT_CAPTCHA_SITE_KEY: SITE_KEY })).toThrow(
      "OFCONNECT_CAPTCHA_PROVIDER is 2captcha: set OFCONNECT_CAPTCHA_API_KEY to that service's API key",
    );
    expect(() => loadConfig({}, { OFCONNECT_CAPTCHA_PROVIDER: '2captcha', OFCONNECT_CAPTCHA_API_KEY: API_KEY })).toThrow(
      "OFCONNECT_CAPTCHA_PROVIDER is 2captcha: set OFCONNECT_CAPTCHA_SITE_KEY to the upstream login page's Turnstile site key",
    );
    expect(() => loadConfig({}, { ...base, OFCONNECT_CAPTCHA_PROVIDER: 'deathbycaptcha' })).toThrow(
      'OFCONNECT_CAPTCHA_PROVIDER must be one of capsolver, 2captcha, anti-captcha (or none), got "deathbycaptcha"',
    );
    expect(() => loadConfig({}, { ...base, OFCONNECT_CAPTCHA_PROVIDER: 'capsolver', OFCONNECT_CAPTCHA_TIMEOUT_MS: '120000' })).toThrow(
      "OFCONNECT_CAPTCHA_TIMEOUT_MS must be between 1000 and 55000 (a login may need two solves, and both must fit in a Link session's 2-minute claim), got 120000",
    );
    expect(() => loadConfig({}, { ...base, OFCONNECT_CAPTCHA_PROVIDER: 'capsolver', OFCONNECT_CAPTCHA_API_URL: 'api.capsolver.com' })).toThrow(
      'OFCONNECT_CAPTCHA_API_URL must be an http(s) URL, got "api.capsolver.com"',
    );
  });
});

describe("the simulator's captcha scenario through a provider", () => {
  let fx: UpstreamFixture;
  beforeAll(async () => {
    fx = await startUpstreamFixture();
  });
  afterAll(() => fx.close());

  it('logs in with the token the stand-in solved', async () => {
    const service = await standIn({ defaultToken: SANDBOX_CAPTCHA_OK_TOKEN });
    const result = await startLogin(fx.client, { email: 'solve@captcha.sandbox.com', password: 'good-password', userAgent: TEST_USER_AGENT, captcha: provider('capsolver', service.url) });
    expect(result.kind).toBe('done');
    expect(service.tasks.map((t) => t.task.websiteURL)).toEqual([`${fx.sandbox.url}/`]);
  });

  it('passes on the managed challenge when the invisible token is refused (102 once, then the managed site key)', async () => {
    const service = await standIn({ tokens: { [SITE_KEY]: 'not-accepted', [MANAGED_SITE_KEY]: SANDBOX_CAPTCHA_OK_TOKEN } });
    const result = await startLogin(fx.client, { email: 'managed@captcha.sandbox.com', password: 'good-password', userAgent: TEST_USER_AGENT, captcha: provider('anti-captcha', service.url) });
    expect(result.kind).toBe('done');
    expect(service.tasks.map((t) => t.task.websiteKey)).toEqual([SITE_KEY, MANAGED_SITE_KEY]);
  });

  it('is captcha_failed when neither token passes', async () => {
    const service = await standIn({ defaultToken: 'not-accepted' });
    const error = await rejectionOf(startLogin(fx.client, { email: 'fail@captcha.sandbox.com', password: 'good-password', userAgent: TEST_USER_AGENT, captcha: provider('2captcha', service.url) }));
    expect(error).toBeInstanceOf(UpstreamLoginError);
    expect(error.reason).toBe('captcha_failed');
    expect(error.message).toBe('OnlyFans rejected the captcha tokens the solver returned');
  });
});
