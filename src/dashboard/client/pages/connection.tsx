// One connection: profile, status and its history, settings, its events, its request log (when the service records
// one), and invalidate / disconnect behind a confirmation.
import { useState } from 'preact/hooks';
import { api, isMissingRoute, type Page as ApiPage } from '../api.ts';
import { Badge, ConfirmDialog, DataTable, Empty, ErrorNotice, Loaded, Loading, Page, Pager, Time, useLoad, useSubmit } from '../components.tsx';
import { BASE, Link, navigate } from '../router.tsx';
import type { Connection, ConnectionSettings, ConnectionStatusChange, CursorPage, RequestLogEntry, WebhookMessage } from '../types.ts';

type Action = 'invalidate' | 'disconnect' | null;

function Profile({ connection }: { connection: Connection }) {
  const user = connection.userData;
  return (
    <dl class="facts">
      <dt>Status</dt>
      <dd>
        <Badge value={connection.status} />
      </dd>
      <dt>OnlyFans user</dt>
      <dd>
        {user.name || '—'} {user.username ? <span class="muted">@{user.username}</span> : null} <span class="muted small">(id {user.id || '—'})</span>
      </dd>
      <dt>Connection id</dt>
      <dd>
        <code>{connection.id}</code>
      </dd>
      <dt>Client reference</dt>
      <dd>{connection.clientReferenceId ?? <span class="muted">—</span>}</dd>
      <dt>Origin</dt>
      <dd>{connection.imported ? 'Imported session (not checked by the monitor, not billed)' : 'Connected with Link'}</dd>
      <dt>Permissions</dt>
      <dd>{connection.permissions.length ? connection.permissions.join(', ') : <span class="muted">none</span>}</dd>
      <dt>Created</dt>
      <dd>
        <Time value={connection.createdAt} />
      </dd>
      <dt>Updated</dt>
      <dd>
        <Time value={connection.updatedAt} />
      </dd>
      <dt>Last monitor check</dt>
      <dd>
        <Time value={connection.lastCheckedAt} />
      </dd>
      <dt>Expired</dt>
      <dd>
        <Time value={connection.expiredAt} />
      </dd>
    </dl>
  );
}

const REASONS: Record<string, string> = {
  imported: 'Session imported',
  linked: 'Connected with Link',
  reconnected: 'Reconnected with Link',
  session_rotated: 'Session replaced',
  invalidated: 'Invalidated',
  session_rejected_upstream: 'OnlyFans ended the session',
  disconnected: 'Disconnected',
};
const HISTORY_LIMIT = 10;

/** Who acted, as a person reads it: the audit log's actor names a key, a dashboard session, a Link session or the service. */
function describeActor(actor: string): string {
  const [kind, id] = actor.split(/:(.*)/s);
  if (kind === 'key') return `API key ${id}`;
  if (kind === 'dashboard') return `Dashboard (key ${id})`;
  if (kind === 'link') return `Link session ${id}`;
  if (kind === 'system') return 'ofconnect (monitor or Access call)';
  return actor;
}

/** The status changes, newest first; `version` (the connection's updatedAt) reloads it after an action here. */
function StatusHistory({ connectionId, version }: { connectionId: string; version: string }) {
  const [offset, setOffset] = useState(0);
  const state = useLoad(
    () =>
      api<ApiPage<ConnectionStatusChange>>(
        'GET',
        `/v2/account/connections/${encodeURIComponent(connectionId)}/status-history?limit=${HISTORY_LIMIT}&offset=${offset}`,
      ),
    `status history ${connectionId} ${version} ${offset}`,
  );
  return (
    <Loaded state={state} what="the status history">
      {(page) =>
        page.list.length === 0 ? (
          <Empty>No status change recorded for this connection.</Empty>
        ) : (
          <>
            <DataTable caption="Status history" columns={['When', 'Change', 'Why', 'By']}>
              {page.list.map((change) => (
                <tr key={`${change.at} ${change.reason}`}>
                  <td>
                    <Time value={change.at} />
                  </td>
                  <td>
                    {change.from ? (
                      <>
                        <Badge value={change.from} /> → <Badge value={change.to} />
                      </>
                    ) : (
                      <Badge value={change.to} />
                    )}
                  </td>
                  <td>{REASONS[change.reason] ?? change.reason}</td>
                  <td class="small">{describeActor(change.actor)}</td>
                </tr>
              ))}
            </DataTable>
            <Pager offset={offset} limit={HISTORY_LIMIT} hasMore={page.hasMore} onPage={setOffset} />
          </>
        )
      }
    </Loaded>
  );
}

const PACING_FIELDS = [
  ['requestsPerMinute', 'Requests per minute'],
  ['burst', 'Burst'],
  ['concurrency', 'Concurrent requests'],
] as const;
type PacingField = (typeof PACING_FIELDS)[number][0];

