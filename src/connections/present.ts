// The connection as the API and webhooks show it (OFAuth's Connection and webhook payload shapes).
import type { ConnectionRow } from './store.ts';

type ApiStatus = 'active' | 'expired' | 'awaiting_2fa';

export interface UserData {
  id: string;
  name: string;
  username: string;
  avatar: string | null;
}

export function userDataOf(row: ConnectionRow): UserData {
  const data = (row.userData ?? {}) as Partial<UserData>;
  return {
    id: data.id ?? row.platformUserId ?? '',
    name: data.name ?? '',
    username: data.username ?? '',
    avatar: data.avatar ?? null,
  };
}

export function presentConnection(row: ConnectionRow) {
  return {
    id: row.id,
    status: row.status as ApiStatus,
    userData: userDataOf(row),
    permissions: row.permissions,
    expiredAt: row.expiredAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    clientReferenceId: row.clientReferenceId,
    imported: row.imported,
    lastCheckedAt: row.lastCheckedAt?.toISOString() ?? null,
  };
}

export type PresentedConnection = ReturnType<typeof presentConnection>;
