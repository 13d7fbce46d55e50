// Webhook endpoints: where an org's events go, which ones, and the secret that signs them.
import { recordAuditEntry, type AuditAction } from '../account/audit.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { Executor } from '../platform/db/database.ts';
import { ApiError, badRequest, notFound } from '../platform/errors.ts';
import { newId } from '../platform/ids.ts';
import type { ActingScope, TenantScope } from '../platform/tenant-scope.ts';
import type { CreateEndpointInput, UpdateEndpointInput } from './schemas.ts';
import { generateEndpointSecret } from './signing.ts';
import * as store from './store.ts';
import type { EndpointRow } from './store.ts';
import { webhookUrlProblem } from './url-policy.ts';

/** How long a rotated-out secret keeps signing alongside the new one. */
export const PREVIOUS_SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

async function checkUrl(ctx: ServiceContext, url: string): Promise<void> {
  const problem = await webhookUrlProblem(ctx.config, url);
  if (problem) throw badRequest(`url ${problem}`, 'url');
}

/** The secret is bound to its endpoint: a blob copied onto another endpoint's row does not decrypt. */
function sealSecret(ctx: ServiceContext, endpointId: string, secret: string): string {
  return ctx.vault.encrypt(secret, `webhook_endpoint:${endpointId}`).blob;
}

export function openSecret(ctx: ServiceContext, endpointId: string, blob: string): string {
  return ctx.vault.decrypt(blob, `webhook_endpoint:${endpointId}`);
}

// Every delivery needs its endpoint's secrets; a blob never changes (rotation writes a new one), so its plaintext
// is cached for the worker's hot path.
const openedSecrets = new Map<string, string>();

function openSecretCached(ctx: ServiceContext, endpointId: string, blob: string): string {
  const key = `${endpointId}|${blob}`;
  let secret = openedSecrets.get(key);
  if (secret === undefined) {
    secret = openSecret(ctx, endpointId, blob);
    if (openedSecrets.size >= 10_000) openedSecrets.clear();
    openedSecrets.set(key, secret);
  }
  return secret;
}

/** The secrets that sign deliveries right now: the current one, plus the previous one during its overlap. */
export function activeSecrets(ctx: ServiceContext, endpoint: Pick<EndpointRow, 'id' | 'secretBlob' | 'previousSecretBlob' | 'previousSecretExpiresAt'>, now: Date): string[] {
  const secrets = [openSecretCached(ctx, endpoint.id, endpoint.secretBlob)];
  if (endpoint.previousSecretBlob && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
    secrets.push(openSecretCached(ctx, endpoint.id, endpoint.previousSecretBlob));
  }
  return secrets;
}

export async function listEndpoints(ctx: ServiceContext, scope: TenantScope): Promise<EndpointRow[]> {
  return store.listEndpointRows(ctx.database.db, scope);
}

export async function getEndpoint(ctx: ServiceContext, scope: TenantScope, endpointId: string): Promise<EndpointRow> {
  const endpoint = await store.findEndpoint(ctx.database.db, scope, endpointId);
  if (!endpoint) throw notFound('Webhook endpoint', endpointId);
  return endpoint;
}

/** Creates an endpoint with a fresh secret. The secret is in the reply only, never in the audit entry. */
export async function createEndpoint(ctx: ServiceContext, scope: ActingScope, input: CreateEndpointInput): Promise<{ endpoint: EndpointRow; secret: string }> {
  await checkUrl(ctx, input.url);
  const id = newId('webhookEndpoint');
  const secret = generateEndpointSecret();
  const now = ctx.clock.now();
  const enabled = input.enabled ?? true;
  return ctx.database.db.transaction(async (tx) => {
    const endpoint = await store.insertEndpointRow(tx, {
      id,
      orgId: scope.orgId,
      environment: scope.environment,
      url: input.url,
      description: input.description ?? null,
      eventTypes: input.eventTypes ?? [],
      enabled,
      disabledReason: enabled ? null : 'Disabled through the API',
      secretBlob: sealSecret(ctx, id, secret),
      createdAt: now,
      updatedAt: now,
    });
    await audit(tx, scope, 'webhook_endpoint.created', id, { environment: scope.environment, eventTypes: endpoint.eventTypes, enabled });
    return { endpoint, secret };
  });
}

