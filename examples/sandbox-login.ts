// The upstream client end to end against the simulator: log in with 2FA, read the profile and a page of chats,
// survive a rules rotation, then see SESSION_EXPIRED once the session is expired through the control API.
// Run: node bin/run-ts.js examples/sandbox-login.ts [sandbox URL]   (without a URL it starts its own simulator)
import { ApiError } from '../src/platform/errors.ts';
import { startSandbox } from '../src/sandbox/server.ts';
import { sandboxCaptchaProvider } from '../src/upstream/captcha.ts';
import { createUpstreamClient } from '../src/upstream/client.ts';
import { startLogin, submitOtp } from '../src/upstream/login.ts';
import { createRulesProvider } from '../src/upstream/rules-provider.ts';

const own = process.argv[2] ? null : await startSandbox({ port: 0 });
const sandboxUrl = process.argv[2] ?? own!.url;
const control = (path: string, body: unknown) =>
  fetch(`${sandboxUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const rules = createRulesProvider({ source: `${sandboxUrl}/dynamic-rules.json`, refreshInBackground: false });
const client = createUpstreamClient({ baseUrl: sandboxUrl, rules });
const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

const started = await startLogin(client, { email: 'alice@creator-otp.sandbox.com', password: 'good-password', userAgent, captcha: sandboxCaptchaProvider });
if (started.kind !== 'awaiting_2fa') throw new Error('expected a 2FA challenge');
console.log('2FA asked:', started.otpState);
const { session, profile } = await submitOtp(client, started.challenge, '123456');
console.log('logged in as', profile.username, `(id ${profile.id})`);

const chats = await client.request<{ list: unknown[]; hasMore: boolean }>(session, { method: 'GET', path: '/chats', query: { limit: 10, offset: 0, order: 'recent' } });
console.log('a page of chats:', chats.body.list.length, 'chats, hasMore', chats.body.hasMore);

await control('/_sandbox/rules/rotate', {});
const me = await client.validateSession(session);
console.log('after a rules rotation the client still works:', me.username, '— rules revision now', rules.revision());

await control('/_sandbox/sessions/expire', { userId: profile.id });
try {
  await client.validateSession(session);
  console.log('unexpected: the session still works');
} catch (error) {
  if (!(error instanceof ApiError)) throw error;
  console.log('after the control API expired the session:', error.type, '-', error.message);
}

rules.close();
await client.close();
await own?.close();
