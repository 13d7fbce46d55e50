// Reading the events an org's changes emitted, the way an integrator would: through GET /v2/webhooks/messages
// with an admin key (oldest first, every page), instead of reading the outbox table.
import { call } from './service.ts';

export interface EmittedEvent {
  id: string;
  eventType: string;
  connectionId: string | null;
  status: string;
  payload: { type?: string; eventType?: string; data?: any; [field: string]: unknown };
  createdAt: string;
}

export interface EventFilter {
  eventType?: string;
  connectionId?: string;
}

/** Every event of the key's org and environment matching the filter, oldest first. */
export async function listEvents(baseUrl: string, adminKey: string, filter: EventFilter = {}): Promise<EmittedEvent[]> {
  const events: EmittedEvent[] = [];
  for (let offset = 0; ; offset += 100) {
    const query = new URLSearchParams({ limit: '100', offset: String(offset) });
    if (filter.eventType) query.set('eventType', filter.eventType);
    if (filter.connectionId) query.set('connectionId', filter.connectionId);
    const reply = await call<{ list: EmittedEvent[]; hasMore: boolean }>(baseUrl, 'GET', `/v2/webhooks/messages?${query}`, { key: adminKey });
    if (reply.status !== 200) throw new Error(`listing events failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    events.push(...reply.body.list);
    if (!reply.body.hasMore) break;
  }
  return events.reverse();
}

/** The event types emitted, oldest first (what most assertions compare). */
export async function eventTypes(baseUrl: string, adminKey: string, filter: EventFilter = {}): Promise<string[]> {
  return (await listEvents(baseUrl, adminKey, filter)).map((event) => event.eventType);
}
