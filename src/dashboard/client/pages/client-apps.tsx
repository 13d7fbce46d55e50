// Link client apps of the session's environment: the list, and a form to create or edit one (name, integration type,
// redirect URIs, embed origins, permissions, profile, and the Link pages' branding: display name, brand colour, logo,
// privacy and terms links) beside a live preview of the hosted consent step, worded as the Link page words it
// (describePermission) and coloured as it colours it (brandPalette: the colour adjusted for AA contrast per theme).
// Deleting asks first.
import { useState } from 'preact/hooks';
import { CONNECTION_PERMISSIONS } from '../../../account/permissions.ts';
import { brandPalette } from '../../../link/branding/contrast.ts';
import { describePermission } from '../../../link/i18n/permission-text.ts';
import { api, type Page as ApiPage } from '../api.ts';
import { ConfirmDialog, DataTable, Empty, ErrorNotice, Loaded, Page, Time, useLoad, useSubmit } from '../components.tsx';
import type { SessionInfo } from '../session.ts';
import type { ClientApp } from '../types.ts';
import { LinkTabs } from './link-tabs.tsx';

/** A logo picked in the form: sent as base64 on save (null: remove the current one; undefined: leave it). */
interface PickedLogo {
  fileName: string;
  dataUrl: string;
}

interface AppFields {
  name: string;
  integrationType: ClientApp['integrationType'];
  redirectUris: string;
  embedOrigins: string;
  permissions: string[];
  description: string;
  website: string;
  displayName: string;
  /** #rrggbb, or empty for ofconnect's blue. */
  brandColor: string;
  privacyPolicyUrl: string;
  termsUrl: string;
  /** The logo the app has now (shown in the preview until another is picked). */
  logoUrl: string | null;
  logo: PickedLogo | null | undefined;
}

const EMPTY: AppFields = {
  name: '',
  integrationType: 'redirect',
  redirectUris: '',
  embedOrigins: '',
  permissions: [],
  description: '',
  website: '',
  displayName: '',
  brandColor: '',
  privacyPolicyUrl: '',
  termsUrl: '',
  logoUrl: null,
  logo: undefined,
};

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
const MAX_LOGO_BYTES = 1024 * 1024;

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
    displayName: app.displayName ?? '',
    brandColor: app.brandColor ?? '',
    privacyPolicyUrl: app.profile.privacyPolicyUrl ?? '',
    termsUrl: app.profile.termsUrl ?? '',
    logoUrl: app.logoUrl,
    logo: undefined,
  };
}

function bodyOf(fields: AppFields) {
  return {
    name: fields.name.trim(),
    integrationType: fields.integrationType,
    redirectUris: lines(fields.redirectUris),
    embedOrigins: lines(fields.embedOrigins),
    permissions: fields.permissions,
    profile: {
      description: fields.description.trim() || null,
      website: fields.website.trim() || null,
      privacyPolicyUrl: fields.privacyPolicyUrl.trim() || null,
      termsUrl: fields.termsUrl.trim() || null,
    },
    displayName: fields.displayName.trim() || null,
    brandColor: fields.brandColor.trim() || null,
    ...(fields.logo === undefined ? {} : { logo: fields.logo === null ? null : { data: fields.logo.dataUrl } }),
  };
}

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('The file could not be read'));
    reader.readAsDataURL(file);
  });
}

