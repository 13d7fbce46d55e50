// The Link pages' markup: consent → credentials → 2FA → outcome, plus the notices (expired, used, not embeddable) and
// the dev callback. Every value is escaped by the html template; scripts and styles are external files (CSP). Every
// page has the same frame (header with the app and OnlyFans, step indicator, card, links) so nothing jumps between
// steps, and every string comes from the page language's catalogue (link/i18n/).
import type { ClientAppRow } from '../../account/store.ts';
import type { SandboxTestAccount } from '../../upstream/environments.ts';
import type { LinkEventName } from '../events/names.ts';
import { brandStylesheetPath } from '../branding/routes.ts';
import { translator, type MessageKey, type Translate } from '../i18n/catalogue.ts';
import { describePermission } from '../i18n/permission-text.ts';
import { html, type SafeHtml } from './html.ts';
import { pageQuery, type PageOptions } from './page-options.ts';

export type ExitStep = 'pre-login' | 'login' | '2fa' | 'success' | 'error';

export interface EmbedMessage {
  event: 'success' | 'exit' | 'invalid_session' | 'sandbox_info' | LinkEventName;
  metadata?: unknown;
}

/** A test account shown on sandbox pages (the sandbox environment describes them; see upstream/environments.ts). */
export type SandboxAccountHint = SandboxTestAccount;

/** The step indicator's steps, in order. */
export const PROGRESS_STEPS = ['consent', 'signIn', 'verify', 'done'] as const;
export type ProgressStep = (typeof PROGRESS_STEPS)[number];

/** How the app presents itself to end users (client app branding). */
export interface PageBrand {
  name: string;
  logoUrl: string | null;
  brandColor: string | null;
  privacyUrl: string | null;
  termsUrl: string | null;
}

export function brandOf(app: ClientAppRow, logoUrl: string | null): PageBrand {
  const profile = (app.profile ?? {}) as Record<string, string | null | undefined>;
  return {
    name: app.displayName ?? app.name,
    logoUrl,
    brandColor: app.brandColor,
    privacyUrl: profile.privacyPolicyUrl ?? null,
    termsUrl: profile.termsUrl ?? null,
  };
}

export interface PageFrame {
  title: string;
  brand: PageBrand | null;
  options: PageOptions;
  step: ExitStep;
  /** Where the step indicator stands; null hides it (notices that are not about a step). */
  progress?: ProgressStep | null;
  /** Sent to the embedding parent once the page has loaded (embed mode only). */
  messages?: EmbedMessage[];
  /** Test accounts for sandbox sessions; null outside the sandbox. */
  sandbox?: readonly SandboxAccountHint[] | null;
  /** Refresh the page after this many seconds (a login in progress elsewhere). */
  refreshSeconds?: number;
}

export function translatorOf(frame: { options: PageOptions }): Translate {
  return translator(frame.options.locale);
}

export function renderPage(frame: PageFrame, content: SafeHtml): string {
  const { options, brand } = frame;
  const t = translatorOf(frame);
  const embedOrigin = options.isEmbed ? options.embedOrigin : null;
  return html`<!doctype html>
<html lang="${options.locale}" data-theme="${options.theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
${frame.refreshSeconds ? html`<meta http-equiv="refresh" content="${frame.refreshSeconds}">` : ''}
<title>${frame.title}${brand ? ` · ${brand.name}` : ''}</title>
<link rel="stylesheet" href="/link/assets/link.css">
${brand?.brandColor ? html`<link rel="stylesheet" href="${brandStylesheetPath(brand.brandColor)}">` : ''}
<script src="/link/assets/link.js" defer></script>
</head>
<body${options.isEmbed ? html` class="embed"` : ''} data-step="${frame.step}"${embedOrigin ? html` data-embed-origin="${embedOrigin}"` : ''}${
    embedOrigin && frame.messages?.length ? html` data-messages="${JSON.stringify(frame.messages)}"` : ''
  }>
<main aria-labelledby="title">
${frame.sandbox ? sandboxBanner(frame.sandbox) : ''}
${brand ? brandHeader(brand, t) : ''}
${frame.progress ? progressIndicator(frame.progress, t) : ''}
${content}
${brand ? endUserLinks(brand, t) : ''}
</main>
<footer>${t('page.secured')}</footer>
</body>
</html>
`.value;
}

