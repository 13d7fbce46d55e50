// Connection permissions: <area>:<read|write>. A managed Access route outside a connection's permissions is FORBIDDEN.
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

/** What a connection gets when neither the request nor the org says otherwise. */
export const DEFAULT_CONNECTION_PERMISSIONS = PERMISSION_AREAS.map((area) => `${area}:read`);

export function unknownPermissions(requested: readonly string[]): string[] {
  return requested.filter((p) => !CONNECTION_PERMISSIONS.includes(p));
}
