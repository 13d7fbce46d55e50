// First start on an empty database: a default org, an admin sandbox key and a local client app, so a new user
// has something to call at once. Idempotent: a restart (or a second node starting at the same moment) creates nothing.
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
  | { created: true; orgId: string; apiKey: string; clientAppId: string; redirectUris: string[] };

export async function bootstrapFirstStart(ctx: ServiceContext, options: { localCallbackUrls: string[] }): Promise<BootstrapResult> {
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
    const app = await store.insertClientApp(tx, {
      id: newId('app'),
      orgId: org.id,
      environment: 'sandbox',
      name: 'Local development',
      integrationType: 'redirect',
      redirectUris: options.localCallbackUrls,
      embedOrigins: ['http://localhost:3000'],
      // The sandbox default (every read and write), so the README's Link walk-through ends with a connection that can send.
      permissions: defaultConnectionPermissionsFor('sandbox'),
      profile: { description: 'Created at first start for trying ofconnect locally' },
      createdAt: now,
      updatedAt: now,
    });
    await recordAuditEntry(tx, { orgId: org.id, actor: 'system', action: 'org.bootstrapped', target: org.id });
    return { created: true, orgId: org.id, apiKey: key.secret, clientAppId: app.id, redirectUris: options.localCallbackUrls };
  });
}
