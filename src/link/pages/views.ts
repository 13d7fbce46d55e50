// The Link pages' markup: consent → credentials → 2FA → outcome, plus the notices (expired, used, not embeddable) and
// the dev callback. Every value is escaped by the html template; scripts and styles are external files (CSP).
import type { ClientAppRow } from '../../account/store.ts';
import type { SandboxTestAccount } from '../../upstream/environments.ts';
import type { LinkEventName } from '../events/names.ts';
import { html, type SafeHtml } from './html.ts';
import { pageQuery, type PageOptions } from './page-options.ts';

export type ExitStep = 'pre-login' | 'login' | '2fa' | 'success' | 'error';

export interface EmbedMessage {
  event: 'success' | 'exit' | 'invalid_session' | 'sandbox_info' | LinkEventName;
  metadata?: unknown;
}

/** A test account shown on sandbox pages (the sandbox environment describes them; see upstream/environments.ts). */
export type SandboxAccountHint = SandboxTestAccount;

export interface PageFrame {
  title: string;
  appName: string | null;
  options: PageOptions;
  step: ExitStep;
  /** Sent to the embedding parent once the page has loaded (embed mode only). */
  messages?: EmbedMessage[];
  /** Test accounts for sandbox sessions; null outside the sandbox. */
  sandbox?: readonly SandboxAccountHint[] | null;
  /** Refresh the page after this many seconds (a login in progress elsewhere). */
  refreshSeconds?: number;
}

export function renderPage(frame: PageFrame, content: SafeHtml): string {
  const { options } = frame;
  const embedOrigin = options.isEmbed ? options.embedOrigin : null;
  return html`<!doctype html>
<html lang="en" data-theme="${options.theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
${frame.refreshSeconds ? html`<meta http-equiv="refresh" content="${frame.refreshSeconds}">` : ''}
<title>${frame.title}${frame.appName ? ` · ${frame.appName}` : ''}</title>
<link rel="stylesheet" href="/link/assets/link.css">
<script src="/link/assets/link.js" defer></script>
</head>
<body${options.isEmbed ? html` class="embed"` : ''} data-step="${frame.step}"${embedOrigin ? html` data-embed-origin="${embedOrigin}"` : ''}${
    embedOrigin && frame.messages?.length ? html` data-messages="${JSON.stringify(frame.messages)}"` : ''
  }>
<main aria-labelledby="title">
${frame.sandbox ? sandboxBanner(frame.sandbox) : ''}
${frame.appName ? html`<div class="brand"><span class="logo" aria-hidden="true">${frame.appName.slice(0, 1).toUpperCase()}</span><span>${frame.appName}</span></div>` : ''}
${content}
</main>
<footer>Secured by ofconnect</footer>
</body>
</html>
`.value;
}

function sandboxBanner(accounts: readonly SandboxAccountHint[]): SafeHtml {
  const [first, ...others] = accounts;
  const otp = accounts.find((a) => a.otpCode)?.otpCode;
  return html`<aside class="sandbox" aria-label="Sandbox test accounts"><strong>Sandbox</strong> · no real OnlyFans account is used.
Sign in as <code>you@${first.id}.sandbox.com</code> (or ${others.map((a, i) => html`${i ? ', ' : ''}<code>${a.id}</code>`)} instead of ${first.id}),
password <code>${first.password}</code>${otp ? html`, code <code>${otp}</code>` : ''}. Failures: <code>@locked</code>, <code>@faceid</code>, a wrong password.</aside>`;
}

export interface FormContext {
  secret: string;
  options: PageOptions;
  csrf: string;
}

const action = (form: FormContext, path: string) => `/link/${form.secret}${path}${pageQuery(form.options)}`;

function cancelForm(form: FormContext, step: 'pre-login' | 'login' | '2fa', label = 'Cancel'): SafeHtml {
  return html`<form method="post" action="${action(form, '/cancel')}" data-cancel>
<input type="hidden" name="csrf" value="${form.csrf}">
<input type="hidden" name="step" value="${step}">
<input type="hidden" name="exit_type" value="user_exit">
<button type="submit" class="link">${label}</button>
</form>`;
}

const AREA_LABELS: Record<string, string> = {
  profile: 'your profile',
  posts: 'your posts',
  messages: 'your messages and chats',
  subscribers: 'your subscribers and subscriptions',
  earnings: 'your earnings and statements',
  analytics: 'your statistics',
  vault: 'your vault media',
  promotions: 'your promotions and links',
  lists: 'your user lists',
};

export function describePermission(permission: string): string {
  const [area, access] = permission.split(':');
  const what = AREA_LABELS[area] ?? area;
  return access === 'write' ? `Change ${what}` : `See ${what}`;
}

export function consentView(
  frame: PageFrame,
  form: FormContext,
  app: ClientAppRow,
  details: { storesCredentials: boolean; isReconnect: boolean },
): string {
  const profile = app.profile ?? {};
  const reads = app.permissions.filter((p) => p.endsWith(':read'));
  const writes = app.permissions.filter((p) => p.endsWith(':write'));
  return renderPage(
    frame,
    html`<h1 id="title">${details.isReconnect ? 'Reconnect' : 'Connect'} your OnlyFans account</h1>
<p><strong>${app.name}</strong> is asking to ${details.isReconnect ? 'reconnect to' : 'connect to'} your OnlyFans account.</p>
${profile.description ? html`<p class="muted">${profile.description}</p>` : ''}
<p id="perms-title">It will be able to:</p>
<ul class="perms" aria-labelledby="perms-title">${[...reads, ...writes].map((p) => html`<li>${describePermission(p)}</li>`)}</ul>
<p class="muted">${
      details.storesCredentials
        ? 'You will sign in to OnlyFans on the next screen. Your password is stored encrypted so the connection can be renewed.'
        : 'You will sign in to OnlyFans on the next screen. Your password is only used to sign in and is never stored.'
    }${profile.privacyPolicyUrl ? html` <a href="${profile.privacyPolicyUrl}" rel="noopener" target="_blank">Privacy policy</a>` : ''}</p>
<div class="actions">
<a class="button primary" href="${`/link/${form.secret}${pageQuery(form.options, { screen: 'login' })}`}" data-focus>Continue</a>
${cancelForm(form, 'pre-login')}
</div>`,
  );
}

