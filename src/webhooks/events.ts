// The webhook event types ofconnect emits (OFAuth's, plus ours marked as extensions).
export const WEBHOOK_EVENT_TYPES = [
  'connection.created',
  'connection.updated',
  'connection.expired',
  'connection.disconnected',
  'rules.updated',
  // ofconnect extensions
  'connection.expiring',
  'webhook_endpoint.disabled',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
