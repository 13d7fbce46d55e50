// Webhook endpoints: the list and create form (with the event-type catalogue), and one endpoint's page: edit,
// disable / enable, rotate its secret (the new one shown once), delete, and its latest delivery attempts.
import { useState } from 'preact/hooks';
import { WEBHOOK_EVENT_TYPES } from '../../../webhooks/events.ts';
import { api, type Page as ApiPage } from '../api.ts';
import { Badge, ConfirmDialog, DataTable, Empty, ErrorNotice, Loaded, OneTimeSecret, Page, Time, useLoad, useSubmit } from '../components.tsx';
import { BASE, Link, navigate } from '../router.tsx';
import type { WebhookAttempt, WebhookEndpoint, WebhookMessage } from '../types.ts';
import { AttemptsTable } from './webhook-messages.tsx';

interface EndpointFields {
  url: string;
  description: string;
  eventTypes: string[];
}

function EventTypesField({ value, onChange }: { value: string[]; onChange(next: string[]): void }) {
  return (
    <fieldset>
      <legend>Event types (none ticked: every event)</legend>
      {WEBHOOK_EVENT_TYPES.map((type) => (
        <label class="check" key={type}>
          <input
            type="checkbox"
            checked={value.includes(type)}
            onChange={(e) => onChange((e.target as HTMLInputElement).checked ? [...value, type] : value.filter((t) => t !== type))}
          />{' '}
          <code>{type}</code>
        </label>
      ))}
    </fieldset>
  );
}

function EndpointForm(props: { idPrefix: string; initial: EndpointFields; submitLabel: string; onSubmit(fields: EndpointFields): Promise<void> }) {
  const [fields, setFields] = useState(props.initial);
  const form = useSubmit(() => props.onSubmit(fields));
  const set = (changes: Partial<EndpointFields>) => setFields((current) => ({ ...current, ...changes }));
  return (
    <form onSubmit={form.submit}>
      <div class="field">
        <label for={`${props.idPrefix}-url`}>URL</label>
        <input id={`${props.idPrefix}-url`} type="url" required maxLength={2048} value={fields.url} placeholder="https://example.com/webhooks/ofconnect" onInput={(e) => set({ url: (e.target as HTMLInputElement).value })} />
      </div>
      <div class="field">
        <label for={`${props.idPrefix}-description`}>Description</label>
        <input id={`${props.idPrefix}-description`} maxLength={500} value={fields.description} onInput={(e) => set({ description: (e.target as HTMLInputElement).value })} />
      </div>
      <EventTypesField value={fields.eventTypes} onChange={(eventTypes) => set({ eventTypes })} />
      <button type="submit" class="primary" disabled={form.busy}>
        {form.busy ? 'Saving…' : props.submitLabel}
      </button>
      {form.error ? <ErrorNotice error={form.error} /> : null}
    </form>
  );
}

