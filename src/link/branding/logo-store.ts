// Stored logos (client_app_logos). The table sits in account/tables.ts beside client_apps (drizzle reads
// src/*/tables.ts, and a logo row goes with its app: ON DELETE CASCADE); only this file queries it.
import { and, eq } from 'drizzle-orm';
import { clientAppLogos } from '../../account/tables.ts';
import type { Executor } from '../../platform/db/database.ts';
import type { PreparedLogo } from './logo.ts';

export async function saveClientAppLogo(ex: Executor, owner: { orgId: string; appId: string }, logo: PreparedLogo, at: Date): Promise<void> {
  const row = { hash: logo.hash, contentType: logo.contentType, width: logo.width, height: logo.height, bytes: logo.bytes, createdAt: at };
  await ex
    .insert(clientAppLogos)
    .values({ appId: owner.appId, orgId: owner.orgId, ...row })
    .onConflictDoUpdate({ target: clientAppLogos.appId, set: row });
}

export async function deleteClientAppLogo(ex: Executor, owner: { orgId: string; appId: string }): Promise<void> {
  await ex.delete(clientAppLogos).where(and(eq(clientAppLogos.orgId, owner.orgId), eq(clientAppLogos.appId, owner.appId)));
}

/**
 * A logo by its content hash, whichever org's app it belongs to: logos are public (every Link page of the app shows
 * it) and the hash names the bytes, so any row with that hash serves the same image.
 */
export async function findLogoByHashAcrossOrgs(ex: Executor, hash: string): Promise<{ bytes: Buffer; contentType: string } | undefined> {
  const [row] = await ex
    .select({ bytes: clientAppLogos.bytes, contentType: clientAppLogos.contentType })
    .from(clientAppLogos)
    .where(eq(clientAppLogos.hash, hash))
    .limit(1);
  return row;
}
