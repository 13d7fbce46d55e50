// API keys of the session's environment: create (name, scopes; the secret shown once with a copy button), revoke
// behind a confirmation, and when each was last used. Revoking the key this session signed in with ends the session.
import { useState } from 'preact/hooks';
import { api, type Page as ApiPage } from '../api.ts';
import { Badge, ConfirmDialog, DataTable, Empty, ErrorNotice, Loaded, OneTimeSecret, Page, Time, useLoad, useSubmit } from '../components.tsx';
import type { SessionInfo } from '../session.ts';
import type { ApiKey } from '../types.ts';

const SCOPES = ['account', 'link', 'access', 'rules', 'admin'] as const;
const SCOPE_HINTS: Record<string, string> = {
  account: 'connections, settings, usage',
  link: 'start Link sessions',
  access: 'act on connected accounts',
  rules: 'dynamic rules and signing',
  admin: 'keys, apps, webhooks, this dashboard',
};

type CreatedKey = ApiKey & { key: string };

function CreateKeyForm({ session, onCreated }: { session: SessionInfo; onCreated(key: CreatedKey): void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['account', 'link', 'access', 'rules']);
  const form = useSubmit(async () => {
    const created = await api<CreatedKey>('POST', '/v2/api-keys', { body: { name: name.trim() || undefined, scopes, environment: session.environment } });
    setName('');
    onCreated(created);
  });
  const toggle = (scope: string, isOn: boolean) => setScopes((current) => (isOn ? [...current, scope] : current.filter((s) => s !== scope)));
  return (
    <form class="card" onSubmit={form.submit} aria-labelledby="create-key-title">
      <h2 id="create-key-title">Create a key</h2>
      <div class="field">
        <label for="key-name">Name</label>
        <input id="key-name" value={name} maxLength={100} placeholder="e.g. CRM production" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </div>
      <div class="field">
        <span class="label">Environment</span>
        <span>
          <Badge value={session.environment} /> <span class="muted small">a session creates keys of its own environment; sign in with a key of the other to create its keys</span>
        </span>
      </div>
      <fieldset>
        <legend>Scopes</legend>
        {SCOPES.map((scope) => (
          <label class="check" key={scope}>
            <input type="checkbox" checked={scopes.includes(scope)} onChange={(e) => toggle(scope, (e.target as HTMLInputElement).checked)} /> {scope}{' '}
            <span class="muted small">({SCOPE_HINTS[scope]})</span>
          </label>
        ))}
      </fieldset>
      <button type="submit" class="primary" disabled={form.busy || scopes.length === 0}>
        {form.busy ? 'Creating…' : 'Create key'}
      </button>
      {form.error ? <ErrorNotice error={form.error} /> : null}
    </form>
  );
}

export function ApiKeysPage({ session }: { session: SessionInfo }) {
  const state = useLoad(() => api<ApiPage<ApiKey>>('GET', '/v2/api-keys'), 'api-keys');
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  return (
    <Page title="API keys">
      <p class="muted">Keys of the {session.environment} environment. A key's secret is shown once, when it is created; only its hash is kept.</p>
      {created ? (
        <OneTimeSecret label={`New key "${created.name}"`} secret={created.key}>
          Copy it now: it will not be shown again.
        </OneTimeSecret>
      ) : null}
      <CreateKeyForm
        session={session}
        onCreated={(key) => {
          setCreated(key);
          state.reload();
        }}
      />
      <h2>Keys</h2>
      <Loaded state={state} what="API keys">
        {(page) =>
          page.list.length === 0 ? (
            <Empty>No keys in this environment.</Empty>
          ) : (
            <DataTable caption="API keys" columns={['Name', 'Key', 'Scopes', 'Created', 'Last used', 'State']}>
              {page.list.map((key) => (
                <tr key={key.id}>
                  <td>
                    {key.name}
                    {key.id === session.keyId ? <div class="muted small">this session's key</div> : null}
                  </td>
                  <td>
                    <code>{key.prefix}…</code>
                    <div class="muted small">{key.id}</div>
                  </td>
                  <td>{key.scopes.join(', ')}</td>
                  <td>
                    <Time value={key.createdAt} />
                  </td>
                  <td>
                    <Time value={key.lastUsedAt} />
                  </td>
                  <td>
                    {key.revokedAt ? (
                      <>
                        <Badge value="revoked" /> <Time value={key.revokedAt} />
                      </>
                    ) : (
                      <button type="button" class="danger" onClick={() => setRevoking(key)} aria-label={`Revoke ${key.name} (${key.prefix}…)`}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </Loaded>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this key?"
        confirmLabel="Revoke"
        isDestructive
        onConfirm={async () => {
          if (!revoking) return;
          await api('DELETE', `/v2/api-keys/${encodeURIComponent(revoking.id)}`);
          state.reload();
        }}
        onClose={() => setRevoking(null)}
      >
        <p>
          Requests with <strong>{revoking?.name}</strong> (<code>{revoking?.prefix}…</code>) are refused from now on. This cannot be undone.
          {revoking?.id === session.keyId ? ' This is the key of your dashboard session: you will be signed out.' : ''}
        </p>
      </ConfirmDialog>
    </Page>
  );
}
