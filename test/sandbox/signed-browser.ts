// A minimal stand-in for a browser talking to the simulator: a cookie jar, a fixed UA and x-bc, and requests
// signed with signUpstreamRequest over the rules the sandbox publishes. Knobs let tests send wrong values.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'undici';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/server.ts';
import type { DynamicRules } from '../../src/upstream/rules.ts';
import { parseDynamicRules } from '../../src/upstream/rules.ts';
import { signUpstreamRequest } from '../../src/upstream/signing.ts';

export const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export function newXBc(): string {
  return createHash('sha1').update(randomBytes(16)).digest('hex');
}

export interface SendOptions {
  body?: unknown;
  /** Rules to sign with (default: the last fetched). */
  rules?: DynamicRules;
  /** Sign over this path instead of the one sent. */
  signPath?: string;
  /** User id for the sign (default: auth_id cookie or 0). */
  signUserId?: number | string;
  /** Send a user-id header. */
  userIdHeader?: string;
  time?: number | string;
  /** Header overrides; undefined removes the header. */
  headers?: Record<string, string | undefined>;
}

export interface SandboxReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export class SignedBrowser {
  readonly cookies = new Map<string, string>();
  rules!: DynamicRules;

  constructor(
    readonly baseUrl: string,
    readonly now: () => number,
    public userAgent = CHROME_UA,
    public xBc = newXBc(),
  ) {}

  /** A browser holding an exported session (cookie string + UA), sending x-bc = fp as ofconnect's client does. */
  static fromSession(baseUrl: string, now: () => number, session: { cookie: string; userAgent: string; xBc?: string }): SignedBrowser {
    const browser = new SignedBrowser(baseUrl, now, session.userAgent);
    for (const part of session.cookie.split(';')) {
      const [name, ...rest] = part.trim().split('=');
      if (name) browser.cookies.set(name, rest.join('='));
    }
    browser.xBc = session.xBc ?? browser.cookies.get('fp') ?? browser.xBc;
    return browser;
  }

  async loadRules(): Promise<DynamicRules> {
    const reply = await request(`${this.baseUrl}/dynamic-rules.json`);
    this.rules = parseDynamicRules(await reply.body.json());
    return this.rules;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async send(method: string, path: string, options: SendOptions = {}): Promise<SandboxReply> {
    if (!this.rules) await this.loadRules();
    const rules = options.rules ?? this.rules;
    const time = options.time ?? this.now();
    const userId = options.signUserId ?? options.userIdHeader ?? this.cookies.get('auth_id') ?? 0;
    const signed = signUpstreamRequest(rules, { path: options.signPath ?? path, time, userId });
    const headers: Record<string, string | undefined> = {
      accept: 'application/json, text/plain, */*',
      'app-token': rules.app_token,
      sign: signed.sign,
      time: String(time),
      'x-bc': this.xBc,
      'user-agent': this.userAgent,
      cookie: this.cookies.size > 0 ? this.cookieHeader() : undefined,
      ...(options.userIdHeader !== undefined ? { 'user-id': options.userIdHeader } : {}),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...options.headers,
    };
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (v !== undefined) clean[k] = v;
    const reply = await request(`${this.baseUrl}${path}`, {
      method: method as 'GET',
      headers: clean,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    this.absorbCookies(reply.headers['set-cookie']);
    const text = await reply.body.text();
    return { status: reply.statusCode, headers: reply.headers, body: text ? JSON.parse(text) : undefined };
  }

  get(path: string, options?: SendOptions) {
    return this.send('GET', path, options);
  }

  post(path: string, body: unknown = {}, options?: SendOptions) {
    return this.send('POST', path, { ...options, body });
  }

  /** GET /users/me anonymously to pick up guest cookies, then log in (no 2FA step). */
  async login(email: string, password = 'good-password', captcha = 'turnstile-token') {
    await this.get('/api2/v2/users/me');
    return this.post('/api2/v2/users/login', {
      email,
      encodedPassword: Buffer.from(password).toString('base64'),
      'turnstile-invisible-response': captcha,
    });
  }

  private absorbCookies(setCookie: string | string[] | undefined): void {
    for (const line of setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** JSON to/from the control API. */
export async function control(baseUrl: string, method: string, path: string, body?: unknown): Promise<SandboxReply> {
  const reply = await request(`${baseUrl}${path}`, {
    method: method as 'GET',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await reply.body.text();
  return { status: reply.statusCode, headers: reply.headers, body: text ? JSON.parse(text) : undefined };
}

/** A settable millisecond clock for startSandbox({ now }). */
export function testClock(start = Date.UTC(2026, 10, 25, 12, 0, 0)) {
  let value = start;
  return {
    now: () => value,
    advance(ms: number) {
      value += ms;
    },
  };
}

/** A browser holding a session the control API minted for `email` (a logged-in sandbox user, no login steps). */
export async function mintedBrowser(baseUrl: string, now: () => number, email: string): Promise<SignedBrowser> {
  const session = (await control(baseUrl, 'POST', '/_sandbox/sessions', { email })).body;
  return SignedBrowser.fromSession(baseUrl, now, session);
}

/** A simulator of its own on a test clock, with a creator signed in to it (what most family tests start from). */
export async function startSandboxWithCreator(
  clock: ReturnType<typeof testClock>,
  seed: number,
  email: string,
): Promise<{ sandbox: RunningSandbox; creator: SignedBrowser }> {
  const sandbox = await startSandbox({ now: clock.now, seed });
  try {
    return { sandbox, creator: await mintedBrowser(sandbox.url, clock.now, email) };
  } catch (error) {
    await sandbox.close();
    throw error;
  }
}
