// Link client apps of the session's environment: the list, and a form to create or edit one (name, integration type,
// redirect URIs, embed origins, permissions, profile) beside a live preview of the hosted consent step, worded as the
// Link page words it (describePermission). Deleting asks first.
import { useState } from 'preact/hooks';
import { CONNECTION_PERMISSIONS } from '../../../account/permissions.ts';
import { describePermission } from '../../../link/pages/views.ts';
import { api, type Page as ApiPage } from '../api.ts';
import { ConfirmDialog, DataTable, Empty, ErrorNotice, Loaded, Page, Time, useLoad, useSubmit } from '../components.tsx';
import type { SessionInfo } from '../session.ts';
import type { ClientApp } from '../types.ts';

interface AppFields {
  name: string;
  integrationType: ClientApp['integrationType'];
  redirectUris: string;
  embedOrigins: string;
  permissions: string[];
  description: string;
  website: string;
}

const EMPTY: AppFields = { name: '', integrationType: 'redirect', redirectUris: '', embedOrigins: '', permissions: [], description: '', website: '' };

const lines = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean);

function permissionSummary(permissions: string[]): string {
  if (permissions.length === 0) return "organization's default";
  if (permissions.length === CONNECTION_PERMISSIONS.length) return 'all (read and write)';
  return permissions.join(', ');
}

function fieldsOf(app: ClientApp): AppFields {
  return {
    name: app.name,
    integrationType: app.integrationType,
    redirectUris: app.redirectUris.join('\n'),
    embedOrigins: app.embedOrigins.join('\n'),
    permissions: app.permissions,
    description: app.profile.description ?? '',
    website: app.profile.website ?? '',
  };
}

function bodyOf(fields: AppFields) {
  return {
    name: fields.name.trim(),
    integrationType: fields.integrationType,
    redirectUris: lines(fields.redirectUris),
    embedOrigins: lines(fields.embedOrigins),
    permissions: fields.permissions,
    profile: { description: fields.description.trim() || null, website: fields.website.trim() || null },
  };
}