export function credentialsView(frame: PageFrame, form: FormContext, problem: { message: string; attemptsLeft?: number } | null): string {
  const attempts = problem?.attemptsLeft;
  return renderPage(
    frame,
    html`<h1 id="title">Sign in to OnlyFans</h1>
<p class="muted">Use the email and password of the OnlyFans account you want to connect.</p>
${problem ? html`<div class="alert" role="alert" id="form-error">${problem.message}${attempts !== undefined ? ` ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'} left.` : ''}</div>` : ''}
<form method="post" action="${action(form, '/login')}" novalidate>
<input type="hidden" name="csrf" value="${form.csrf}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" inputmode="email" required autocapitalize="off" spellcheck="false"${problem ? html` aria-describedby="form-error"` : ''} data-focus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button type="submit" class="primary">Sign in</button></div>
</form>
<div class="actions">${cancelForm(form, 'login')}</div>`,
  );
}

export function twoFactorView(
  frame: PageFrame,
  form: FormContext,
  state: { phoneLast4?: string; usesPhone: boolean; attemptsLeft: number; resendsLeft: number },
  problem: string | null,
  notice: string | null,
): string {
  const where = state.usesPhone && state.phoneLast4 ? `the code sent to your phone ending in ${state.phoneLast4}` : 'the code from your authenticator app';
  return renderPage(
    frame,
    html`<h1 id="title">Enter your verification code</h1>
<p id="code-help">OnlyFans asks for a second step. Enter ${where}.</p>
${problem ? html`<div class="alert" role="alert" id="code-error">${problem}</div>` : ''}
${notice ? html`<div class="notice" role="status">${notice}</div>` : ''}
<form method="post" action="${action(form, '/2fa')}">
<input type="hidden" name="csrf" value="${form.csrf}">
<label for="code">Verification code</label>
<input id="code" name="code" class="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" minlength="4" maxlength="8" required aria-describedby="code-help attempts${problem ? ' code-error' : ''}" data-focus>
<p class="muted hint" id="attempts">${state.attemptsLeft} ${state.attemptsLeft === 1 ? 'attempt' : 'attempts'} left.</p>
<div class="actions"><button type="submit" class="primary">Verify</button></div>
</form>
<div class="actions">
<form method="post" action="${action(form, '/2fa/resend')}">
<input type="hidden" name="csrf" value="${form.csrf}">
<button type="submit"${state.resendsLeft > 0 ? '' : html` disabled`}>Send a new code</button>
</form>
${cancelForm(form, '2fa')}
</div>`,
  );
}

export function pendingView(frame: PageFrame): string {
  return renderPage(frame, html`<h1 id="title">Signing you in…</h1><p role="status">This takes a few seconds. The page refreshes by itself.</p>`);
}

export function successView(frame: PageFrame, details: { username: string; appName: string; continueUrl: string | null }): string {
  return renderPage(
    frame,
    html`<div class="status-icon ok" aria-hidden="true">✓</div>
<h1 id="title" data-focus tabindex="-1">Connected</h1>
<p role="status">Your OnlyFans account${details.username ? html` <strong>@${details.username}</strong>` : ''} is now connected to ${details.appName}.</p>
${details.continueUrl ? html`<div class="actions"><a class="button primary" href="${details.continueUrl}">Continue to ${details.appName}</a></div>` : html`<p class="muted">You can close this window.</p>`}`,
  );
}

/** Terminal outcomes: the user can only go back to the app (with status=error) or close the embed. */
export function outcomeView(
  frame: PageFrame,
  details: { heading: string; message: string; returnUrl: string | null; appName: string | null; exit: unknown | null; isBad?: boolean },
): string {
  const back = details.returnUrl
    ? html`<a class="button primary" href="${details.returnUrl}" data-focus>Return to ${details.appName ?? 'the app'}</a>`
    : details.exit && frame.options.isEmbed
      ? html`<button type="button" class="primary" data-exit="${JSON.stringify(details.exit)}" data-focus>Close</button>`
      : html`<p class="muted">You can close this window.</p>`;
  return renderPage(
    frame,
    html`${details.isBad === false ? '' : html`<div class="status-icon bad" aria-hidden="true">!</div>`}
<h1 id="title">${details.heading}</h1>
<p role="alert">${details.message}</p>
<div class="actions">${back}</div>`,
  );
}

export function devCallbackView(query: Record<string, string>): string {
  const rows = Object.entries(query);
  const status = query.status ?? null;
  return renderPage(
    { title: 'Link callback', appName: null, options: { isEmbed: false, embedOrigin: null, theme: 'auto' }, step: 'success' },
    html`<h1 id="title">Link finished${status ? html`: <span data-status>${status}</span>` : ''}</h1>
<p class="muted">ofconnect's development callback. Your app's redirect URL receives these query parameters.</p>
${rows.length
      ? html`<table><caption class="muted">Query received</caption><tbody>${rows.map(([k, v]) => html`<tr><th scope="row"><code>${k}</code></th><td><code data-param="${k}">${v}</code></td></tr>`)}</tbody></table>`
      : html`<p>No query parameters were received.</p>`}`,
  );
}
