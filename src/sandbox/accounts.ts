// Sandbox test accounts: the scenario comes from the email domain (OFAuth's sandbox scheme, any local part),
// the user id from the whole email, so the same address is the same user in every sandbox.
import { createHash } from 'node:crypto';

export const SANDBOX_PASSWORD = 'good-password';
export const SANDBOX_OTP_CODE = '123456';
/** The only Turnstile token the captcha scenario accepts. */
export const SANDBOX_CAPTCHA_OK_TOKEN = 'sandbox-captcha-ok';

export type ScenarioId =
  | 'creator'
  | 'creator-otp'
  | 'creator-sms'
  | 'creator-email'
  | 'fan'
  | 'fan-otp'
  | 'locked'
  | 'captcha'
  | 'faceid'
  | 'expiring'
  | 'rate-limited';

export interface Scenario {
  id: ScenarioId;
  isPerformer: boolean;
  hasOtp: boolean;
  /**
   * The code is sent, by text message (OnlyFans' otpState.phoneOtp) or email (otpState.email), so a new one can be
   * asked for; without it the code comes from an authenticator app.
   */
  otpSentBy?: 'phone' | 'email';
  description: string;
}

/** The last four digits of the sandbox's phone, as OnlyFans shows them (otpState.phoneLast4). */
export const SANDBOX_PHONE_LAST4 = '0142';

export const SCENARIOS: Record<ScenarioId, Scenario> = {
  creator: { id: 'creator', isPerformer: true, hasOtp: false, description: 'Creator account, no 2FA.' },
  'creator-otp': { id: 'creator-otp', isPerformer: true, hasOtp: true, description: 'Creator account with app 2FA; OTP 123456.' },
  'creator-sms': {
    id: 'creator-sms',
    isPerformer: true,
    hasOtp: true,
    otpSentBy: 'phone',
    description: `Creator account with text-message 2FA (phone ending ${SANDBOX_PHONE_LAST4}); OTP 123456, and "send a new code" (GET /users/otp/code) allowed.`,
  },
  'creator-email': {
    id: 'creator-email',
    isPerformer: true,
    hasOtp: true,
    otpSentBy: 'email',
    description: 'Creator account with email 2FA; OTP 123456, and "send a new code" (GET /users/otp/code) allowed.',
  },
  fan: { id: 'fan', isPerformer: false, hasOtp: false, description: 'Fan account, no 2FA.' },
  'fan-otp': { id: 'fan-otp', isPerformer: false, hasOtp: true, description: 'Fan account with app 2FA; OTP 123456.' },
  locked: { id: 'locked', isPerformer: true, hasOtp: false, description: 'Login fails: the account is locked (HTTP 400, code 103).' },
  captcha: {
    id: 'captcha',
    isPerformer: true,
    hasOtp: false,
    description: `Login fails with code 102 unless turnstile-invisible-response or turnstile-managed-response is "${SANDBOX_CAPTCHA_OK_TOKEN}".`,
  },
  faceid: { id: 'faceid', isPerformer: true, hasOtp: false, description: 'Login fails with code 105 (security check / Face ID): Link ends with security_check_required.' },
  expiring: { id: 'expiring', isPerformer: true, hasOtp: false, description: 'Creator whose sessions expire after a few minutes.' },
  'rate-limited': { id: 'rate-limited', isPerformer: true, hasOtp: false, description: 'Creator with a tiny per-session rate limit.' },
};

export interface SandboxAccount {
  email: string;
  userId: number;
  scenario: Scenario;
}

const SANDBOX_EMAIL = /^[^@\s]+@([a-z-]+)\.sandbox\.com$/;

/** The sandbox account an email names, or undefined for anything outside *.sandbox.com scenarios. */
export function accountFromEmail(rawEmail: string): SandboxAccount | undefined {
  const email = rawEmail.trim().toLowerCase();
  const match = SANDBOX_EMAIL.exec(email);
  if (!match) return undefined;
  const scenario = SCENARIOS[match[1] as ScenarioId];
  if (!scenario) return undefined;
  return { email, userId: userIdFromEmail(email), scenario };
}

/** 6–9 digit user id, stable for an email. */
export function userIdFromEmail(email: string): number {
  const n = createHash('sha1').update(email.trim().toLowerCase()).digest().readUInt32BE(0);
  return 100_000 + (n % 999_900_000);
}
