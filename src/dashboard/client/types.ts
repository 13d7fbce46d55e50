// The API's reply shapes the pages read (the service's TypeBox schemas are the source; these name the fields used).
export interface Connection {
  id: string;
  status: 'active' | 'expired' | 'awaiting_2fa';
  userData: { id: string; name: string; username: string; avatar: string | null };
  permissions: string[];
  expiredAt: string | null;
  createdAt: string;
  updatedAt: string;
  clientReferenceId: string | null;
  imported: boolean;
  lastCheckedAt: string | null;
}

export interface ConnectionSettings {
  connectionId: string;
  vaultPlus: { enabled: boolean };
  proxy: { url: string | null; country: string | null };
  pacing: { requestsPerMinute?: number; burst?: number; concurrency?: number } | null;
}

export interface ApiKey {
  id: string;
  name: string;
  environment: 'sandbox' | 'live';
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface WebhookEndpoint {
  id: string;
  environment: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookMessage {
  id: string;
  eventType: string;
  connectionId: string | null;
  status: 'pending' | 'succeeded' | 'failed' | 'none';
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  status: 'pending' | 'succeeded' | 'failed';
  attemptCount: number;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  createdAt: string;
}

export interface WebhookAttempt {
  id: string;
  messageId: string;
  endpointId: string;
  deliveryId: string;
  attempt: number;
  status: 'succeeded' | 'failed';
  statusCode: number | null;
  durationMs: number;
  responseSnippet: string | null;
  error: string | null;
  createdAt: string;
}

export interface Usage {
  from: string;
  to: string;
  list: Array<{ connectionId: string; day: string; requests: number }>;
  totalRequests: number;
  billing: Array<{ month: string; billableConnections: number }>;
}

export interface ClientApp {
  id: string;
  environment: string;
  name: string;
  integrationType: 'redirect' | 'embed' | 'whitelabel';
  redirectUris: string[];
  embedOrigins: string[];
  permissions: string[];
  profile: { description?: string | null; website?: string | null; privacyPolicyUrl?: string | null; termsUrl?: string | null };
  returnsRawSession: boolean;
  displayName: string | null;
  brandColor: string | null;
  logoUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A per-connection request log entry (GET /v2/account/connections/{id}/requests). */
export interface RequestLogEntry {
  id: string;
  createdAt: string;
  method: string;
  path: string;
  status: number;
  upstreamStatus: number | null;
  durationMs: number;
  retries: number;
  requestId: string;
  apiKeyId: string | null;
}

/** An audit log entry (GET /v2/audit-log). */
export interface AuditEntry {
  id: string | number;
  createdAt: string;
  actor: string;
  action: string;
  target: string | null;
  data: Record<string, unknown>;
}

export interface CursorPage<T> {
  list: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

export interface ConnectionStatusChange {
  at: string;
  from: string | null;
  to: string;
  reason: string;
  actor: string;
}

export interface LinkSessionSummary {
  id: string;
  clientAppId: string;
  outcome: 'open' | 'completed' | 'failed' | 'denied' | 'cancelled' | 'expired';
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
  failedAttempts: number;
  clientReferenceId: string | null;
  reconnectConnectionId: string | null;
  connectionId: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
}
