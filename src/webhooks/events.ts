// The webhook event types ofconnect emits (OFAuth's, plus ours marked as extensions).
import { REALTIME_EVENT_TYPES } from '../realtime/event-types.ts';

export const WEBHOOK_EVENT_TYPES = [
  'connection.created',
  'connection.updated',
  'connection.expired',
  'connection.disconnected',
  'rules.updated',
  // ofconnect extensions
  'connection.expiring',
  'webhook_endpoint.disabled',
  // The realtime relay's: a frame's realtime.* event and the named activity.* ones (src/realtime/event-types.ts)
  ...REALTIME_EVENT_TYPES,
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
