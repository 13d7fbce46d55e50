// The solving services ofconnect speaks to, each by its documented createTask API: where it answers and how it
// wants a Turnstile task written. Proxy fields follow the services' docs (proxyType http|socks4|socks5,
// proxyAddress, proxyPort, proxyLogin, proxyPassword); CapSolver solves Turnstile without a proxy only.
import type { CaptchaProviderName } from '../../platform/config.ts';

export interface TurnstileTaskInput {
  websiteURL: string;
  websiteKey: string;
  userAgent: string;
  /** The account's outbound proxy, when it has one: the token is then solved from the same egress IP. */
  proxyUrl: string | null;
}

export interface CaptchaService {
  name: CaptchaProviderName;
  defaultApiUrl: string;
  turnstileTask(input: TurnstileTaskInput): Record<string, unknown>;
}

const capsolver: CaptchaService = {
  name: 'capsolver',
  defaultApiUrl: 'https://api.capsolver.com',
  // CapSolver documents one Turnstile type, proxyless, and ignores a user agent.
  turnstileTask: ({ websiteURL, websiteKey }) => ({ type: 'AntiTurnstileTaskProxyLess', websiteURL, websiteKey }),
};

const antiCaptcha: CaptchaService = {
  name: 'anti-captcha',
  defaultApiUrl: 'https://api.anti-captcha.com',
  // Anti-Captcha ignores a custom user agent for Turnstile, so none is sent.
  turnstileTask: ({ websiteURL, websiteKey, proxyUrl }) => {
    const proxy = proxyUrl ? proxyFieldsOf(proxyUrl) : null;
    return proxy ? { type: 'TurnstileTask', websiteURL, websiteKey, ...proxy } : { type: 'TurnstileTaskProxyless', websiteURL, websiteKey };
  },
};

const twoCaptcha: CaptchaService = {
  name: '2captcha',
  defaultApiUrl: 'https://api.2captcha.com',
  turnstileTask: ({ websiteURL, websiteKey, userAgent, proxyUrl }) => {
    const proxy = proxyUrl ? proxyFieldsOf(proxyUrl) : null;
    return proxy
      ? { type: 'TurnstileTask', websiteURL, websiteKey, userAgent, ...proxy }
      : { type: 'TurnstileTaskProxyless', websiteURL, websiteKey, userAgent };
  },
};

export const CAPTCHA_SERVICES: Record<CaptchaProviderName, CaptchaService> = {
  capsolver,
  'anti-captcha': antiCaptcha,
  '2captcha': twoCaptcha,
};

/** A connection's proxy URL (http://, https://, socks4://, socks5://, with optional user:password) as task fields. */
export function proxyFieldsOf(proxyUrl: string): Record<string, string | number> | null {
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    return null;
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const proxyType = scheme === 'https' ? 'http' : scheme === 'socks5h' ? 'socks5' : scheme;
  if (!['http', 'socks4', 'socks5'].includes(proxyType)) return null;
  const defaultPort = proxyType === 'http' ? (scheme === 'https' ? 443 : 80) : 1080;
  const fields: Record<string, string | number> = {
    proxyType,
    proxyAddress: url.hostname.replace(/^\[|\]$/g, ''),
    proxyPort: url.port ? Number(url.port) : defaultPort,
  };
  if (url.username) fields.proxyLogin = decodeURIComponent(url.username);
  if (url.password) fields.proxyPassword = decodeURIComponent(url.password);
  return fields;
}
