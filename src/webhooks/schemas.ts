// TypeBox schemas for webhooks/ routes: one source for validation, types and the OpenAPI document.
import { Type, type Static } from 'typebox';
import { Nullable, NullableTimestamp, Timestamp } from '../platform/http/schema-kit.ts';
import { WEBHOOK_EVENT_TYPES } from './events.ts';

const Environment = Type.Union([Type.Literal('sandbox'), Type.Literal('live')]);
const EventType = Type.Union(WEBHOOK_EVENT_TYPES.map((t) => Type.Literal(t)));
const EventTypes = Type.Array(EventType, { uniqueItems: true, description: 'Event types delivered; empty or absent means all' });
const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'Where deliveries are POSTed; https and a public address in production' });
const Description = Nullable(Type.String({ maxLength: 500 }));

export const WebhookEndpoint = Type.Object(
  {
    id: Type.String(),
    environment: Environment,
    url: Type.String(),
    description: Description,
    eventTypes: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    disabledReason: Nullable(Type.String()),
    failingSince: NullableTimestamp,
    previousSecretExpiresAt: Type.Union([Timestamp, Type.Null()], { description: 'Until then the rotated-out secret also signs' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'WebhookEndpoint' },
);

export const CreatedWebhookEndpoint = Type.Object({
  ...WebhookEndpoint.properties,
  secret: Type.String({ description: 'whsec_ signing secret (also readable later at …/secret)' }),
});

export const CreateEndpoint = Type.Object(
  {
    url: Url,
    description: Type.Optional(Description),
    eventTypes: Type.Optional(EventTypes),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateEndpointInput = Static<typeof CreateEndpoint>;

export const UpdateEndpoint = Type.Object(
  {
    url: Type.Optional(Url),
    description: Type.Optional(Description),
    eventTypes: Type.Optional(EventTypes),
    enabled: Type.Optional(
      Type.Boolean({ description: 'false disables it and ends its pending deliveries as failed; true re-enables it and clears its failure run' }),
    ),
  },
  { additionalProperties: false },
);
export type UpdateEndpointInput = Static<typeof UpdateEndpoint>;

export const EndpointIdParams = Type.Object({ endpointId: Type.String({ pattern: '^we_[A-Za-z0-9]+$' }) });
export const MessageIdParams = Type.Object({ messageId: Type.String({ pattern: '^msg_[A-Za-z0-9]+$' }) });

export const EndpointSecret = Type.Object({
  key: Type.String({ description: 'The current whsec_ secret' }),
});

export const RotateSecret = Type.Object(
  { key: Type.Optional(Type.String({ description: 'A whsec_ secret to use; generated when absent' })) },
  { additionalProperties: false },
);

export const RotatedSecret = Type.Object({
  key: Type.String(),
  previousKeyExpiresAt: Timestamp,
});

const MessageStatus = Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('none')]);

export const WebhookMessage = Type.Object(
  {
    id: Type.String({ description: 'msg_ id, sent as webhook-id / svix-id; receivers deduplicate on it' }),
    eventType: Type.String(),
    connectionId: Nullable(Type.String()),
    status: MessageStatus,
    payload: Type.Record(Type.String(), Type.Unknown()),
    createdAt: Timestamp,
  },
  { $id: 'WebhookMessage' },
);

export const WebhookDelivery = Type.Object({
  id: Type.String(),
  endpointId: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')]),
  attemptCount: Type.Integer(),
  nextAttemptAt: NullableTimestamp,
  lastStatusCode: Nullable(Type.Integer()),
  createdAt: Timestamp,
});

export const WebhookMessageDetail = Type.Object({
  ...WebhookMessage.properties,
  deliveries: Type.Array(WebhookDelivery),
});

export const WebhookAttempt = Type.Object(
  {
    id: Type.String(),
    messageId: Type.String(),
    endpointId: Type.String(),
    deliveryId: Type.String(),
    attempt: Type.Integer({ description: '1 for the first try of a delivery' }),
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
    statusCode: Nullable(Type.Integer()),
    durationMs: Type.Integer(),
    responseSnippet: Type.Union([Type.String(), Type.Null()], { description: 'First 4 KB of the reply body' }),
    error: Nullable(Type.String()),
    createdAt: Timestamp,
  },
  { $id: 'WebhookAttempt' },
);

const Limit = Type.Integer({ minimum: 1, maximum: 250, default: 50 });
const Offset = Type.Integer({ minimum: 0, default: 0 });

export const MessageQuery = Type.Object({
  eventType: Type.Optional(EventType),
  status: Type.Optional(MessageStatus),
  connectionId: Type.Optional(Type.String()),
  limit: Type.Optional(Limit),
  offset: Type.Optional(Offset),
});

export const AttemptQuery = Type.Object({
  status: Type.Optional(Type.Union([Type.Literal('succeeded'), Type.Literal('failed')])),
  limit: Type.Optional(Limit),
  offset: Type.Optional(Offset),
});

export const ReplayMessage = Type.Object(
  { endpointId: Type.Optional(Type.String({ description: 'Only this endpoint; otherwise every enabled endpoint taking the event type' })) },
  { additionalProperties: false },
);

export const ReplayFailed = Type.Object(
  {
    since: Timestamp,
    endpointId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const Replayed = Type.Object({ replayed: Type.Integer({ description: 'Deliveries queued' }) });