function AppForm(props: { idPrefix: string; initial: AppFields; submitLabel: string; onSubmit(fields: AppFields): Promise<void> }) {
  const [fields, setFields] = useState(props.initial);
  const form = useSubmit(() => props.onSubmit(fields));
  const set = (changes: Partial<AppFields>) => setFields((current) => ({ ...current, ...changes }));
  const id = (name: string) => `${props.idPrefix}-${name}`;
  const text = (event: Event) => (event.target as HTMLInputElement).value;
  return (
    <form onSubmit={form.submit}>
      <div class="field">
        <label for={id('name')}>Name (shown to the account owner)</label>
        <input id={id('name')} required maxLength={100} value={fields.name} onInput={(e) => set({ name: text(e) })} />
      </div>
      <div class="field">
        <label for={id('type')}>Integration type</label>
        <select id={id('type')} value={fields.integrationType} onChange={(e) => set({ integrationType: text(e) as AppFields['integrationType'] })}>
          <option value="redirect">redirect (hosted pages, then back to your app)</option>
          <option value="embed">embed (hosted pages in an iframe on your site)</option>
          <option value="whitelabel">whitelabel (your own pages, through the API)</option>
        </select>
      </div>
      <div class="field">
        <label for={id('redirects')}>Redirect URIs (one per line)</label>
        <textarea id={id('redirects')} rows={3} value={fields.redirectUris} onInput={(e) => set({ redirectUris: text(e) })} />
      </div>
      <div class="field">
        <label for={id('origins')}>Embed origins (one per line)</label>
        <textarea id={id('origins')} rows={2} value={fields.embedOrigins} onInput={(e) => set({ embedOrigins: text(e) })} />
      </div>
      <fieldset>
        <legend>Permissions asked for (none ticked: the organization's default)</legend>
        <div class="check-grid">
          {CONNECTION_PERMISSIONS.map((permission) => (
            <label class="check" key={permission}>
              <input
                type="checkbox"
                checked={fields.permissions.includes(permission)}
                onChange={(e) =>
                  set({ permissions: (e.target as HTMLInputElement).checked ? [...fields.permissions, permission] : fields.permissions.filter((p) => p !== permission) })
                }
              />{' '}
              {permission}
            </label>
          ))}
        </div>
      </fieldset>
      <div class="field">
        <label for={id('description')}>Description</label>
        <input id={id('description')} maxLength={500} value={fields.description} onInput={(e) => set({ description: text(e) })} />
      </div>
      <div class="field">
        <label for={id('website')}>Website</label>
        <input id={id('website')} type="url" maxLength={2048} value={fields.website} onInput={(e) => set({ website: text(e) })} />
      </div>
      <button type="submit" class="primary" disabled={form.busy}>
        {form.busy ? 'Saving…' : props.submitLabel}
      </button>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <ConsentPreview fields={fields} />
    </form>
  );
}

/** What an account owner reads on the hosted consent step (src/link/pages/views.ts consentView), as the form is now. */
function ConsentPreview({ fields }: { fields: AppFields }) {
  const ordered = [...fields.permissions.filter((p) => p.endsWith(':read')), ...fields.permissions.filter((p) => p.endsWith(':write'))];
  return (
    <section class="preview-card" aria-label="Preview of the Link consent step">
      <p class="muted small">Preview of the Link consent step</p>
      <h3>Connect your OnlyFans account</h3>
      <p>
        <strong>{fields.name.trim() || 'Your app'}</strong> is asking to connect to your OnlyFans account.
      </p>
      {fields.description.trim() ? <p class="muted">{fields.description.trim()}</p> : null}
      <p>It will be able to:</p>
      {ordered.length ? (
        <ul>
          {ordered.map((permission) => (
            <li key={permission}>{describePermission(permission)}</li>
          ))}
        </ul>
      ) : (
        <p class="muted small">(the organization's default permissions)</p>
      )}
    </section>
  );
}

export function ClientAppsPage({ session }: { session: SessionInfo }) {
  const state = useLoad(() => api<ApiPage<ClientApp>>('GET', '/v2/client-apps'), 'client-apps');
  const [editing, setEditing] = useState<ClientApp | null>(null);
  const [deleting, setDeleting] = useState<ClientApp | null>(null);
  const [formKey, setFormKey] = useState(0);
  const [saved, setSaved] = useState<string | null>(null);
  const save = async (fields: AppFields) => {
    if (editing) await api('PATCH', `/v2/client-apps/${encodeURIComponent(editing.id)}`, { body: bodyOf(fields) });
    else await api('POST', '/v2/client-apps', { body: bodyOf(fields) });
    setSaved(editing ? `Saved ${fields.name}.` : `Created ${fields.name}.`);
    setEditing(null);
    setFormKey((k) => k + 1);
    state.reload();
  };
  return (
    <Page title="Link client apps">
      <p class="muted">
        The apps account owners connect through with Link, in the {session.environment} environment. Start a Link session with{' '}
        <code>POST /v2/link/init</code> and the app's id.
      </p>
      {saved ? (
        <p class="notice good" role="status">
          {saved}
        </p>
      ) : null}
      <Loaded state={state} what="client apps">
        {(page) =>
          page.list.length === 0 ? (
            <Empty>No client apps yet. Create one below.</Empty>
          ) : (
            <DataTable caption="Client apps" columns={['Name', 'Type', 'Redirect URIs', 'Permissions', 'Updated', 'Actions']}>
              {page.list.map((app) => (
                <tr key={app.id}>
                  <td>
                    {app.name}
                    <div class="muted small">{app.id}</div>
                  </td>
                  <td>{app.integrationType}</td>
                  <td class="small">{app.redirectUris.join(', ') || '—'}</td>
                  <td class="small">{permissionSummary(app.permissions)}</td>
                  <td>
                    <Time value={app.updatedAt} />
                  </td>
                  <td class="actions-cell">
                    <button type="button" onClick={() => { setEditing(app); setFormKey((k) => k + 1); }} aria-label={`Edit ${app.name}`}>
                      Edit
                    </button>{' '}
                    <button type="button" class="danger" onClick={() => setDeleting(app)} aria-label={`Delete ${app.name}`}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </Loaded>
      <section class="card" aria-labelledby="app-form-title">
        <h2 id="app-form-title">{editing ? `Edit ${editing.name}` : 'Create a client app'}</h2>
        {editing ? (
          <p>
            <button type="button" onClick={() => { setEditing(null); setFormKey((k) => k + 1); }}>
              Cancel editing
            </button>
          </p>
        ) : null}
        <AppForm key={formKey} idPrefix="app" initial={editing ? fieldsOf(editing) : EMPTY} submitLabel={editing ? 'Save changes' : 'Create app'} onSubmit={save} />
      </section>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this client app?"
        confirmLabel="Delete"
        isDestructive
        onConfirm={async () => {
          if (!deleting) return;
          await api('DELETE', `/v2/client-apps/${encodeURIComponent(deleting.id)}`);
          state.reload();
        }}
        onClose={() => setDeleting(null)}
      >
        <p>New Link sessions can no longer use {deleting?.name}. Connections made through it stay.</p>
      </ConfirmDialog>
    </Page>
  );
}
