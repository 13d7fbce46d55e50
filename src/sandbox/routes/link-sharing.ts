// Sharing a tracking or trial link's statistics with other users: POST adds, DELETE removes. The body names the
// link and the users: {<linkIdField>, userId} or {<linkIdField>, userIds:[…]} (the simulator's choice; not
// confirmed upstream). The users must be ones the account knows.
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound, userNotFound } from '../onlyfans-error.ts';

interface Shareable {
  id: number;
  sharedWithIds: number[];
}

export function applyShareAccess<T extends Shareable>(data: AccountData, links: T[], body: Record<string, unknown>, linkIdField: string, isSharing: boolean): void {
  const linkId = Number(body[linkIdField]);
  if (!Number.isSafeInteger(linkId)) throw badRequest(`${linkIdField} is required`);
  const link = links.find((l) => l.id === linkId);
  if (!link) throw notFound('Link not found');
  const userIds = Array.isArray(body.userIds) ? body.userIds.map(Number) : body.userId !== undefined ? [Number(body.userId)] : [];
  if (userIds.length === 0) throw badRequest('userId or userIds is required');
  for (const userId of userIds) if (!data.relationsById.has(userId)) throw userNotFound();
  link.sharedWithIds = isSharing ? [...new Set([...link.sharedWithIds, ...userIds])] : link.sharedWithIds.filter((id) => !userIds.includes(id));
}
