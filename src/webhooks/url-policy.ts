// Where webhooks may be sent. The address policy is the one every customer-chosen outbound target follows
// (platform/outbound.ts: no private, loopback or link-local addresses in production unless allowed); on top of it a
// webhook URL must be http(s) — https only in production — without credentials or a fragment. Checked when an
// endpoint is saved and again on every delivery (the worker connects through publicOnlyLookup), because DNS can change.
import type { Config } from '../platform/config.ts';
import { hostAddressProblem, hostOf, hostResolutionProblem, urlPolicyAllowsPrivate } from '../platform/outbound.ts';

type UrlPolicyConfig = Pick<Config, 'isProduction' | 'allowPrivateWebhookUrls'>;

function requiresHttps(config: UrlPolicyConfig): boolean {
  return config.isProduction && !urlPolicyAllowsPrivate(config);
}

/** What is wrong with the URL as written (scheme, credentials, an address literal), or null. No DNS. */
export function webhookUrlShapeProblem(config: UrlPolicyConfig, raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (requiresHttps(config) && url.protocol !== 'https:') return 'must use https';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.hash) return 'must not contain a fragment';
  return hostAddressProblem(config, hostOf(url));
}

/** The shape check plus where the host resolves now. An unresolvable host passes: delivery checks again anyway. */
export async function webhookUrlProblem(config: UrlPolicyConfig, raw: string): Promise<string | null> {
  const shape = webhookUrlShapeProblem(config, raw);
  if (shape) return shape;
  return hostResolutionProblem(config, hostOf(new URL(raw)));
}
