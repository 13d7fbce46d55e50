// First start on an empty database: a default org, an admin sandbox key and (outside production) a local client app
// whose one redirect URI is this node's /link/dev-callback, so a new user has something to call at once. Production
// gets no such app: its redirects would be loopback ones, which no deployed integration returns to. Idempotent: a
// restart (or a second node starting at the same moment) creates nothing.
import { sql } from 'drizzle-orm';
import type { ServiceContext } from '../platform/context.ts';
import { newId } from '../platform/ids.ts';
import { issueApiKey } from './manage-keys.ts';
import { defaultConnectionPermissionsFor } from './permissions.ts';
import { SCOPES } from './scopes.ts';
import * as store from './store.ts';
import { recordAuditEntry } from './audit.ts';

const BOOTSTRAP_LOCK = 727_002;

export type BootstrapResult =
  | { created: false; orgId: string }
  | { created: true; orgId: string; apiKey: string; clientAppId: string | null; redirectUris: string[] };

export interface BootstrapOptions {
  /** The development client app's redirect URIs; null: no client app (production). */
  devClientAppRedirectUris: string[] | null;
}

export async function bootstrapFirstStart(ctx: ServiceContext, options: BootstrapOptions): Promise<BootstrapResult> {
  return ctx.database.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`);
    const existing = await store.findFirstOrg(tx);
    if (existing) return { created: false, orgId: existing.id };
    const now = ctx.clock.now();
    const org = await store.insertOrg(tx, { id: newId('org'), name: 'Default organization', createdAt: now, updatedAt: now });
    const key = await issueApiKey(tx, {
      orgId: org.id,
      environment: 'sandbox',
      name: 'Development admin key (created at first start)',
      scopes: SCOPES,
      actor: 'system',
      now,
    });
    const redirectUris = options.devClientAppRedirectUris;
    const app = redirectUris
      ? await store.insertClientApp(tx, {
          id: newId('app'),
          orgId: org.id,
          environment: 'sandbox',
          name: 'Local development',
          integrationType: 'redirect',
          redirectUris,
          embedOrigins: [],
          // The sandbox default (every read and write), so the README's Link walk-through ends with a connection that can send.
          permissions: defaultConnectionPermissionsFor('sandbox'),
          profile: { description: 'Created at first start for trying ofconnect locally' },
          createdAt: now,
          updatedAt: now,
        })
      : null;
    await recordAuditEntry(tx, { orgId: org.id, environment: null, actor: 'system', action: 'org.bootstrapped', target: org.id });
    return { created: true, orgId: org.id, apiKey: key.secret, clientAppId: app?.id ?? null, redirectUris: redirectUris ?? [] };
  });
}
