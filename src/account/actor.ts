// Who the audit log says acted: the API key that made the call. One spelling, so every capability's entries
// read the same way (`key:<id>`; the CLI writes `cli`, background jobs `system`).
import type { ActingScope } from '../platform/tenant-scope.ts';
import type { AuthContext } from './authenticate.ts';

/** The audit actor for a call made with API key `keyId`. */
export const actorOf = (keyId: string): string => `key:${keyId}`;

/** An authenticated request's tenant scope, acting as its API key: what a route hands a mutating use case. */
export const actingScopeOf = (auth: AuthContext): ActingScope => ({ orgId: auth.orgId, environment: auth.environment, actor: auth.actor ?? actorOf(auth.keyId) });

/** The API key behind an audit actor (`key:<id>`, or `dashboard:<id>` for a dashboard session); null for `cli` and `system`. */
export const apiKeyIdOfActor = (actor: string): string | null => /^(?:key|dashboard):/.exec(actor) ? actor.slice(actor.indexOf(':') + 1) : null;