export function EndpointsPage() {
  const state = useLoad(() => api<ApiPage<WebhookEndpoint>>('GET', '/v2/webhooks/endpoints'), 'endpoints');
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [formKey, setFormKey] = useState(0);
  const create = async (fields: EndpointFields) => {
    const created = await api<WebhookEndpoint & { secret: string }>('POST', '/v2/webhooks/endpoints', {
      body: { url: fields.url.trim(), description: fields.description.trim() || null, eventTypes: fields.eventTypes },
    });
    setSecret({ url: created.url, secret: created.secret });
    setFormKey((k) => k + 1);
    state.reload();
  };
  return (
    <Page title="Webhooks" actions={<Link href={`${BASE}/webhooks/messages`}>Deliveries →</Link>}>
      {secret ? (
        <OneTimeSecret label={`Signing secret of ${secret.url}`} secret={secret.secret}>
          Verify deliveries with it (Standard Webhooks). It can be read again on the endpoint's page, which the audit log records.
        </OneTimeSecret>
      ) : null}
      <h2>Endpoints</h2>
      <Loaded state={state} what="webhook endpoints">
        {(page) =>
          page.list.length === 0 ? (
            <Empty>No webhook endpoints. Add one below to receive connection events.</Empty>
          ) : (
            <DataTable caption="Webhook endpoints" columns={['URL', 'Events', 'State', 'Created']}>
              {page.list.map((endpoint) => (
                <tr key={endpoint.id}>
                  <td>
                    <Link href={`${BASE}/webhooks/endpoints/${endpoint.id}`}>{endpoint.url}</Link>
                    {endpoint.description ? <div class="muted small">{endpoint.description}</div> : null}
                  </td>
                  <td>{endpoint.eventTypes.length ? endpoint.eventTypes.join(', ') : 'all'}</td>
                  <td>
                    <Badge value={endpoint.enabled ? 'enabled' : 'disabled'} />
                    {endpoint.failingSince ? (
                      <div class="small">
                        failing since <Time value={endpoint.failingSince} />
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <Time value={endpoint.createdAt} />
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </Loaded>
      <section class="card" aria-labelledby="new-endpoint-title">
        <h2 id="new-endpoint-title">Add an endpoint</h2>
        <EndpointForm key={formKey} idPrefix="new-endpoint" initial={{ url: '', description: '', eventTypes: [] }} submitLabel="Add endpoint" onSubmit={create} />
      </section>
    </Page>
  );
}

type EndpointAction = 'rotate' | 'delete' | null;

const TEST_EVENT_TYPES = ['connection.created', 'connection.updated', 'connection.expired', 'connection.disconnected', 'connection.expiring'];

/** "Send test event": a signed example to this endpoint only, through the normal delivery (so it shows in the
 *  deliveries and attempts and can be replayed). */
function SendTestEvent({ path, enabled, onSent }: { path: string; enabled: boolean; onSent(): void }) {
  const [eventType, setEventType] = useState(TEST_EVENT_TYPES[0]);
  const [sent, setSent] = useState<WebhookMessage | null>(null);
  const send = useSubmit(async () => {
    setSent(await api<WebhookMessage>('POST', `${path}/test`, { body: { eventType } }));
    onSent();
  });
  return (
    <section class="card" aria-labelledby="test-event-title">
      <h2 id="test-event-title">Send a test event</h2>
      <p class="muted small">An example event with an invented connection and "test": true, signed and delivered like any other.</p>
      <form class="inline-form" onSubmit={send.submit}>
        <div class="field">
          <label for="test-event-type">Event type</label>
          <select id="test-event-type" value={eventType} onChange={(e) => setEventType((e.target as HTMLSelectElement).value)}>
            {TEST_EVENT_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={send.busy || !enabled}>
          {send.busy ? 'Sending…' : 'Send test event'}
        </button>
      </form>
      {!enabled ? <p class="muted small">Enable the endpoint to send it a test event.</p> : null}
      {sent ? (
        <p class="notice good" role="status">
          Test event queued: <Link href={`${BASE}/webhooks/messages/${sent.id}`}>{sent.id}</Link> ({sent.eventType}).
        </p>
      ) : null}
      {send.error ? <ErrorNotice error={send.error} /> : null}
    </section>
  );
}

export function EndpointPage({ endpointId }: { endpointId: string }) {
  const path = `/v2/webhooks/endpoints/${encodeURIComponent(endpointId)}`;
  const state = useLoad(() => api<WebhookEndpoint>('GET', path), `endpoint ${endpointId}`);
  const attempts = useLoad(() => api<ApiPage<WebhookAttempt>>('GET', `${path}/attempts?limit=20`), `endpoint attempts ${endpointId}`);
  const [action, setAction] = useState<EndpointAction>(null);
  const [rotated, setRotated] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const toggle = useSubmit(async () => {
    const enabled = !state.data?.enabled;
    await api('PATCH', path, { body: { enabled } });
    setSaved(enabled ? 'Endpoint enabled.' : 'Endpoint disabled: its pending deliveries ended as failed.');
    state.reload();
  });
  const update = async (fields: EndpointFields) => {
    await api('PATCH', path, { body: { url: fields.url.trim(), description: fields.description.trim() || null, eventTypes: fields.eventTypes } });
    setSaved('Changes saved.');
    state.reload();
  };
  return (
    <Page
      title="Webhook endpoint"
      actions={
        state.data ? (
          <>
            <button type="button" onClick={() => toggle.submit()} disabled={toggle.busy}>
              {state.data.enabled ? 'Disable' : 'Enable'}
            </button>
            <button type="button" onClick={() => setAction('rotate')}>
              Rotate secret
            </button>
            <button type="button" class="danger" onClick={() => setAction('delete')}>
              Delete
            </button>
          </>
        ) : null
      }
    >
      <p>
        <Link href={`${BASE}/webhooks`}>← All endpoints</Link>
      </p>
      {toggle.error ? <ErrorNotice error={toggle.error} /> : null}
      {saved ? (
        <p class="notice good" role="status">
          {saved}
        </p>
      ) : null}
      {rotated ? (
        <OneTimeSecret label="New signing secret" secret={rotated}>
          The previous secret keeps signing alongside it for 24 hours.
        </OneTimeSecret>
      ) : null}
      <Loaded state={state} what="the endpoint">
        {(endpoint) => (
          <>
            <dl class="facts">
              <dt>State</dt>
              <dd>
                <Badge value={endpoint.enabled ? 'enabled' : 'disabled'} /> {endpoint.disabledReason ?? ''}
              </dd>
              <dt>Id</dt>
              <dd>
                <code>{endpoint.id}</code>
              </dd>
              <dt>Failing since</dt>
              <dd>
                <Time value={endpoint.failingSince} />
              </dd>
              <dt>Previous secret valid until</dt>
              <dd>
                <Time value={endpoint.previousSecretExpiresAt} />
              </dd>
            </dl>
            <SendTestEvent path={path} enabled={endpoint.enabled} onSent={attempts.reload} />
            <section class="card" aria-labelledby="edit-endpoint-title">
              <h2 id="edit-endpoint-title">Edit</h2>
              <EndpointForm
                key={endpoint.updatedAt}
                idPrefix="edit-endpoint"
                initial={{ url: endpoint.url, description: endpoint.description ?? '', eventTypes: endpoint.eventTypes }}
                submitLabel="Save changes"
                onSubmit={update}
              />
            </section>
          </>
        )}
      </Loaded>
      <h2>Latest delivery attempts</h2>
      <Loaded state={attempts} what="attempts">
        {(page) => (page.list.length === 0 ? <Empty>No deliveries to this endpoint yet.</Empty> : <AttemptsTable attempts={page.list} />)}
      </Loaded>
      <ConfirmDialog
        open={action !== null}
        title={action === 'delete' ? 'Delete this endpoint?' : 'Rotate the signing secret?'}
        confirmLabel={action === 'delete' ? 'Delete' : 'Rotate'}
        isDestructive={action === 'delete'}
        onConfirm={async () => {
          if (action === 'delete') {
            await api('DELETE', path);
            navigate(`${BASE}/webhooks`);
          } else {
            const answer = await api<{ key: string }>('POST', `${path}/secret/rotate`, { body: {} });
            setRotated(answer.key);
            state.reload();
          }
        }}
        onClose={() => setAction(null)}
      >
        {action === 'delete' ? (
          <p>The endpoint and its delivery history are removed; no more events are sent to it.</p>
        ) : (
          <p>A new secret signs from now on; the current one also signs for 24 hours, so receivers can switch without losing events.</p>
        )}
      </ConfirmDialog>
    </Page>
  );
}
