// Recent Link sessions of the session's environment and how each ended (GET /v2/link/sessions): outcome and client app
// filters in the query string, offset paging, the redirect's error code and message for a failed one, and the
// connection a completed one made.
import { api, type Page as ApiPage } from '../api.ts';
import { Badge, Loaded, Page, PagedTable, Time, useLoad } from '../components.tsx';
import { BASE, filterInQuery, Link, pageInQuery } from '../router.tsx';
import type { ClientApp, LinkSessionSummary } from '../types.ts';
import { LinkTabs } from './link-tabs.tsx';

const LIMIT = 25;
const PATH = `${BASE}/link/sessions`;
const OUTCOMES: Array<[LinkSessionSummary['outcome'], string]> = [
  ['open', 'Open (in progress)'],
  ['completed', 'Completed'],
  ['failed', 'Failed'],
  ['denied', 'Denied'],
  ['cancelled', 'Cancelled'],
  ['expired', 'Expired (left unfinished)'],
];

function Outcome({ session }: { session: LinkSessionSummary }) {
  return (
    <>
      <Badge value={session.outcome} />
      {session.errorCode ? (
        <div class="small">
          <code>{session.errorCode}</code> <span class="muted">{session.errorMessage}</span>
        </div>
      ) : null}
      {session.failedAttempts > 0 && session.outcome === 'open' ? <div class="muted small">{session.failedAttempts} failed attempt(s) so far</div> : null}
    </>
  );
}

export function LinkSessionsPage({ query }: { query: URLSearchParams }) {
  const offset = Number(query.get('offset') ?? 0) || 0;
  const apps = useLoad(() => api<ApiPage<ClientApp>>('GET', '/v2/client-apps'), 'link session apps');
  const state = useLoad(() => {
    const params = new URLSearchParams({ limit: String(LIMIT), offset: String(offset) });
    for (const name of ['outcome', 'clientAppId']) {
      const value = query.get(name);
      if (value) params.set(name, value);
    }
    return api<ApiPage<LinkSessionSummary>>('GET', `/v2/link/sessions?${params}`);
  }, query.toString());
  const appName = (id: string) => apps.data?.list.find((app) => app.id === id)?.name ?? id;
  const setFilter = filterInQuery(PATH, query);
  return (
    <Page title="Link sessions">
      <LinkTabs current="sessions" />
      <p class="muted">The latest Link sessions started with POST /v2/link/init, newest first, and how each ended.</p>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="filter-outcome">Outcome</label>
          <select id="filter-outcome" value={query.get('outcome') ?? ''} onChange={(e) => setFilter('outcome', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {OUTCOMES.map(([value, label]) => (
              <option value={value} key={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-app">Client app</label>
          <select id="filter-app" value={query.get('clientAppId') ?? ''} onChange={(e) => setFilter('clientAppId', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            {(apps.data?.list ?? []).map((app) => (
              <option value={app.id} key={app.id}>
                {app.name}
              </option>
            ))}
          </select>
        </div>
      </form>
      <Loaded state={state} what="Link sessions">
        {(page) => (
          <PagedTable
            page={page}
            empty={query.get('outcome') || query.get('clientAppId') ? 'No Link session matches these filters.' : 'No Link sessions yet.'}
            caption="Link sessions"
            columns={['Started', 'Outcome', 'Client app', 'Client reference', 'Connection', 'Last change']}
            offset={offset}
            limit={LIMIT}
            onPage={pageInQuery(PATH, query)}
            row={(session) => (
              <tr key={session.id}>
                <td>
                  <Time value={session.createdAt} />
                  <div class="muted small">{session.id}</div>
                </td>
                <td>
                  <Outcome session={session} />
                </td>
                <td>{appName(session.clientAppId)}</td>
                <td>{session.clientReferenceId ?? <span class="muted">—</span>}</td>
                <td>
                  {session.connectionId ? (
                    <Link href={`${BASE}/connections/${session.connectionId}`}>{session.connectionId}</Link>
                  ) : session.reconnectConnectionId ? (
                    <span class="small">
                      reconnects <Link href={`${BASE}/connections/${session.reconnectConnectionId}`}>{session.reconnectConnectionId}</Link>
                    </span>
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
                <td>
                  <Time value={session.updatedAt} />
                </td>
              </tr>
            )}
          />
        )}
      </Loaded>
    </Page>
  );
}
