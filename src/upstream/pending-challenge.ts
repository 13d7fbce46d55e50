// The state a 2FA login waits in between the login reply and the code: serialisable, so Link can store
// it (encrypted: it holds a guest session) and finish in another request or process.

/** Which second factors the account offers (payload.otpState of a code-101 reply, docs/onlyfans-web-api.md §5). */
export interface OtpState {
  email?: boolean;
  phoneOtp?: boolean;
  appOtp?: boolean;
  faceOtp?: boolean;
  forceFaceOtp?: boolean;
  phoneLast4?: string | null;
  [field: string]: unknown;
}

export interface PendingChallenge {
  /** Guest cookies after the login reply; the OTP check must send exactly these. */
  cookie: string;
  /** The x-bc the login used: a different one invalidates the challenge (docs/onlyfans-web-api.md §7.7). */
  xBc: string;
  userAgent: string;
  /** The same egress as the login. */
  proxyUrl: string | null;
  otpState: OtpState;
  strong: boolean;
}