function AppForm(props: { idPrefix: string; initial: AppFields; submitLabel: string; onSubmit(fields: AppFields): Promise<void> }) {
  const [fields, setFields] = useState(props.initial);
  const [logoProblem, setLogoProblem] = useState<string | null>(null);
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
      <div class="field">
        <label for={id('privacy')}>Privacy policy (https, linked on every Link page)</label>
        <input id={id('privacy')} type="url" maxLength={2048} value={fields.privacyPolicyUrl} onInput={(e) => set({ privacyPolicyUrl: text(e) })} />
      </div>
      <div class="field">
        <label for={id('terms')}>Terms of service (https, linked on every Link page)</label>
        <input id={id('terms')} type="url" maxLength={2048} value={fields.termsUrl} onInput={(e) => set({ termsUrl: text(e) })} />
      </div>
      <fieldset>
        <legend>Branding of the Link pages</legend>
        <div class="field">
          <label for={id('display-name')}>Display name (empty: the name)</label>
          <input id={id('display-name')} maxLength={100} value={fields.displayName} onInput={(e) => set({ displayName: text(e) })} />
        </div>
        <div class="field color-field">
          <label for={id('brand-color')}>Brand colour (#rrggbb; empty: ofconnect's blue)</label>
          <div class="color-row">
            <input
              id={id('brand-color')}
              class="color-text"
              pattern="#[0-9a-fA-F]{6}"
              maxLength={7}
              placeholder="#1f5fbf"
              value={fields.brandColor}
              onInput={(e) => set({ brandColor: text(e) })}
            />
            <input
              type="color"
              aria-label="Pick the brand colour"
              value={HEX_COLOR.test(fields.brandColor) ? fields.brandColor.toLowerCase() : '#1f5fbf'}
              onInput={(e) => set({ brandColor: text(e) })}
            />
            {fields.brandColor ? (
              <button type="button" onClick={() => set({ brandColor: '' })}>
                Use the default
              </button>
            ) : null}
          </div>
        </div>
        <div class="field">
          <label for={id('logo')}>Logo (PNG, JPEG, WebP or GIF, at most 1 MB; stored at up to 128 px)</label>
          <input
            id={id('logo')}
            type="file"
            accept="image/png,image/jpeg,image/webp,image/gif"
            onChange={async (e) => {
              const input = e.target as HTMLInputElement;
              const file = input.files?.[0];
              if (!file) return;
              if (file.size > MAX_LOGO_BYTES) {
                input.value = '';
                setLogoProblem(`${file.name} is larger than 1 MB.`);
                return;
              }
              setLogoProblem(null);
              set({ logo: { fileName: file.name, dataUrl: await readAsDataUrl(file) } });
            }}
          />
          {logoProblem ? (
            <p class="notice error" role="alert">
              {logoProblem}
            </p>
          ) : null}
          {fields.logo || (fields.logoUrl && fields.logo !== null) ? (
            <button type="button" onClick={() => set({ logo: fields.logoUrl ? null : undefined })}>
              Remove the logo
            </button>
          ) : null}
        </div>
      </fieldset>
      <button type="submit" class="primary" disabled={form.busy}>
        {form.busy ? 'Saving…' : props.submitLabel}
      </button>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <ConsentPreview fields={fields} />
    </form>
  );
}

/** The preview's accent in each colour scheme, as the Link page's brand stylesheet sets it (CSS custom properties set
 *  through the CSSOM, which the page's CSP allows where a style attribute would not be). */
function previewAccent(brandColor: string): Record<string, string> | undefined {
  const palette = HEX_COLOR.test(brandColor) ? brandPalette(brandColor) : null;
  if (!palette) return undefined;
  return {
    '--preview-accent-light': palette.light.accent,
    '--preview-accent-text-light': palette.light.accentText,
    '--preview-accent-dark': palette.dark.accent,
    '--preview-accent-text-dark': palette.dark.accentText,
  };
}

/** What an account owner reads on the hosted consent step (src/link/pages/views.ts consentView), as the form is now. */
function ConsentPreview({ fields }: { fields: AppFields }) {
  const ordered = [...fields.permissions.filter((p) => p.endsWith(':read')), ...fields.permissions.filter((p) => p.endsWith(':write'))];
  const shownName = fields.displayName.trim() || fields.name.trim() || 'Your app';
  const logo = fields.logo ? fields.logo.dataUrl : fields.logo === null ? null : fields.logoUrl;
  const privacy = fields.privacyPolicyUrl.trim();
  const terms = fields.termsUrl.trim();
  return (
    <section class={`preview-card${previewAccent(fields.brandColor) ? ' branded' : ''}`} style={previewAccent(fields.brandColor)} aria-label="Preview of the Link consent step">
      <p class="muted small">Preview of the Link consent step</p>
      <div class="preview-app">
        {logo ? <img class="preview-logo" src={logo} alt="" width={40} height={40} /> : <span class="preview-tile" aria-hidden="true">{shownName.slice(0, 1).toUpperCase()}</span>}
        <h3>Connect your OnlyFans account</h3>
      </div>
      <p>
        <strong>{shownName}</strong> is asking to connect to your OnlyFans account.
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
      <p>
        <span class="preview-button" data-preview-button>
          Continue
        </span>
      </p>
      {privacy || terms ? (
        <p class="small preview-links">
          {privacy ? <span class="preview-link">Privacy policy</span> : null}
          {privacy && terms ? ' · ' : null}
          {terms ? <span class="preview-link">Terms</span> : null}
        </p>
      ) : null}
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
      <LinkTabs current="apps" />
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
            <DataTable caption="Client apps" columns={['Name', 'Type', 'Redirect URIs', 'Permissions', 'Brand colour', 'Updated', 'Actions']}>
              {page.list.map((app) => (
                <tr key={app.id}>
                  <td>
                    {app.name}
                    <div class="muted small">{app.id}</div>
                  </td>
                  <td>{app.integrationType}</td>
                  <td class="small">{app.redirectUris.join(', ') || '—'}</td>
                  <td class="small">{permissionSummary(app.permissions)}</td>
                  <td class="small">{app.brandColor ? <code>{app.brandColor}</code> : <span class="muted">default</span>}</td>
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
