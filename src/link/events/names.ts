// The named steps of a Link session, as the host hears them (postMessage, the embed's onEvent) and as they are
// recorded for the funnel. Metadata never holds an email, password, code or client secret.

export const LINK_EVENT_NAMES = [
  'opened',
  'consent_accepted',
  'credentials_submitted',
  '2fa_requested',
  '2fa_submitted',
  'error',
  // "Use another account" after a failure: the same session starts over at the sign-in step.
  'restarted',
  'exit',
  'success',
] as const;
export type LinkEventName = (typeof LINK_EVENT_NAMES)[number];

/** Where in the flow a session was when it erred or exited. */
export type LinkEventStep = 'consent' | 'login' | '2fa';

/** Recorded at most once per Link session (the table's partial unique index says the same). */
export const ONCE_PER_SESSION: readonly LinkEventName[] = ['opened', 'consent_accepted', 'success'];

/**
 * Passed on to the embedding host by the next Link page that renders. `exit` and `success` are not: the pages
 * already post them with OFAuth's metadata (the embed's onClose / onSuccess), and the embed turns those into
 * onEvent('exit' | 'success') itself.
 */
export const PAGE_DELIVERED: readonly LinkEventName[] = ['opened', 'consent_accepted', 'credentials_submitted', '2fa_requested', '2fa_submitted', 'error', 'restarted'];

export interface LinkEventInput {
  name: LinkEventName;
  step?: LinkEventStep | null;
  /** The public error code (the redirect's error_code), for `error`. */
  errorCode?: string | null;
}
