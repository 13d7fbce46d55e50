// HTTP for webhooks/: endpoints, messages, attempts and replay (management extension; admin scope; scoped to the
// calling key's org and environment).
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { actingScopeOf } from '../account/actor.ts';
import type { ServiceContext } from '../platform/context.ts';
import type { HttpApp } from '../platform/http/http-app.ts';
import { ListOf, PageOf } from '../platform/http/schema-kit.ts';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  presentEndpoint,
  revealEndpointSecret,
  rotateEndpointSecret,
  updateEndpoint,
} from './endpoints.ts';
import { getMessageWithDeliveries, listEndpointAttempts, listMessageAttempts, listMessages } from './messages.ts';
import { presentAttempt, presentDelivery, presentMessage } from './presenters.ts';
import { replayFailedMessages, replayMessage } from './replay.ts';
import * as S from './schemas.ts';
import { SendTestEvent, sendTestEvent } from './test-event.ts';

const Deleted = Type.Object({ success: Type.Boolean(), id: Type.String() });
const TAGS = ['Webhooks'];

/** Actions whose body has only optional fields may be POSTed without one (as SDKs and curl do). */
async function bodyIsOptional(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

export function registerWebhookRoutes(app: HttpApp, ctx: ServiceContext): void {
  const now = () => ctx.clock.now();
  const pageOf = (query: { limit?: number; offset?: number }) => ({ limit: query.limit ?? 50, offset: query.offset ?? 0 });

  // ----- endpoints -----
  app.get('/v2/webhooks/endpoints', {
    config: { scope: 'admin' },
    schema: { tags: TAGS, summary: 'List webhook endpoints', response: { 200: ListOf(S.WebhookEndpoint) } },
  }, async (request) => {
    const endpoints = await listEndpoints(ctx, request.auth);
    return { list: endpoints.map((e) => presentEndpoint(e, now())) };
  });

  app.post('/v2/webhooks/endpoints', {
    config: { scope: 'admin' },
    schema: {
      tags: TAGS,
      summary: 'Create a webhook endpoint; the reply carries its whsec_ secret',
      body: S.CreateEndpoint,
      response: { 201: S.CreatedWebhookEndpoint },
    },
  }, async (request, reply) => {
    const created = await createEndpoint(ctx, actingScopeOf(request.auth), request.body);
    return reply.code(201).send({ ...presentEndpoint(created.endpoint, now()), secret: created.secret });
  });

  app.get('/v2/webhooks/endpoints/:endpointId', {
    config: { scope: 'admin' },
    schema: { tags: TAGS, summary: 'Get a webhook endpoint', params: S.EndpointIdParams, response: { 200: S.WebhookEndpoint } },
  }, async (request) => {
    return presentEndpoint(await getEndpoint(ctx, request.auth, request.params.endpointId), now());
  });

  app.patch('/v2/webhooks/endpoints/:endpointId', {
    config: { scope: 'admin' },
    schema: {
      tags: TAGS,
      summary: 'Update a webhook endpoint (URL, event types, description, enabled)',
      params: S.EndpointIdParams,
      body: S.UpdateEndpoint,
      response: { 200: S.WebhookEndpoint },
    },
  }, async (request) => {
    const updated = await updateEndpoint(ctx, actingScopeOf(request.auth), request.params.endpointId, request.body);
    return presentEndpoint(updated, now());
  });

  app.delete('/v2/webhooks/endpoints/:endpointId', {
    config: { scope: 'admin' },
    schema: { tags: TAGS, summary: 'Delete a webhook endpoint and its delivery history', params: S.EndpointIdParams, response: { 200: Deleted } },
  }, async (request) => {
    await deleteEndpoint(ctx, actingScopeOf(request.auth), request.params.endpointId);
    return { success: true, id: request.params.endpointId };
  });

  app.get('/v2/webhooks/endpoints/:endpointId/secret', {
    config: { scope: 'admin' },
    schema: { tags: TAGS, summary: 'Read the endpoint\'s current signing secret', params: S.EndpointIdParams, response: { 200: S.EndpointSecret } },
  }, async (request) => ({ key: await revealEndpointSecret(ctx, actingScopeOf(request.auth), request.params.endpointId) }));

  app.post('/v2/webhooks/endpoints/:endpointId/secret/rotate', {
    config: { scope: 'admin' },
    preValidation: bodyIsOptional,
    schema: {
      tags: TAGS,
      summary: 'Rotate the signing secret; the previous one keeps signing alongside for 24 hours',
      params: S.EndpointIdParams,
      body: S.RotateSecret,
      response: { 200: S.RotatedSecret },
    },
  }, async (request) => {
    const rotated = await rotateEndpointSecret(ctx, actingScopeOf(request.auth), request.params.endpointId, request.body.key);
    return { key: rotated.secret, previousKeyExpiresAt: rotated.previousSecretExpiresAt.toISOString() };
  });

  app.get('/v2/webhooks/endpoints/:endpointId/attempts', {
    config: { scope: 'admin' },
    schema: {
      tags: TAGS,
      summary: 'Delivery attempts to an endpoint, newest first',
      params: S.EndpointIdParams,
      querystring: S.AttemptQuery,
      response: { 200: PageOf(S.WebhookAttempt) },
    },
  }, async (request) => {
    const page = await listEndpointAttempts(ctx, request.auth, request.params.endpointId, request.query.status, pageOf(request.query));
    return { list: page.list.map(presentAttempt), hasMore: page.hasMore };
  });

  app.post('/v2/webhooks/endpoints/:endpointId/test', {
    config: { scope: 'admin' },
    preValidation: bodyIsOptional,
    schema: {
      tags: TAGS,
      summary: 'Send a signed example event to this endpoint (test: true in the envelope), logged and replayable like any message',
      params: S.EndpointIdParams,
      body: SendTestEvent,
      response: { 202: S.WebhookMessage },
    },
  }, async (request, reply) => {
    const message = await sendTestEvent(ctx, actingScopeOf(request.auth), request.params.endpointId, request.body);
    return reply.code(202).send(presentMessage(message));
  });

  // ----- messages -----
  app.get('/v2/webhooks/messages', {
    config: { scope: 'admin' },
    schema: {
      tags: TAGS,
      summary: 'Webhook messages (events), newest first, by event type, status or connection',
      querystring: S.MessageQuery,
      response: { 200: PageOf(S.WebhookMessage) },
    },
  }, async (request) => {
    const { eventType, status, connectionId } = request.query;
    const page = await listMessages(ctx, request.auth, { eventType, status, connectionId }, pageOf(request.query));
    return { list: page.list.map(presentMessage), hasMore: page.hasMore };
  });

  app.get('/v2/webhooks/messages/:messageId', {
    config: { scope: 'admin' },
    schema: { tags: TAGS, summary: 'A message and its deliveries', params: S.MessageIdParams, response: { 200: S.WebhookMessageDetail } },
  }, async (request) => {
    const { message, deliveries } = await getMessageWithDeliveries(ctx, request.auth, request.params.messageId);
    return { ...presentMessage(message), deliveries: deliveries.map(presentDelivery) };
  });

  app.get('/v2/webhooks/messages/:messageId/attempts', {
    config: { scope: 'admin' },
    schema: {
      tags: TAGS,
      summary: 'Delivery attempts of a message, newest first',
      params: S.MessageIdParams,
      querystring: S.AttemptQuery,
      response: { 200: PageOf(S.WebhookAttempt) },
    },
  }, async (request) => {
    const page = await listMessageAttempts(ctx, request.auth, request.params.messageId, request.query.status, pageOf(request.query));
    return { list: page.list.map(presentAttempt), hasMore: page.hasMore };
  });

  app.post('/v2/webhooks/messages/:messageId/replay', {
    config: { scope: 'admin' },
    preValidation: bodyIsOptional,
    schema: {
      tags: TAGS,
      summary: 'Send a message again with the same webhook-id',
      params: S.MessageIdParams,
      body: S.ReplayMessage,
      response: { 202: S.Replayed },
    },
  }, async (request, reply) => {
    const replayed = await replayMessage(ctx, actingScopeOf(request.auth), request.params.messageId, request.body.endpointId);
    return reply.code(202).send({ replayed });
  });

  app.post('/v2/webhooks/messages/replay-failed', {
    config: { scope: 'admin' },
    schema: {
      tags: TAGS,
      summary: 'Send again every message created since a time whose delivery finally failed',
      body: S.ReplayFailed,
      response: { 202: S.Replayed },
    },
  }, async (request, reply) => {
    const replayed = await replayFailedMessages(ctx, actingScopeOf(request.auth), new Date(request.body.since), request.body.endpointId);
    return reply.code(202).send({ replayed });
  });
}
