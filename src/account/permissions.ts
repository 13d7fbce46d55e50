// Connection permissions: <area>:<read|write>. A managed Access route outside a connection's permissions is FORBIDDEN.
import type { Environment } from '../platform/environment.ts';

export const PERMISSION_AREAS = [
  'profile',
  'posts',
  'messages',
  'subscribers',
  'earnings',
  'analytics',
  'vault',
  'promotions',
  'lists',
] as const;

export const CONNECTION_PERMISSIONS = PERMISSION_AREAS.flatMap((area) => [`${area}:read`, `${area}:write`]);

/** Every `:read` permission: what a live connection gets when neither the request nor the org says otherwise. */
export const READ_CONNECTION_PERMISSIONS = PERMISSION_AREAS.map((area) => `${area}:read`);

/**
 * The org default for an environment until the org changes it (PATCH /v2/account/settings).
 * Sandbox: every read and write, because the sandbox is where an integration is tried out, the simulator's accounts
 * are fictional, and every README example (sending a message, creating a post) must work on a fresh start.
 * Live: reads only, because a write acts on a real person's OnlyFans account (messages fans, spends their
 * reputation); an org grants writes on purpose, per connection or as its default, never by accident.
 */
export function defaultConnectionPermissionsFor(environment: Environment): string[] {
  return environment === 'sandbox' ? [...CONNECTION_PERMISSIONS] : [...READ_CONNECTION_PERMISSIONS];
}

export function unknownPermissions(requested: readonly string[]): string[] {
  return requested.filter((p) => !CONNECTION_PERMISSIONS.includes(p));
}
