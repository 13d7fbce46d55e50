// The tenant scope every org-owned query and use case takes: an organization and the environment its API key
// belongs to. One definition, so "scoped by org and environment" means the same thing everywhere.
import type { Environment } from './environment.ts';

export interface TenantScope {
  orgId: string;
  environment: Environment;
}

/** A tenant scope plus who is acting (for the audit log): an API key id, `cli`, `system`. */
export interface ActingScope extends TenantScope {
  actor: string;
}