/** The app and OnlyFans side by side: who is asking, and where the account lives. */
function brandHeader(brand: PageBrand, t: Translate): SafeHtml {
  const appMark = brand.logoUrl
    ? html`<img class="logo" src="${brand.logoUrl}" alt="" width="40" height="40">`
    : html`<span class="logo tile" aria-hidden="true">${brand.name.slice(0, 1).toUpperCase()}</span>`;
  return html`<header class="brand" aria-label="${t('header.label', { app: brand.name })}">
<span class="party">${appMark}<span class="party-name" data-app-name>${brand.name}</span></span>
<span class="connector"><span class="visually-hidden">${t('header.connectsTo')}</span><span aria-hidden="true">⇄</span></span>
<span class="party"><span class="logo of" aria-hidden="true">OF</span><span class="party-name">OnlyFans</span></span>
</header>`;
}

function progressIndicator(current: ProgressStep, t: Translate): SafeHtml {
  const index = PROGRESS_STEPS.indexOf(current);
  const names: Record<ProgressStep, MessageKey> = { consent: 'steps.consent', signIn: 'steps.signIn', verify: 'steps.verify', done: 'steps.done' };
  return html`<ol class="steps" aria-label="${t('steps.label')}">${PROGRESS_STEPS.map((step, i) => {
    const state = i < index ? 'done' : i === index ? 'current' : 'todo';
    const label = t('steps.current', { n: i + 1, total: PROGRESS_STEPS.length, name: t(names[step]) });
    return html`<li class="${state}"${i === index ? html` aria-current="step"` : ''}><span class="visually-hidden">${label}</span><span aria-hidden="true">${t(names[step])}</span></li>`;
  })}</ol>`;
}

function endUserLinks(brand: PageBrand, t: Translate): SafeHtml | '' {
  if (!brand.privacyUrl && !brand.termsUrl) return '';
  return html`<nav class="legal" aria-label="${brand.name}">${brand.privacyUrl ? html`<a href="${brand.privacyUrl}" rel="noopener" target="_blank">${t('link.privacy')}</a>` : ''}${
    brand.termsUrl ? html`<a href="${brand.termsUrl}" rel="noopener" target="_blank">${t('link.terms')}</a>` : ''
  }</nav>`;
}

function sandboxBanner(accounts: readonly SandboxAccountHint[]): SafeHtml {
  const [first, ...others] = accounts;
  const otp = accounts.find((a) => a.otpCode)?.otpCode;
  return html`<aside class="sandbox" aria-label="Sandbox test accounts" lang="en"><strong>Sandbox</strong> · no real OnlyFans account is used.
Sign in as <code>you@${first.id}.sandbox.com</code> (or ${others.map((a, i) => html`${i ? ', ' : ''}<code>${a.id}</code>`)} instead of ${first.id}),
password <code>${first.password}</code>${otp ? html`, code <code>${otp}</code>` : ''}. Failures: <code>@locked</code>, <code>@faceid</code>, a wrong password.</aside>`;
}

export interface FormContext {
  secret: string;
  options: PageOptions;
  csrf: string;
}

const action = (form: FormContext, path: string) => `/link/${form.secret}${path}${pageQuery(form.options)}`;

function cancelForm(form: FormContext, step: 'pre-login' | 'login' | '2fa', t: Translate): SafeHtml {
  return html`<form method="post" action="${action(form, '/cancel')}" data-cancel>
<input type="hidden" name="csrf" value="${form.csrf}">
<input type="hidden" name="step" value="${step}">
<input type="hidden" name="exit_type" value="user_exit">
<button type="submit" class="link">${t('action.cancel')}</button>
</form>`;
}

export function consentView(frame: PageFrame, form: FormContext, app: ClientAppRow, details: { isReconnect: boolean }): string {
  const t = translatorOf(frame);
  const name = frame.brand?.name ?? app.name;
  const profile = app.profile ?? {};
  const reads = app.permissions.filter((p) => p.endsWith(':read'));
  const writes = app.permissions.filter((p) => p.endsWith(':write'));
  return renderPage(
    { ...frame, progress: 'consent' },
    html`<h1 id="title">${t(details.isReconnect ? 'consent.headingReconnect' : 'consent.heading')}</h1>
<p>${t(details.isReconnect ? 'consent.askingReconnect' : 'consent.asking', { app: name })}</p>
${profile.description ? html`<p class="muted">${profile.description}</p>` : ''}
<p id="perms-title">${t('consent.canList')}</p>
<ul class="perms" aria-labelledby="perms-title">${[...reads, ...writes].map((p) => html`<li>${describePermission(p, t)}</li>`)}</ul>
<p class="muted">${t('consent.next')}</p>
<div class="actions main-actions">
<a class="button primary" href="${`/link/${form.secret}${pageQuery(form.options, { screen: 'login' })}`}" data-focus>${t('action.continue')}</a>
${cancelForm(form, 'pre-login', t)}
</div>`,
  );
}

