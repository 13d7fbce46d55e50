// Captcha solving is pluggable: OnlyFans' login wants a Cloudflare Turnstile token (docs/onlyfans-web-api.md §7.3,
// §7.5), which a live deployment gets from a solving service (captcha/, chosen by OFCONNECT_CAPTCHA_PROVIDER); the
// simulator accepts a fixed token.
import { UpstreamLoginError } from './errors.ts';

/** invisible: the widget every login carries (§7.3); managed: the challenge a 102 asks for (§7.5). */
export type CaptchaKind = 'invisible' | 'managed';

export interface CaptchaContext {
  /** The page the widget would run on (upstream origin + '/'). */
  pageUrl: string;
  /** The browser the login impersonates: solvers must present the same UA (and ideally the same egress IP). */
  userAgent: string;
  proxyUrl: string | null;
  /** The login's own deadline: a solve in progress stops with it. */
  signal?: AbortSignal;
}

export interface CaptchaProvider {
  /** A token for the widget, or an UpstreamLoginError (captcha_required / captcha_failed) saying why there is none. */
  solve(kind: CaptchaKind, context: CaptchaContext): Promise<string>;
}

/** The token the simulator's captcha scenarios accept. */
export const SANDBOX_CAPTCHA_TOKEN = 'sandbox-captcha-ok';

export const sandboxCaptchaProvider: CaptchaProvider = {
  solve: async () => SANDBOX_CAPTCHA_TOKEN,
};

/** What an operator must set for live logins to pass the captcha; shown to developers, never to end users. */
export const CAPTCHA_SETUP_HINT =
  'set OFCONNECT_CAPTCHA_PROVIDER (capsolver, 2captcha or anti-captcha), OFCONNECT_CAPTCHA_API_KEY and OFCONNECT_CAPTCHA_SITE_KEY';

/** For deployments without a solver: every login that needs a captcha fails as captcha_required. */
export const noCaptchaProvider: CaptchaProvider = {
  solve: async () => {
    throw new UpstreamLoginError('captcha_required', `OnlyFans asks for a captcha at login and no captcha solver is configured: ${CAPTCHA_SETUP_HINT}`);
  },
};
