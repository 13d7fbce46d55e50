// Proving a rule set before it is used: one signed anonymous `GET /api2/v2/init` (what a browser sends first,
// docs/onlyfans-web-api.md §2.1) made with the candidate rules. The upstream verifies every sign, so rules it no
// longer accepts get "Please refresh the page"; anything else that is not an answer proves nothing either way.
import type { Dispatcher } from 'undici';
import { classifyUpstreamReply, type UpstreamReply } from './errors.ts';
import type { UpstreamDispatchers } from './http-pool.ts';
import { buildUpstreamRequest } from './request-builder.ts';
import type { DynamicRules } from './rules.ts';
import { isStaleConnectionError } from './rules-sources.ts';

export interface RulesProbeResult {
  /** accepted: the upstream answered the signed request; refused: it rejected the sign; inconclusive: no verdict. */
  outcome: 'accepted' | 'refused' | 'inconclusive';
  /** The revision the upstream reported (`x-of-rev`), when it did. */
  upstreamRevision: string | null;
  /** Why, in a few words (for the source's status when the probe did not accept). */
  detail: string;
}

export type RulesProbe = (rules: DynamicRules) => Promise<RulesProbeResult>;

export interface RulesProbeOptions {
  /** The upstream's base URL (https://onlyfans.com for live). */
  baseUrl: string;
  dispatchers: UpstreamDispatchers;
  /** Signing time, in Unix milliseconds. */
  now?: () => number;
  timeoutMs?: number;
}

const PROBE_PATH = '/init';
const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

export function createRulesProbe(options: RulesProbeOptions): RulesProbe {
  const origin = new URL(options.baseUrl).origin;
  const now = options.now ?? Date.now;
  return async (rules) => {
    const built = buildUpstreamRequest(null, { method: 'GET', path: PROBE_PATH }, { rules, origin, now: now() });
    const send = async () => {
      const response = await options.dispatchers.dispatcherFor(null).request({
        origin,
        path: built.pathWithQuery,
        method: 'GET',
        headers: built.headers,
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS),
      });
      return replyOf(response, await response.body.text());
    };
    let reply: UpstreamReply;
    try {
      // Probes are minutes apart: a pooled connection the upstream closed meanwhile gets one more try.
      reply = await send().catch((error: unknown) => {
        if (isStaleConnectionError(error)) return send();
        throw error;
      });
    } catch (error) {
      return { outcome: 'inconclusive', upstreamRevision: null, detail: `upstream unreachable: ${error instanceof Error ? error.message : String(error)}` };
    }
    const upstreamRevision = reply.headers['x-of-rev'] ?? null;
    const failure = classifyUpstreamReply(reply);
    if (!failure) return { outcome: 'accepted', upstreamRevision, detail: `HTTP ${reply.status}` };
    if (failure.kind === 'rules_outdated') return { outcome: 'refused', upstreamRevision, detail: 'the upstream refused the sign ("Please refresh the page")' };
    return { outcome: 'inconclusive', upstreamRevision, detail: `the upstream answered HTTP ${reply.status} (${failure.kind})` };
  };
}

function replyOf(response: Dispatcher.ResponseData, text: string): UpstreamReply {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined || name === 'set-cookie') continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (a firewall page, say): classified from the text.
  }
  return { status: response.statusCode, headers, body, text, setCookies: [] };
}