export async function updateEndpoint(ctx: ServiceContext, scope: ActingScope, endpointId: string, input: UpdateEndpointInput): Promise<EndpointRow> {
  if (input.url !== undefined) await checkUrl(ctx, input.url);
  const now = ctx.clock.now();
  return ctx.database.db.transaction(async (tx) => {
    const existing = await store.findEndpoint(tx, scope, endpointId);
    if (!existing) throw notFound('Webhook endpoint', endpointId);
    const changes: Parameters<typeof store.updateEndpointRow>[3] = { updatedAt: now };
    if (input.url !== undefined) changes.url = input.url;
    if (input.description !== undefined) changes.description = input.description;
    if (input.eventTypes !== undefined) changes.eventTypes = input.eventTypes;
    if (input.enabled === true && !existing.enabled) {
      // A fresh start: the failure run that disabled it is over.
      Object.assign(changes, { enabled: true, disabledReason: null, failingSince: null });
    }
    if (input.enabled === false && existing.enabled) {
      Object.assign(changes, { enabled: false, disabledReason: 'Disabled through the API' });
      await store.failPendingDeliveriesOf(tx, scope, endpointId, now);
    }
    const updated = (await store.updateEndpointRow(tx, scope, endpointId, changes))!;
    await audit(tx, scope, 'webhook_endpoint.updated', endpointId, { fields: Object.keys(input) });
    return updated;
  });
}

export async function deleteEndpoint(ctx: ServiceContext, scope: ActingScope, endpointId: string): Promise<void> {
  await ctx.database.db.transaction(async (tx) => {
    if (!(await store.deleteEndpointRow(tx, scope, endpointId))) throw notFound('Webhook endpoint', endpointId);
    await audit(tx, scope, 'webhook_endpoint.deleted', endpointId, { environment: scope.environment });
  });
}

/** Reading the secret is recorded: whoever can read it can sign as us to the org's receivers. */
export async function revealEndpointSecret(ctx: ServiceContext, scope: ActingScope, endpointId: string): Promise<string> {
  return ctx.database.db.transaction(async (tx) => {
    const endpoint = await store.findEndpoint(tx, scope, endpointId);
    if (!endpoint) throw notFound('Webhook endpoint', endpointId);
    const secret = openSecret(ctx, endpoint.id, endpoint.secretBlob);
    await audit(tx, scope, 'webhook_endpoint.secret_revealed', endpointId, { environment: scope.environment });
    return secret;
  });
}

/** A new secret signs from now on; the old one keeps signing alongside it for 24 h, so receivers can switch
 *  without dropping deliveries. A second rotation inside the overlap retires the oldest secret at once. */
export async function rotateEndpointSecret(
  ctx: ServiceContext,
  scope: ActingScope,
  endpointId: string,
  requested?: string,
): Promise<{ secret: string; previousSecretExpiresAt: Date }> {
  if (requested !== undefined && !/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(requested)) {
    throw badRequest('key must be whsec_ followed by at least 24 bytes of base64', 'key');
  }
  const secret = requested ?? generateEndpointSecret();
  const now = ctx.clock.now();
  const previousSecretExpiresAt = new Date(now.getTime() + PREVIOUS_SECRET_OVERLAP_MS);
  await ctx.database.db.transaction(async (tx) => {
    const endpoint = await store.findEndpoint(tx, scope, endpointId);
    if (!endpoint) throw notFound('Webhook endpoint', endpointId);
    if (openSecret(ctx, endpoint.id, endpoint.secretBlob) === secret) throw new ApiError('CONFLICT', 'The new secret must differ from the current one');
    await store.updateEndpointRow(tx, scope, endpointId, {
      secretBlob: sealSecret(ctx, endpointId, secret),
      previousSecretBlob: endpoint.secretBlob,
      previousSecretExpiresAt,
      updatedAt: now,
    });
    await audit(tx, scope, 'webhook_endpoint.secret_rotated', endpointId, {
      environment: scope.environment,
      chosenByCaller: requested !== undefined,
      previousSecretExpiresAt: previousSecretExpiresAt.toISOString(),
    });
  });
  return { secret, previousSecretExpiresAt };
}

/** The audit entry of an endpoint change: never a secret or the URL (receivers' URLs often carry a token). */
function audit(tx: Executor, scope: ActingScope, action: AuditAction, endpointId: string, data: Record<string, unknown>): Promise<void> {
  return recordAuditEntry(tx, { orgId: scope.orgId, environment: scope.environment, actor: scope.actor, action, target: endpointId, data });
}

export function presentEndpoint(endpoint: EndpointRow, now: Date) {
  return {
    id: endpoint.id,
    environment: endpoint.environment,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    failingSince: endpoint.failingSince?.toISOString() ?? null,
    previousSecretExpiresAt:
      endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now ? endpoint.previousSecretExpiresAt.toISOString() : null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}
