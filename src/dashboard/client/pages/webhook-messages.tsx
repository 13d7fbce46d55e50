// Webhook deliveries: messages (events) with their status, filters, "replay every failed message since", and one
// message's page: its payload, deliveries per endpoint, every attempt with the receiver's response snippet, and replay.
import { useState } from 'preact/hooks';
import { WEBHOOK_EVENT_TYPES } from '../../../webhooks/events.ts';
import { api, type Page as ApiPage } from '../api.ts';
import { Badge, DataTable, Empty, ErrorNotice, Loaded, Page, PagedTable, Time, useLoad, useSubmit } from '../components.tsx';
import { BASE, filterInQuery, Link, pageInQuery } from '../router.tsx';
import type { WebhookAttempt, WebhookDelivery, WebhookMessage } from '../types.ts';

const PATH = `${BASE}/webhooks/messages`;
const LIMIT = 25;

export function AttemptsTable({ attempts }: { attempts: WebhookAttempt[] }) {
  return (
    <DataTable caption="Delivery attempts" columns={['Time', 'Attempt', 'Result', 'Duration', 'Response']}>
      {attempts.map((attempt) => (
        <tr key={attempt.id}>
          <td>
            <Time value={attempt.createdAt} />
            <div class="small">
              <Link href={`${PATH}/${attempt.messageId}`}>{attempt.messageId}</Link>
            </div>
          </td>
          <td>{attempt.attempt}</td>
          <td>
            <Badge value={attempt.status} /> {attempt.statusCode ?? ''}
          </td>
          <td>{attempt.durationMs} ms</td>
          <td>
            {attempt.error ? <div class="small">{attempt.error}</div> : null}
            {attempt.responseSnippet ? <pre class="snippet" tabIndex={0} aria-label="Response body">{attempt.responseSnippet}</pre> : attempt.error ? null : <span class="muted">empty</span>}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** datetime-local gives local time without a zone; the API wants an instant. */
function localInputToIso(value: string): string | null {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function ReplayFailedForm({ onReplayed }: { onReplayed(): void }) {
  const [since, setSince] = useState(() => localInputValue(new Date(Date.now() - 24 * 60 * 60 * 1000)));
  const [result, setResult] = useState<string | null>(null);
  const form = useSubmit(async () => {
    const iso = localInputToIso(since);
    if (!iso) throw new Error('Enter a date and time.');
    const answer = await api<{ replayed: number }>('POST', '/v2/webhooks/messages/replay-failed', { body: { since: iso } });
    setResult(answer.replayed === 0 ? 'No failed deliveries since then.' : `${answer.replayed} deliver${answer.replayed === 1 ? 'y' : 'ies'} queued again.`);
    onReplayed();
  });
  return (
    <form class="card inline-form" onSubmit={form.submit} aria-labelledby="replay-failed-title">
      <h2 id="replay-failed-title">Replay failed deliveries</h2>
      <div class="field">
        <label for="replay-since">Every message that finally failed, created since</label>
        <input id="replay-since" type="datetime-local" required value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} />
      </div>
      <button type="submit" disabled={form.busy}>
        {form.busy ? 'Replaying…' : 'Replay failed'}
      </button>
      {result ? (
        <p class="notice good" role="status">
          {result}
        </p>
      ) : null}
      {form.error ? <ErrorNotice error={form.error} /> : null}
    </form>
  );
}

export function MessagesPage({ query }: { query: URLSearchParams }) {
  const offset = Number(query.get('offset') ?? 0) || 0;
  const state = useLoad(() => {
    const params = new URLSearchParams({ limit: String(LIMIT), offset: String(offset) });
    for (const name of ['status', 'eventType']) {
      const value = query.get(name);
      if (value) params.set(name, value);
    }
    return api<ApiPage<WebhookMessage>>('GET', `/v2/webhooks/messages?${params}`);
  }, query.toString());
  const setFilter = filterInQuery(PATH, query);
  return (
    <Page title="Webhook deliveries" actions={<Link href={`${BASE}/webhooks`}>Endpoints →</Link>}>
      <ReplayFailedForm onReplayed={state.reload} />
      <div class="filters">
        <div class="field">
          <label for="messages-status">Status</label>
          <select id="messages-status" value={query.get('status') ?? ''} onChange={(e) => setFilter('status', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            <option value="pending">Pending</option>
            <option value="succeeded">Succeeded</option>
            <option value="failed">Failed</option>
            <option value="none">No endpoint</option>
          </select>
        </div>
        <div class="field">
          <label for="messages-type">Event type</label>
          <select id="messages-type" value={query.get('eventType') ?? ''} onChange={(e) => setFilter('eventType', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {WEBHOOK_EVENT_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </div>
      </div>
      <Loaded state={state} what="messages">
        {(page) => (
          <PagedTable
            page={page}
            empty={query.get('status') || query.get('eventType') ? 'No message matches these filters.' : 'No webhook messages yet: events appear here as connections change.'}
            caption="Webhook messages"
            columns={['Event', 'Status', 'Connection', 'Created']}
            offset={offset}
            limit={LIMIT}
            onPage={pageInQuery(PATH, query)}
            row={(message) => (
              <tr key={message.id}>
                <td>
                  <Link href={`${PATH}/${message.id}`}>{message.eventType}</Link>
                  <div class="muted small">{message.id}</div>
                </td>
                <td>
                  <Badge value={message.status} label={message.status === 'none' ? 'no endpoint' : undefined} />
                </td>
                <td>{message.connectionId ? <Link href={`${BASE}/connections/${message.connectionId}`}>{message.connectionId}</Link> : <span class="muted">—</span>}</td>
                <td>
                  <Time value={message.createdAt} />
                </td>
              </tr>
            )}
          />
        )}
      </Loaded>
    </Page>
  );
}

type MessageDetail = WebhookMessage & { deliveries: WebhookDelivery[] };

export function MessagePage({ messageId }: { messageId: string }) {
  const path = `/v2/webhooks/messages/${encodeURIComponent(messageId)}`;
  const state = useLoad(() => api<MessageDetail>('GET', path), `message ${messageId}`);
  const attempts = useLoad(() => api<ApiPage<WebhookAttempt>>('GET', `${path}/attempts?limit=50`), `message attempts ${messageId}`);
  const [replayed, setReplayed] = useState<string | null>(null);
  const replay = useSubmit(async () => {
    const answer = await api<{ replayed: number }>('POST', `${path}/replay`, { body: {} });
    setReplayed(answer.replayed === 0 ? 'No enabled endpoint takes this event: nothing was queued.' : `Queued again for ${answer.replayed} endpoint${answer.replayed === 1 ? '' : 's'}.`);
    state.reload();
    attempts.reload();
  });
  const refresh = () => {
    state.reload();
    attempts.reload();
  };
  return (
    <Page
      title="Webhook message"
      actions={
        <>
          <button type="button" onClick={refresh}>
            Refresh
          </button>
          <button type="button" class="primary" onClick={() => replay.submit()} disabled={replay.busy}>
            {replay.busy ? 'Replaying…' : 'Replay'}
          </button>
        </>
      }
    >
      <p>
        <Link href={PATH}>← All deliveries</Link>
      </p>
      {replayed ? (
        <p class="notice good" role="status">
          {replayed}
        </p>
      ) : null}
      {replay.error ? <ErrorNotice error={replay.error} /> : null}
      <Loaded state={state} what="the message">
        {(message) => (
          <>
            <dl class="facts">
              <dt>Event</dt>
              <dd>
                <code>{message.eventType}</code>
              </dd>
              <dt>Status</dt>
              <dd>
                <Badge value={message.status} label={message.status === 'none' ? 'no endpoint' : undefined} />
              </dd>
              <dt>Id (webhook-id)</dt>
              <dd>
                <code>{message.id}</code>
              </dd>
              <dt>Connection</dt>
              <dd>{message.connectionId ? <Link href={`${BASE}/connections/${message.connectionId}`}>{message.connectionId}</Link> : '—'}</dd>
              <dt>Created</dt>
              <dd>
                <Time value={message.createdAt} />
              </dd>
            </dl>
            <h2>Deliveries</h2>
            {message.deliveries.length === 0 ? (
              <Empty>No endpoint took this event.</Empty>
            ) : (
              <DataTable caption="Deliveries" columns={['Endpoint', 'Status', 'Attempts', 'Last answer', 'Next attempt']}>
                {message.deliveries.map((delivery) => (
                  <tr key={delivery.id}>
                    <td>
                      <Link href={`${BASE}/webhooks/endpoints/${delivery.endpointId}`}>{delivery.endpointId}</Link>
                    </td>
                    <td>
                      <Badge value={delivery.status} />
                    </td>
                    <td>{delivery.attemptCount}</td>
                    <td>{delivery.lastStatusCode ?? '—'}</td>
                    <td>
                      <Time value={delivery.nextAttemptAt} />
                    </td>
                  </tr>
                ))}
              </DataTable>
            )}
            <h2>Payload</h2>
            <pre class="payload" tabIndex={0} aria-label="Payload">{JSON.stringify(message.payload, null, 2)}</pre>
          </>
        )}
      </Loaded>
      <h2>Attempts</h2>
      <Loaded state={attempts} what="attempts">
        {(page) => (page.list.length === 0 ? <Empty>No attempts yet.</Empty> : <AttemptsTable attempts={page.list} />)}
      </Loaded>
    </Page>
  );
}