/**
 * The settings form. Only the sections changed are sent: the proxy URL is shown masked, so sending it back unchanged
 * would replace the stored password with the mask.
 */
function SettingsForm({ settings, onSaved }: { settings: ConnectionSettings; onSaved(message: string): void }) {
  const initialPacing = Object.fromEntries(PACING_FIELDS.map(([name]) => [name, String(settings.pacing?.[name] ?? '')])) as Record<PacingField, string>;
  const [vaultPlus, setVaultPlus] = useState(settings.vaultPlus.enabled);
  const [proxyUrl, setProxyUrl] = useState(settings.proxy.url ?? '');
  const [country, setCountry] = useState(settings.proxy.country ?? '');
  const [pacing, setPacing] = useState(initialPacing);
  const form = useSubmit(async () => {
    const body: Record<string, unknown> = {};
    if (vaultPlus !== settings.vaultPlus.enabled) body.vaultPlus = { enabled: vaultPlus };
    const proxy: Record<string, string | null> = {};
    if (proxyUrl.trim() !== (settings.proxy.url ?? '')) proxy.url = proxyUrl.trim() || null;
    if (country.trim() !== (settings.proxy.country ?? '')) proxy.country = country.trim() || null;
    if (Object.keys(proxy).length) body.proxy = proxy;
    if (PACING_FIELDS.some(([name]) => pacing[name] !== initialPacing[name])) {
      const override = Object.fromEntries(PACING_FIELDS.filter(([name]) => pacing[name].trim() !== '').map(([name]) => [name, Number(pacing[name])]));
      body.pacing = Object.keys(override).length ? override : null;
    }
    if (Object.keys(body).length === 0) return onSaved('Nothing changed.');
    await api('PATCH', `/v2/account/connections/${encodeURIComponent(settings.connectionId)}/settings`, { body });
    onSaved('Settings saved.');
  });
  return (
    <form class="card" onSubmit={form.submit} aria-label="Connection settings">
      <label class="check">
        <input type="checkbox" checked={vaultPlus} onChange={(e) => setVaultPlus((e.target as HTMLInputElement).checked)} /> Vault+ (store this account's media)
      </label>
      <div class="field">
        <label for="proxy-url">Outbound proxy (http://, https:// or socks5://; empty: direct)</label>
        <input id="proxy-url" maxLength={2048} value={proxyUrl} onInput={(e) => setProxyUrl((e.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <label for="proxy-country">Proxy country</label>
        <input id="proxy-country" maxLength={64} value={country} onInput={(e) => setCountry((e.target as HTMLInputElement).value)} />
      </div>
      <fieldset>
        <legend>Pacing (empty: the organization's)</legend>
        {PACING_FIELDS.map(([name, label]) => (
          <div class="field" key={name}>
            <label for={`pacing-${name}`}>{label}</label>
            <input
              id={`pacing-${name}`}
              type="number"
              min={1}
              value={pacing[name]}
              onInput={(e) => setPacing((current) => ({ ...current, [name]: (e.target as HTMLInputElement).value }))}
            />
          </div>
        ))}
      </fieldset>
      <button type="submit" class="primary" disabled={form.busy}>
        {form.busy ? 'Saving…' : 'Save settings'}
      </button>
      {form.error ? <ErrorNotice error={form.error} /> : null}
    </form>
  );
}

function Settings({ connectionId }: { connectionId: string }) {
  const state = useLoad(() => api<ConnectionSettings>('GET', `/v2/account/connections/${encodeURIComponent(connectionId)}/settings`), `settings ${connectionId}`);
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <>
      {saved ? (
        <p class="notice good" role="status">
          {saved}
        </p>
      ) : null}
      <Loaded state={state} what="settings">
        {(settings) => (
          <SettingsForm
            key={JSON.stringify(settings)}
            settings={settings}
            onSaved={(message) => {
              setSaved(message);
              state.reload();
            }}
          />
        )}
      </Loaded>
    </>
  );
}

function Events({ connectionId }: { connectionId: string }) {
  const state = useLoad(
    () => api<ApiPage<WebhookMessage>>('GET', `/v2/webhooks/messages?connectionId=${encodeURIComponent(connectionId)}&limit=20`),
    `events ${connectionId}`,
  );
  return (
    <Loaded state={state} what="events">
      {(page) =>
        page.list.length === 0 ? (
          <Empty>No events for this connection yet.</Empty>
        ) : (
          <ul class="plain-list">
            {page.list.map((message) => (
              <li key={message.id}>
                <Link href={`${BASE}/webhooks/messages/${message.id}`}>{message.eventType}</Link> <Badge value={message.status} /> <Time value={message.createdAt} />
              </li>
            ))}
          </ul>
        )
      }
    </Loaded>
  );
}

function RequestLog({ connectionId }: { connectionId: string }) {
  const [cursor, setCursor] = useState<string | null>(null);
  const [earlier, setEarlier] = useState<RequestLogEntry[]>([]);
  const state = useLoad(async () => {
    const params = new URLSearchParams({ limit: '50' });
    if (cursor) params.set('cursor', cursor);
    try {
      return await api<CursorPage<RequestLogEntry>>('GET', `/v2/account/connections/${encodeURIComponent(connectionId)}/requests?${params}`);
    } catch (error) {
      if (isMissingRoute(error)) return null;
      throw error;
    }
  }, `requests ${connectionId} ${cursor ?? ''}`);
  if (state.error) return <ErrorNotice error={state.error} retry={state.reload} />;
  if (state.loading && earlier.length === 0) return <Loading what="the request log" />;
  if (state.data === null && !state.loading) return <Empty>This service does not record a request log.</Empty>;
  const rows = [...earlier, ...(state.data?.list ?? [])];
  if (rows.length === 0) return <Empty>No Access API requests recorded for this connection.</Empty>;
  return (
    <>
      <DataTable caption="Request log" columns={['Time', 'Request', 'Status', 'Upstream', 'Duration', 'Retries', 'Request id']}>
        {rows.map((entry) => (
          <tr key={entry.id}>
            <td>
              <Time value={entry.createdAt} />
            </td>
            <td>
              <code>
                {entry.method} {entry.path}
              </code>
            </td>
            <td>{entry.status}</td>
            <td>{entry.upstreamStatus ?? '—'}</td>
            <td>{entry.durationMs} ms</td>
            <td>{entry.retries}</td>
            <td class="small">{entry.requestId}</td>
          </tr>
        ))}
      </DataTable>
      {state.data?.hasMore && state.data.nextCursor ? (
        <button
          type="button"
          onClick={() => {
            setEarlier(rows);
            setCursor(state.data?.nextCursor ?? null);
          }}
        >
          Older requests
        </button>
      ) : null}
    </>
  );
}

export function ConnectionPage({ connectionId }: { connectionId: string }) {
  const state = useLoad(() => api<Connection>('GET', `/v2/account/connections/${encodeURIComponent(connectionId)}`), `connection ${connectionId}`);
  const [action, setAction] = useState<Action>(null);
  const [done, setDone] = useState<string | null>(null);
  const path = `/v2/account/connections/${encodeURIComponent(connectionId)}`;
  const run = async () => {
    if (action === 'invalidate') {
      await api('POST', `${path}/invalidate`);
      setDone('The session was invalidated: the connection is now expired until the account reconnects.');
      state.reload();
    } else if (action === 'disconnect') {
      await api('DELETE', path);
      navigate(`${BASE}/connections`);
    }
  };
  const title = state.data?.userData.username ? `@${state.data.userData.username}` : connectionId;
  return (
    <Page
      title={state.error ? 'Connection' : title}
      actions={
        state.data ? (
          <>
            <button type="button" onClick={() => setAction('invalidate')} disabled={state.data.status === 'expired'}>
              Invalidate session
            </button>
            <button type="button" class="danger" onClick={() => setAction('disconnect')}>
              Disconnect
            </button>
          </>
        ) : null
      }
    >
      <p>
        <Link href={`${BASE}/connections`}>← All connections</Link>
      </p>
      {done ? (
        <p class="notice good" role="status">
          {done}
        </p>
      ) : null}
      <Loaded state={state} what="the connection">
        {(connection) => (
          <>
            <h2>Profile and status</h2>
            <Profile connection={connection} />
            <h2>Status history</h2>
            <StatusHistory connectionId={connection.id} version={connection.updatedAt} />
            <h2>Settings</h2>
            <Settings connectionId={connection.id} />
            <h2>Events</h2>
            <Events connectionId={connection.id} />
            <h2>Request log</h2>
            <RequestLog connectionId={connection.id} />
          </>
        )}
      </Loaded>
      <ConfirmDialog
        open={action !== null}
        title={action === 'disconnect' ? 'Disconnect this account?' : 'Invalidate this session?'}
        confirmLabel={action === 'disconnect' ? 'Disconnect' : 'Invalidate'}
        isDestructive
        onConfirm={run}
        onClose={() => setAction(null)}
      >
        {action === 'disconnect' ? (
          <p>The connection and its stored session are removed for good; the account must connect again through Link.</p>
        ) : (
          <p>The stored session stops working now and the connection becomes expired (a connection.expired event is sent).</p>
        )}
      </ConfirmDialog>
    </Page>
  );
}
