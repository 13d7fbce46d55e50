// Every mutation of the webhooks management API leaves one audit entry, written in the transaction of the change:
// who (the API key), what (the action) and on what (the endpoint or message), never a secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditRows } from '../../src/account/store.ts';
import { recordEvent } from '../../src/webhooks/outbox.ts';
import { BACKENDS } from '../support/databases.ts';
import { createKey, createOrg } from '../support/orgs.ts';
import { call, startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('webhooks audit log (%s)', (backend) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(backend, { config: { role: 'api' } });
  });
  afterAll(async () => t?.close());

  /** An org of its own, so the entries counted are this test's alone. */
  async function newOrg(name: string) {
    const orgId = await createOrg(t.database.handle, name);
    const key = await createKey(t.database.handle, orgId, 'sandbox', ['admin']);
    const api = (method: string, path: string, body?: unknown) => call(t.url, method, path, { key: key.secret, body });
    /** The org's webhooks entries, oldest first. */
    const webhookEntries = async () =>
      (await listAuditRows(t.database.handle.db, orgId, 1000)).filter((row) => row.action.startsWith('webhook_')).reverse();
    return { orgId, actor: `key:${key.id}`, api, webhookEntries };
  }

  it('creating, updating and deleting an endpoint, and revealing and rotating its secret, each leave one entry without the secret', async () => {
    const { actor, api, webhookEntries } = await newOrg('Audited endpoints');
    const url = 'http://127.0.0.1:9/audited?token=receiver-token';
    const created = await api('POST', '/v2/webhooks/endpoints', { url, eventTypes: ['connection.created'] });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    const revealed = await api('GET', `/v2/webhooks/endpoints/${id}/secret`);
    expect(revealed.status).toBe(200);
    const rotated = await api('POST', `/v2/webhooks/endpoints/${id}/secret/rotate`);
    expect(rotated.status).toBe(200);
    const chosen = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
    expect((await api('POST', `/v2/webhooks/endpoints/${id}/secret/rotate`, { key: chosen })).status).toBe(200);
    expect((await api('PATCH', `/v2/webhooks/endpoints/${id}`, { description: 'CRM', enabled: false })).status).toBe(200);
    expect((await api('DELETE', `/v2/webhooks/endpoints/${id}`)).status).toBe(200);

    const entries = await webhookEntries();
    expect(entries.map((e) => [e.action, e.actor, e.target])).toEqual([
      ['webhook_endpoint.created', actor, id],
      ['webhook_endpoint.secret_revealed', actor, id],
      ['webhook_endpoint.secret_rotated', actor, id],
      ['webhook_endpoint.secret_rotated', actor, id],
      ['webhook_endpoint.updated', actor, id],
      ['webhook_endpoint.deleted', actor, id],
    ]);
    expect(entries[4].data).toEqual({ fields: ['description', 'enabled'] });
    const logged = JSON.stringify(entries);
    for (const secret of [created.body.secret, revealed.body.key, rotated.body.key, chosen]) expect(logged).not.toContain(secret);
    expect(logged).not.toContain('whsec_');
    expect(logged).not.toContain('receiver-token');
  });

  it('a refused change leaves no entry', async () => {
    const { api, webhookEntries } = await newOrg('Refused changes');
    const created = (await api('POST', '/v2/webhooks/endpoints', { url: 'http://127.0.0.1:9/refused' })).body;
    expect((await api('POST', `/v2/webhooks/endpoints/${created.id}/secret/rotate`, { key: created.secret })).status).toBe(409);
    expect((await api('POST', `/v2/webhooks/endpoints/${created.id}/secret/rotate`, { key: 'nope' })).status).toBe(400);
    expect((await api('GET', '/v2/webhooks/endpoints/we_doesnotexist/secret')).status).toBe(404);
    expect((await api('DELETE', '/v2/webhooks/endpoints/we_doesnotexist')).status).toBe(404);
    expect((await webhookEntries()).map((e) => e.action)).toEqual(['webhook_endpoint.created']);
  });

  it('replaying a message and replaying what failed each leave one entry', async () => {
    const { orgId, actor, api, webhookEntries } = await newOrg('Audited replays');
    const endpoint = (await api('POST', '/v2/webhooks/endpoints', { url: 'http://127.0.0.1:9/replays' })).body;
    const messageId = await t.database.handle.db.transaction((tx) =>
      recordEvent(tx, { orgId, environment: 'sandbox', type: 'connection.created', connectionId: 'conn_audit', data: {} }, new Date()),
    );
    expect((await api('POST', `/v2/webhooks/messages/${messageId}/replay`, {})).body).toEqual({ replayed: 1 });
    const since = '2000-01-01T00:00:00.000Z';
    expect((await api('POST', '/v2/webhooks/messages/replay-failed', { since, endpointId: endpoint.id })).status).toBe(202);

    const entries = (await webhookEntries()).filter((e) => e.action.startsWith('webhook_message.'));
    expect(entries.map((e) => [e.action, e.actor, e.target, e.data])).toEqual([
      ['webhook_message.replayed', actor, messageId, { endpointId: null, replayed: 1 }],
      ['webhook_message.failed_replayed', actor, endpoint.id, { environment: 'sandbox', since, endpointId: endpoint.id, replayed: 0 }],
    ]);
  });
});
