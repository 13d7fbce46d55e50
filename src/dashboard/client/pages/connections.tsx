// Connections: the list with status and imported filters, and search by id, username or clientReferenceId. The search
// runs on the server (the list route's `search`: the exact id, or the start of a client reference or username), paged
// like the plain list.
import { useState } from 'preact/hooks';
import { api, type Page as ApiPage } from '../api.ts';
import { Badge, Loaded, Page, PagedTable, Time, useLoad } from '../components.tsx';
import { BASE, filterInQuery, Link, navigate, pageInQuery, withQuery } from '../router.tsx';
import type { Connection } from '../types.ts';

const LIMIT = 25;
const PATH = `${BASE}/connections`;

interface Listing extends ApiPage<Connection> {
  /** The search term the page was asked for, if any. */
  search: string | null;
}

async function loadListing(query: URLSearchParams): Promise<Listing> {
  const params = new URLSearchParams({ limit: String(LIMIT), offset: String(Number(query.get('offset') ?? 0) || 0) });
  for (const name of ['status', 'imported']) {
    const value = query.get(name);
    if (value) params.set(name, value);
  }
  const search = (query.get('q') ?? '').trim();
  if (search) params.set('search', search);
  const page = await api<ApiPage<Connection>>('GET', `/v2/account/connections?${params}`);
  return { ...page, search: search || null };
}

export function ConnectionsPage({ query }: { query: URLSearchParams }) {
  const key = query.toString();
  const state = useLoad(() => loadListing(query), key);
  const [search, setSearch] = useState(query.get('q') ?? '');
  const offset = Number(query.get('offset') ?? 0) || 0;
  const setFilter = filterInQuery(PATH, query);
  const submitSearch = (event: Event) => {
    event.preventDefault();
    navigate(withQuery(PATH, query, { q: search.trim(), offset: null }));
  };
  return (
    <Page title="Connections">
      <form class="filters" onSubmit={submitSearch} role="search">
        <div class="field">
          <label for="filter-status">Status</label>
          <select id="filter-status" value={query.get('status') ?? ''} onChange={(e) => setFilter('status', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            <option value="active">Active</option>
            <option value="expired">Expired</option>
            <option value="awaiting_2fa">Awaiting 2FA</option>
          </select>
        </div>
        <div class="field">
          <label for="filter-imported">Origin</label>
          <select id="filter-imported" value={query.get('imported') ?? ''} onChange={(e) => setFilter('imported', (e.target as HTMLSelectElement).value)}>
            <option value="">Any</option>
            <option value="true">Imported</option>
            <option value="false">Connected with Link</option>
          </select>
        </div>
        <div class="field grow">
          <label for="filter-search">Search by id, username or client reference (start of)</label>
          <input id="filter-search" type="search" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit">Search</button>
      </form>
      <Loaded state={state} what="connections">
        {(data) => (
          <>
            {data.search ? (
              <p class="muted" role="status">
                {data.list.length === 0 ? `Nothing matches “${data.search}”.` : `Connections matching “${data.search}”.`}{' '}
                The search finds an exact connection id, or the start of a client reference (case as typed) or username.
              </p>
            ) : null}
            <PagedTable
              page={data}
              empty={query.toString() ? 'No connection matches these filters.' : 'No connections yet. Connect an account with Link or import a session.'}
              caption="Connections"
              columns={['Account', 'Status', 'Client reference', 'Origin', 'Created', 'Last checked']}
              offset={offset}
              limit={LIMIT}
              onPage={pageInQuery(PATH, query)}
              row={(c) => (
                <tr key={c.id}>
                  <td>
                    <Link href={`${PATH}/${c.id}`}>{c.userData.username ? `@${c.userData.username}` : c.id}</Link>
                    <div class="muted small">{c.id}</div>
                  </td>
                  <td>
                    <Badge value={c.status} />
                  </td>
                  <td>{c.clientReferenceId ?? <span class="muted">—</span>}</td>
                  <td>{c.imported ? 'imported' : 'Link'}</td>
                  <td>
                    <Time value={c.createdAt} />
                  </td>
                  <td>
                    <Time value={c.lastCheckedAt} />
                  </td>
                </tr>
              )}
            />
          </>
        )}
      </Loaded>
    </Page>
  );
}
