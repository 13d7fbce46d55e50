// The audit log: who changed what and when (an API key `key:…`, a dashboard session `dashboard:…`, a Link session
// `link:…`, `cli`, `system`), newest first, filtered by who and by target, read with GET /v2/audit-log when the service
// has it.
import { useState } from 'preact/hooks';
import { api, isMissingRoute } from '../api.ts';
import { DataTable, Empty, ErrorNotice, Loading, Page, Time, useLoad } from '../components.tsx';
import { BASE, navigate, withQuery } from '../router.tsx';
import type { AuditEntry, CursorPage } from '../types.ts';

function describeActor(actor: string): string {
  if (actor.startsWith('dashboard:')) return `dashboard (key ${actor.slice('dashboard:'.length)})`;
  if (actor.startsWith('key:')) return `API key ${actor.slice('key:'.length)}`;
  if (actor.startsWith('link:')) return `Link session ${actor.slice('link:'.length)}`;
  return actor;
}

export function AuditLogPage({ query }: { query: URLSearchParams }) {
  const [cursor, setCursor] = useState<string | null>(null);
  const [earlier, setEarlier] = useState<AuditEntry[]>([]);
  const state = useLoad(async () => {
    const params = new URLSearchParams({ limit: '50' });
    if (cursor) params.set('cursor', cursor);
    for (const name of ['actor', 'target', 'since', 'until']) {
      const value = query.get(name);
      if (value) params.set(name, value);
    }
    try {
      return await api<CursorPage<AuditEntry>>('GET', `/v2/audit-log?${params}`);
    } catch (error) {
      if (isMissingRoute(error)) return null;
      throw error;
    }
  }, `audit ${cursor ?? ''} ${query.toString()}`);
  const rows = [...earlier, ...(state.data?.list ?? [])];
  const [actor, setActor] = useState(query.get('actor') ?? '');
  const [target, setTarget] = useState(query.get('target') ?? '');
  const filter = (event: Event) => {
    event.preventDefault();
    setEarlier([]);
    setCursor(null);
    navigate(withQuery(`${BASE}/audit-log`, query, { actor: actor.trim(), target: target.trim() }));
  };
  return (
    <Page title="Audit log">
      <form class="filters" onSubmit={filter} role="search">
        <div class="field grow">
          <label for="audit-actor">Who (key:…, dashboard:…, link:…, cli, system)</label>
          <input id="audit-actor" value={actor} maxLength={128} onInput={(e) => setActor((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field grow">
          <label for="audit-target">Target id</label>
          <input id="audit-target" value={target} maxLength={128} onInput={(e) => setTarget((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit">Filter</button>
      </form>
      {state.error ? <ErrorNotice error={state.error} retry={state.reload} /> : null}
      {state.loading && rows.length === 0 ? <Loading what="the audit log" /> : null}
      {!state.loading && !state.error && state.data === null ? <Empty>This service has no audit log API.</Empty> : null}
      {!state.loading && state.data && rows.length === 0 ? <Empty>{query.toString() ? 'No entry matches these filters.' : 'No audit entries yet.'}</Empty> : null}
      {rows.length > 0 ? (
        <DataTable caption="Audit log" columns={['Time', 'Who', 'Action', 'Target', 'Details']}>
          {rows.map((entry) => (
            <tr key={String(entry.id)}>
              <td>
                <Time value={entry.createdAt} />
              </td>
              <td>{describeActor(entry.actor)}</td>
              <td>
                <code>{entry.action}</code>
              </td>
              <td>{entry.target ?? <span class="muted">—</span>}</td>
              <td class="small details">{Object.keys(entry.data ?? {}).length ? JSON.stringify(entry.data) : ''}</td>
            </tr>
          ))}
        </DataTable>
      ) : null}
      {state.data?.hasMore && state.data.nextCursor ? (
        <button
          type="button"
          onClick={() => {
            setEarlier(rows);
            setCursor(state.data?.nextCursor ?? null);
          }}
        >
          Older entries
        </button>
      ) : null}
    </Page>
  );
}
