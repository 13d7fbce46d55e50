// Tracking links (OnlyFans' "campaigns", docs/onlyfans-web-api.md §9): list, create, get, replace, delete, the fans
// who subscribed through one, and sharing its statistics. GET /campaigns/{id}/claimers and
// POST|DELETE /campaigns/share-access are the simulator's choice of path (not confirmed upstream).
import type { FastifyInstance } from 'fastify';
import { isoTime } from '../data/formats.ts';
import type { TrackingLink } from '../data/promotions.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { applyShareAccess } from './link-sharing.ts';
import { offsetPage, pageOf, queryOf } from './paging.ts';
import { userView } from './user-view.ts';

const MAX_NAME = 64;

function linkView(data: AccountData, link: TrackingLink) {
  return {
    id: link.id,
    campaignCode: link.code,
    campaignName: link.name,
    campaignUrl: `https://onlyfans.com/${data.profile.username}/c${link.code}`,
    subscribersCount: link.claimerIds.length,
    clicksCount: link.clicksCount,
    createdAt: isoTime(link.createdAtMs),
    endDate: null,
    isFinished: false,
    sharedWithUserIds: link.sharedWithIds,
  };
}

function nameOf(body: unknown): string {
  const name = (body as Record<string, unknown> | undefined)?.campaignName;
  if (typeof name !== 'string' || name.trim() === '') throw badRequest('campaignName is required');
  if (name.trim().length > MAX_NAME) throw badRequest(`campaignName is longer than ${MAX_NAME} characters`);
  return name.trim();
}

function findLink(data: AccountData, id: string): TrackingLink {
  const link = data.promotions.trackingLinks.find((l) => l.id === Number(id));
  if (!link) throw notFound('Campaign not found');
  return link;
}

function creatorData(req: Parameters<typeof requireAccountData>[0], state: SandboxState): AccountData {
  const data = requireAccountData(req, state);
  if (!data.profile.isPerformer) throw badRequest('Only creators have tracking links');
  return data;
}

export function registerTrackingLinkRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/api2/v2/campaigns', async (req) => {
    const data = requireAccountData(req, state);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const page = offsetPage(data.promotions.trackingLinks.slice().sort((a, b) => b.createdAtMs - a.createdAtMs), limit, offset);
    return { list: page.list.map((l) => linkView(data, l)), hasMore: page.hasMore };
  });

  app.post('/api2/v2/campaigns', async (req) => {
    const data = creatorData(req, state);
    const book = data.promotions;
    const id = ++book.nextId;
    const link: TrackingLink = { id, code: id.toString(36), name: nameOf(req.body), createdAtMs: state.now(), clicksCount: 0, claimerIds: [], sharedWithIds: [] };
    book.trackingLinks.push(link);
    return linkView(data, link);
  });

  // Static paths before /campaigns/:id (find-my-way prefers them anyway; kept together for the reader).
  for (const method of ['post', 'delete'] as const) {
    app[method]('/api2/v2/campaigns/share-access', async (req) => {
      const data = creatorData(req, state);
      applyShareAccess(data, data.promotions.trackingLinks, (req.body ?? {}) as Record<string, unknown>, 'campaignId', method === 'post');
      return { success: true };
    });
  }

  app.get<{ Params: { id: string } }>('/api2/v2/campaigns/:id', async (req) => {
    const data = requireAccountData(req, state);
    return linkView(data, findLink(data, req.params.id));
  });

  app.put<{ Params: { id: string } }>('/api2/v2/campaigns/:id', async (req) => {
    const data = creatorData(req, state);
    const link = findLink(data, req.params.id);
    link.name = nameOf(req.body);
    return linkView(data, link);
  });

  app.delete<{ Params: { id: string } }>('/api2/v2/campaigns/:id', async (req) => {
    const data = creatorData(req, state);
    const link = findLink(data, req.params.id);
    data.promotions.trackingLinks = data.promotions.trackingLinks.filter((l) => l !== link);
    return { success: true };
  });

  app.get<{ Params: { id: string } }>('/api2/v2/campaigns/:id/claimers', async (req) => {
    const data = requireAccountData(req, state);
    const link = findLink(data, req.params.id);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const claimers = link.claimerIds.map((id) => data.relationsById.get(id)).filter((r) => r !== undefined);
    const page = offsetPage(claimers, limit, offset);
    return { list: page.list.map((r) => ({ ...userView(r.person, data), claimedAt: isoTime(r.subscribeAtMs) })), hasMore: page.hasMore };
  });
}
