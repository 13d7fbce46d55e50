// Reading what was sent, in the caller's scope: messages, a message with its deliveries, and the attempt log of a message or
// an endpoint (each found in scope first: deliveries and attempts carry the org but not the environment).
import type { ServiceContext } from '../platform/context.ts';
import { notFound } from '../platform/errors.ts';
import type { TenantScope } from '../platform/tenant-scope.ts';
import * as store from './store.ts';
import type { AttemptRow, DeliveryRow, MessageWithStatus, Page } from './store.ts';

type AttemptStatus = store.AttemptFilter['status'];

/** Newest first, one page. */
export async function listMessages(
  ctx: ServiceContext,
  scope: TenantScope,
  filter: store.MessageFilter,
  page: Page,
): Promise<{ list: MessageWithStatus[]; hasMore: boolean }> {
  return store.listMessageRows(ctx.database.db, scope, filter, page);
}

export async function getMessageWithDeliveries(
  ctx: ServiceContext,
  scope: TenantScope,
  messageId: string,
): Promise<{ message: MessageWithStatus; deliveries: DeliveryRow[] }> {
  const db = ctx.database.db;
  const message = await store.findMessage(db, scope, messageId);
  if (!message) throw notFound('Webhook message', messageId);
  return { message, deliveries: await store.listDeliveriesOfMessage(db, scope.orgId, message.id) };
}

export async function listMessageAttempts(
  ctx: ServiceContext,
  scope: TenantScope,
  messageId: string,
  status: AttemptStatus,
  page: Page,
): Promise<{ list: AttemptRow[]; hasMore: boolean }> {
  const db = ctx.database.db;
  const message = await store.findMessage(db, scope, messageId);
  if (!message) throw notFound('Webhook message', messageId);
  return store.listAttempts(db, scope.orgId, { messageId: message.id, status }, page);
}

export async function listEndpointAttempts(
  ctx: ServiceContext,
  scope: TenantScope,
  endpointId: string,
  status: AttemptStatus,
  page: Page,
): Promise<{ list: AttemptRow[]; hasMore: boolean }> {
  const db = ctx.database.db;
  const endpoint = await store.findEndpoint(db, scope, endpointId);
  if (!endpoint) throw notFound('Webhook endpoint', endpointId);
  return store.listAttempts(db, scope.orgId, { endpointId: endpoint.id, status }, page);
}
