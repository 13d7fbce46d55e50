// Captcha solving is pluggable: OnlyFans' login wants a Cloudflare Turnstile token
// (docs/onlyfans-web-api.md §7.3), which a live deployment gets from its own solver; the simulator accepts a
// fixed token.
import { UpstreamLoginError } from './errors.ts';

export type CaptchaKind = 'invisible' | 'managed';

export interface CaptchaContext {
  /** The page the widget would run on (upstream origin + '/'). */
  pageUrl: string;
  /** The browser the login impersonates: solvers must present the same UA (and ideally the same egress IP). */
  userAgent: string;
  proxyUrl: string | null;
}

export interface CaptchaProvider {
  solve(kind: CaptchaKind, context: CaptchaContext): Promise<string>;
}

/** The token the simulator's captcha scenarios accept. */
export const SANDBOX_CAPTCHA_TOKEN = 'sandbox-captcha-ok';

export const sandboxCaptchaProvider: CaptchaProvider = {
  solve: async () => SANDBOX_CAPTCHA_TOKEN,
};

/** For deployments without a solver: every login that needs a captcha fails as captcha_required. */
export const noCaptchaProvider: CaptchaProvider = {
  solve: async () => {
    throw new UpstreamLoginError('captcha_required', 'No captcha solver is configured for logins to this upstream');
  },
};
