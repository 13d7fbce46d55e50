// The billing signal: Link connections active at any moment of a month, per org; imported ones never count.
import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConnection } from '../../src/connections/store.ts';
import { countBillableConnections } from '../../src/monitor/billing.ts';
import type { Environment } from '../../src/platform/environment.ts';
import { ApiError } from '../../src/platform/errors.ts';
import { newId } from '../../src/platform/ids.ts';
import { BACKENDS } from '../support/databases.ts';
import { createOrg } from '../support/orgs.ts';
import { startTestService, type TestService } from '../support/service.ts';

describe.each(BACKENDS)('billable connections (%s)', (backend) => {
  let t: TestService;
  let otherOrg: string;

  beforeAll(async () => {
    t = await startTestService(backend, { config: { role: 'api' } });
    otherOrg = await createOrg(t.database.handle);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function connection(fields: {
    orgId?: string;
    environment?: Environment;
    status: string;
    imported?: boolean;
    createdAt: string;
    expiredAt?: string;
    disconnectedAt?: string;
    neverLoggedIn?: boolean;
  }): Promise<void> {
    const createdAt = new Date(fields.createdAt);
    await insertConnection(t.database.handle.db, {
      id: newId('connection'),
      orgId: fields.orgId ?? t.orgId,
      environment: fields.environment ?? 'live',
      status: fields.status,
      platformUserId: fields.neverLoggedIn ? null : String(randomInt(1, 2 ** 47)),
      permissions: [],
      imported: fields.imported ?? false,
      expiredAt: fields.expiredAt ? new Date(fields.expiredAt) : null,
      disconnectedAt: fields.disconnectedAt ? new Date(fields.disconnectedAt) : null,
      createdAt,
      updatedAt: createdAt,
    });
  }

  it('counts Link connections active at some moment of the month, and nothing imported, ended before it, created after it or of another org', async () => {
    // Counted in March 2026:
    await connection({ status: 'active', createdAt: '2026-02-10T00:00:00Z' });
    await connection({ status: 'active', createdAt: '2026-03-31T23:59:59Z' });
    await connection({ status: 'expired', createdAt: '2026-01-05T00:00:00Z', expiredAt: '2026-03-05T00:00:00Z' });
    await connection({ status: 'disconnected', createdAt: '2026-01-05T00:00:00Z', disconnectedAt: '2026-03-10T00:00:00Z' });
    await connection({ status: 'awaiting_2fa', createdAt: '2026-01-05T00:00:00Z', expiredAt: '2026-03-02T00:00:00Z' });
    // Not counted:
    await connection({ status: 'active', imported: true, createdAt: '2026-02-10T00:00:00Z' });
    await connection({ status: 'expired', createdAt: '2026-01-05T00:00:00Z', expiredAt: '2026-02-20T00:00:00Z' });
    await connection({ status: 'disconnected', createdAt: '2026-01-05T00:00:00Z', expiredAt: '2026-02-01T00:00:00Z', disconnectedAt: '2026-03-10T00:00:00Z' });
    await connection({ status: 'disconnected', createdAt: '2026-01-05T00:00:00Z', disconnectedAt: '2026-02-28T23:59:59Z' });
    await connection({ status: 'active', createdAt: '2026-04-01T00:00:00Z' });
    await connection({ status: 'pending', createdAt: '2026-03-03T00:00:00Z', neverLoggedIn: true });
    await connection({ status: 'failed', createdAt: '2026-03-03T00:00:00Z', neverLoggedIn: true });
    await connection({ orgId: otherOrg, status: 'active', createdAt: '2026-02-10T00:00:00Z' });
    await connection({ environment: 'sandbox', status: 'active', createdAt: '2026-02-10T00:00:00Z' });

    expect(await countBillableConnections(t.service.ctx, t.orgId, '2026-03')).toBe(5);
    // April: the two still active from March, plus the one created on April 1st.
    expect(await countBillableConnections(t.service.ctx, t.orgId, '2026-04')).toBe(3);
    expect(await countBillableConnections(t.service.ctx, t.orgId, '2025-12')).toBe(0);
    expect(await countBillableConnections(t.service.ctx, otherOrg, '2026-03')).toBe(1);
    expect(await countBillableConnections(t.service.ctx, t.orgId, '2026-03', { environment: 'sandbox' })).toBe(1);
  });

  it('rejects a month that is not YYYY-MM', async () => {
    await expect(countBillableConnections(t.service.ctx, t.orgId, '2026-13')).rejects.toBeInstanceOf(ApiError);
    await expect(countBillableConnections(t.service.ctx, t.orgId, 'March')).rejects.toBeInstanceOf(ApiError);
  });
});