export interface CredentialsDetails {
  problem: { message: string; attemptsLeft?: number } | null;
  /** The email to fill in again after a failed attempt (never the password). */
  email: string;
  /** Whether the org keeps the password for re-login (its storeCredentialsForRelogin setting). */
  storesCredentials: boolean;
  /** Who runs the page: the organization operating this ofconnect for the app. */
  operator: string;
  /** Whether Back leads to the consent page (only before a first attempt moved the session on). */
  canGoBack: boolean;
}

export function credentialsView(frame: PageFrame, form: FormContext, details: CredentialsDetails): string {
  const t = translatorOf(frame);
  const { problem } = details;
  const attempts = problem?.attemptsLeft;
  const appName = frame.brand?.name ?? '';
  const backUrl = `/link/${form.secret}${pageQuery(form.options)}`;
  return renderPage(
    { ...frame, progress: 'signIn' },
    html`<h1 id="title">${t('login.heading')}</h1>
<p class="muted">${t('login.help')}</p>
${problem ? html`<div class="alert" role="alert" id="form-error">${problem.message}${attempts !== undefined ? ` ${t(attempts === 1 ? 'login.attemptsLeft.one' : 'login.attemptsLeft.other', { n: attempts })}` : ''}</div>` : ''}
<form method="post" action="${action(form, '/login')}" novalidate data-busy-form>
<input type="hidden" name="csrf" value="${form.csrf}">
<label for="email">${t('login.email')}</label>
<input id="email" name="email" type="email" autocomplete="username" inputmode="email" required autocapitalize="off" spellcheck="false" value="${details.email}"${problem ? html` aria-describedby="form-error"` : ''}${details.email ? '' : html` data-focus`}>
<label for="password">${t('login.password')}</label>
<div class="password-field">
<input id="password" name="password" type="password" autocomplete="current-password" required${details.email ? html` data-focus` : ''}>
<button type="button" class="reveal" data-reveal="password" aria-controls="password" aria-pressed="false" hidden>${t('login.showPassword')}</button>
</div>
<p class="assurance" id="password-note"><span class="lock" aria-hidden="true"></span><span>${t(details.storesCredentials ? 'password.stored' : 'password.notStored', { operator: details.operator })} ${t('password.operatedBy', { operator: details.operator, app: appName })}</span></p>
<div class="actions main-actions">
<button type="submit" class="primary" data-busy-label="${t('login.busy')}"><span class="spinner" aria-hidden="true"></span><span class="label">${t('login.submit')}</span></button>
<p class="busy-status" aria-live="polite" data-slow="${t('login.slow')}" data-timeout="${t('login.timeout')}"></p>
</div>
</form>
<div class="actions secondary">${details.canGoBack ? html`<a class="link" href="${backUrl}">${t('action.back')}</a>` : ''}${cancelForm(form, 'login', t)}</div>`,
  );
}

export function twoFactorView(
  frame: PageFrame,
  form: FormContext,
  state: { phoneLast4?: string; codeSentBy: 'phone' | 'email' | null; attemptsLeft: number; resendsLeft: number },
  problem: string | null,
  notice: string | null,
): string {
  const t = translatorOf(frame);
  // Only a code OnlyFans sends (text message or email) can be sent again; an authenticator app shows its own codes,
  // so it gets no resend and no "a code was sent" claim.
  const isSent = state.codeSentBy !== null;
  const where =
    state.codeSentBy === 'phone'
      ? state.phoneLast4 ? t('twofa.phone', { last4: state.phoneLast4 }) : t('twofa.phoneNoDigits')
      : state.codeSentBy === 'email' ? t('twofa.email') : t('twofa.app');
  return renderPage(
    { ...frame, progress: 'verify' },
    html`<h1 id="title">${t('twofa.heading')}</h1>
<p id="code-help">${where}</p>
${problem ? html`<div class="alert" role="alert" id="code-error">${problem}</div>` : ''}
${notice && isSent ? html`<div class="notice" role="status">${notice}</div>` : ''}
<form method="post" action="${action(form, '/2fa')}" data-busy-form>
<input type="hidden" name="csrf" value="${form.csrf}">
<label for="code">${t('twofa.code')}</label>
<input id="code" name="code" class="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" minlength="4" maxlength="8" required aria-describedby="code-help attempts${problem ? ' code-error' : ''}" data-focus>
<p class="muted hint" id="attempts">${t(state.attemptsLeft === 1 ? 'twofa.attemptsLeft.one' : 'twofa.attemptsLeft.other', { n: state.attemptsLeft })}</p>
<div class="actions main-actions">
<button type="submit" class="primary" data-busy-label="${t('twofa.busy')}"><span class="spinner" aria-hidden="true"></span><span class="label">${t('twofa.submit')}</span></button>
<p class="busy-status" aria-live="polite" data-slow="${t('login.slow')}" data-timeout="${t('login.timeout')}"></p>
</div>
</form>
<div class="actions secondary">
${isSent
      ? html`<form method="post" action="${action(form, '/2fa/resend')}">
<input type="hidden" name="csrf" value="${form.csrf}">
<button type="submit" class="link"${state.resendsLeft > 0 ? '' : html` disabled`}>${t('twofa.resend')}</button>
</form>`
      : ''}
${cancelForm(form, '2fa', t)}
</div>`,
  );
}

