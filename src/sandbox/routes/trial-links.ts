// Trial links (OnlyFans' "trials", docs/onlyfans-web-api.md §9): free subscription days for whoever opens one, up
// to a number of claims and until an expiry. List, create, get, replace, delete and sharing their statistics;
// POST|DELETE /trials/share-access is the simulator's choice of path (not confirmed upstream).
import type { FastifyInstance } from 'fastify';
import { isoTime } from '../data/formats.ts';
import type { TrialLink } from '../data/promotions.ts';
import type { AccountData } from '../data/world.ts';
import { badRequest, notFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { parseUpstreamDate } from './date-range.ts';
import { applyShareAccess } from './link-sharing.ts';
import { offsetPage, pageOf, queryOf } from './paging.ts';

const MAX_NAME = 64;

function trialView(data: AccountData, trial: TrialLink, nowMs: number) {
  const isExpired = trial.expiresAtMs !== null && trial.expiresAtMs <= nowMs;
  const isFull = trial.subscribeCounts > 0 && trial.claimerIds.length >= trial.subscribeCounts;
  return {
    id: trial.id,
    trialLinkName: trial.name,
    url: `https://onlyfans.com/${data.profile.username}/trial/${trial.code}`,
    subscribeDays: trial.subscribeDays,
    subscribeCounts: trial.subscribeCounts,
    claimCounts: trial.claimerIds.length,
    createdAt: isoTime(trial.createdAtMs),
    expiredAt: trial.expiresAtMs === null ? null : isoTime(trial.expiresAtMs),
    isFinished: isExpired || isFull,
    sharedWithUserIds: trial.sharedWithIds,
  };
}

/** {trialLinkName, subscribeDays (1–30), subscribeCounts (0 = unlimited), expiredAt (date or null = never)}. */
function trialFields(body: Record<string, unknown>, nowMs: number): Pick<TrialLink, 'name' | 'subscribeDays' | 'subscribeCounts' | 'expiresAtMs'> {
  const name = body.trialLinkName;
  if (typeof name !== 'string' || name.trim() === '') throw badRequest('trialLinkName is required');
  if (name.trim().length > MAX_NAME) throw badRequest(`trialLinkName is longer than ${MAX_NAME} characters`);
  const days = body.subscribeDays;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 30) throw badRequest('subscribeDays must be a whole number from 1 to 30');
  const counts = body.subscribeCounts ?? 0;
  if (typeof counts !== 'number' || !Number.isInteger(counts) || counts < 0) throw badRequest('subscribeCounts must be a whole number, 0 for unlimited');
  const expiresAtMs = typeof body.expiredAt === 'string' && body.expiredAt !== '' ? parseUpstreamDate(body.expiredAt, 0) : null;
  if (expiresAtMs !== null && expiresAtMs <= nowMs) throw badRequest('expiredAt must be in the future');
  return { name: name.trim(), subscribeDays: days, subscribeCounts: counts, expiresAtMs };
}

function findTrial(data: AccountData, id: string): TrialLink {
  const trial = data.promotions.trialLinks.find((t) => t.id === Number(id));
  if (!trial) throw notFound('Trial not found');
  return trial;
}

function creatorData(req: Parameters<typeof requireAccountData>[0], state: SandboxState): AccountData {
  const data = requireAccountData(req, state);
  if (!data.profile.isPerformer) throw badRequest('Only creators have trial links');
  return data;
}

export function registerTrialLinkRoutes(app: FastifyInstance, state: SandboxState): void {
  const body = (req: { body?: unknown }) => (req.body ?? {}) as Record<string, unknown>;

  app.get('/api2/v2/trials', async (req) => {
    const data = requireAccountData(req, state);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const page = offsetPage(data.promotions.trialLinks.slice().sort((a, b) => b.createdAtMs - a.createdAtMs), limit, offset);
    return { list: page.list.map((t) => trialView(data, t, state.now())), hasMore: page.hasMore };
  });

  app.post('/api2/v2/trials', async (req) => {
    const data = creatorData(req, state);
    const book = data.promotions;
    const now = state.now();
    const id = ++book.nextId;
    const trial: TrialLink = { id, code: id.toString(36), createdAtMs: now, claimerIds: [], sharedWithIds: [], ...trialFields(body(req), now) };
    book.trialLinks.push(trial);
    return trialView(data, trial, now);
  });

  for (const method of ['post', 'delete'] as const) {
    app[method]('/api2/v2/trials/share-access', async (req) => {
      const data = creatorData(req, state);
      applyShareAccess(data, data.promotions.trialLinks, body(req), 'trialId', method === 'post');
      return { success: true };
    });
  }

  app.get<{ Params: { id: string } }>('/api2/v2/trials/:id', async (req) => {
    const data = requireAccountData(req, state);
    return trialView(data, findTrial(data, req.params.id), state.now());
  });

  app.put<{ Params: { id: string } }>('/api2/v2/trials/:id', async (req) => {
    const data = creatorData(req, state);
    const trial = findTrial(data, req.params.id);
    Object.assign(trial, trialFields(body(req), state.now()));
    return trialView(data, trial, state.now());
  });

  app.delete<{ Params: { id: string } }>('/api2/v2/trials/:id', async (req) => {
    const data = creatorData(req, state);
    const trial = findTrial(data, req.params.id);
    data.promotions.trialLinks = data.promotions.trialLinks.filter((t) => t !== trial);
    return { success: true };
  });
}