export function pendingView(frame: PageFrame): string {
  const t = translatorOf(frame);
  return renderPage(
    { ...frame, progress: 'signIn' },
    html`<div class="status-icon busy" aria-hidden="true"><span class="spinner"></span></div>
<h1 id="title">${t('pending.heading')}</h1><p role="status">${t('pending.body')}</p>`,
  );
}

export function successView(frame: PageFrame, details: { username: string; appName: string; continueUrl: string | null }): string {
  const t = translatorOf(frame);
  return renderPage(
    { ...frame, progress: 'done' },
    html`<div class="status-icon ok" aria-hidden="true">✓</div>
<h1 id="title" data-focus tabindex="-1">${t('success.heading')}</h1>
<p role="status">${details.username ? t('success.bodyUser', { username: details.username, app: details.appName }) : t('success.body', { app: details.appName })}</p>
${details.continueUrl
      ? html`<div class="actions main-actions"><a class="button primary" href="${details.continueUrl}">${t('action.continueTo', { app: details.appName })}</a></div>`
      : html`<p class="muted">${t('success.close')}</p>`}`,
  );
}

export interface OutcomeDetails {
  heading: string;
  message: string;
  returnUrl: string | null;
  appName: string | null;
  exit: unknown | null;
  isBad?: boolean;
  /** A way forward on this page: "Use another account" (a form that restarts the sign-in). */
  restart?: FormContext | null;
}

/** Terminal outcomes: the user goes back to the app (with status=error), closes the embed, or signs in with another account. */
export function outcomeView(frame: PageFrame, details: OutcomeDetails): string {
  const t = translatorOf(frame);
  const back = details.returnUrl
    ? html`<a class="button${details.restart ? '' : ' primary'}" href="${details.returnUrl}"${details.restart ? '' : html` data-focus`}>${t('action.returnTo', { app: details.appName ?? '' })}</a>`
    : details.exit && frame.options.isEmbed
      ? html`<button type="button" class="${details.restart ? '' : 'primary'}" data-exit="${JSON.stringify(details.exit)}"${details.restart ? '' : html` data-focus`}>${t('action.close')}</button>`
      : html`<p class="muted">${t('success.close')}</p>`;
  const restart = details.restart
    ? html`<form method="post" action="${action(details.restart, '/restart')}">
<input type="hidden" name="csrf" value="${details.restart.csrf}">
<button type="submit" class="primary" data-focus>${t('action.useAnotherAccount')}</button>
</form>`
    : '';
  return renderPage(
    frame,
    html`${details.isBad === false ? '' : html`<div class="status-icon bad" aria-hidden="true">!</div>`}
<h1 id="title">${details.heading}</h1>
<p role="alert">${details.message}</p>
<div class="actions main-actions">${restart}${back}</div>`,
  );
}

export function devCallbackView(query: Record<string, string>): string {
  const rows = Object.entries(query);
  const status = query.status ?? null;
  return renderPage(
    { title: 'Link callback', brand: null, options: { isEmbed: false, embedOrigin: null, theme: 'auto', locale: 'en', isLocaleFromUrl: false }, step: 'success' },
    html`<h1 id="title">Link finished${status ? html`: <span data-status>${status}</span>` : ''}</h1>
<p class="muted">ofconnect's development callback. Your app's redirect URL receives these query parameters.</p>
${rows.length
      ? html`<table><caption class="muted">Query received</caption><tbody>${rows.map(([k, v]) => html`<tr><th scope="row"><code>${k}</code></th><td><code data-param="${k}">${v}</code></td></tr>`)}</tbody></table>`
      : html`<p>No query parameters were received.</p>`}`,
  );
}
