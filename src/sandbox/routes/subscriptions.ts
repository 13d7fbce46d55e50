// Subscribers (creator side), subscriptions (fan side), counts and per-user notes/display names.
import type { FastifyInstance } from 'fastify';
import { isoTime } from '../data/formats.ts';
import type { Relation } from '../data/people.ts';
import { isRelationActive } from '../data/people.ts';
import { badRequest, userNotFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { offsetPage, pageOf, queryOf, queryString } from './paging.ts';
import { userView } from './user-view.ts';

const TYPES = ['active', 'expired', 'all'] as const;

function byType(relations: Relation[], type: string | undefined): Relation[] {
  const chosen = type ?? 'active';
  if (!(TYPES as readonly string[]).includes(chosen)) throw badRequest('Invalid type');
  if (chosen === 'all') return relations;
  return relations.filter((r) => isRelationActive(r) === (chosen === 'active'));
}

export function registerSubscriptionRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/api2/v2/subscriptions/subscribers', async (req) => {
    const data = requireAccountData(req, state);
    const query = queryOf(req);
    const online = queryString(query, 'filter[online]') === '1';
    const { limit, offset } = pageOf(query, 10, online ? 20 : 100);
    const rows = byType(data.relations.filter((r) => r.role === 'subscriber'), queryString(query, 'type'));
    const page = offsetPage(online ? [] : rows, limit, offset);
    return { list: page.list.map((r) => userView(r.person, data)), hasMore: page.hasMore };
  });

  app.get('/api2/v2/subscriptions/subscribers/latest', async (req) => {
    const data = requireAccountData(req, state);
    const { limit, offset } = pageOf(queryOf(req), 10);
    const rows = data.relations.filter((r) => r.role === 'subscriber');
    const page = offsetPage(rows, limit, offset);
    return {
      list: page.list.map((r) => ({
        id: r.person.id,
        username: r.person.username,
        name: r.person.name,
        subscribedBy: isRelationActive(r),
        subscribedByData: { subscribeAt: isoTime(r.subscribeAtMs), expiredAt: isoTime(r.expiredAtMs), subscribePrice: r.price },
        subscribedOnData: { subscribesSumm: r.subscribesSumm, tipsSumm: r.tipsSumm, messagesSumm: r.messagesSumm, postsSumm: r.postsSumm, streamsSumm: r.streamsSumm },
      })),
      hasMore: page.hasMore,
    };
  });

  app.get('/api2/v2/subscriptions/count/all', async (req) => {
    const data = requireAccountData(req, state);
    const count = (role: Relation['role']) => {
      const rows = data.relations.filter((r) => r.role === role);
      const active = rows.filter((r) => isRelationActive(r)).length;
      return {
        active,
        muted: 0,
        restricted: rows.filter((r) => r.isRestricted).length,
        expired: rows.length - active,
        blocked: rows.filter((r) => r.isBlocked).length,
        all: rows.length,
      };
    };
    const subscribers = count('subscriber');
    return { subscriptions: { ...count('subscription'), attention: 0 }, subscribers: { ...subscribers, activeOnline: Math.floor(subscribers.active / 10) } };
  });

  app.get('/api2/v2/subscriptions/subscribes', async (req) => {
    const data = requireAccountData(req, state);
    const query = queryOf(req);
    const { limit, offset } = pageOf(query, 10);
    const rows = byType(data.relations.filter((r) => r.role === 'subscription'), queryString(query, 'type') ?? 'all');
    const page = offsetPage(rows, limit, offset);
    return { list: page.list.map((r) => userView(r.person, data)), hasMore: page.hasMore };
  });

  app.put<{ Params: { userId: string } }>('/api2/v2/subscriptions/:userId', async (req) => {
    const relation = requireAccountData(req, state).relationsById.get(Number(req.params.userId));
    if (!relation) throw userNotFound();
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (body.notice === undefined && body.displayName === undefined) throw badRequest('Nothing to update');
    if (body.notice !== undefined) {
      if (typeof body.notice !== 'string') throw badRequest('notice must be a string');
      relation.notice = body.notice;
    }
    if (body.displayName !== undefined) {
      if (typeof body.displayName !== 'string') throw badRequest('displayName must be a string');
      relation.displayName = body.displayName;
    }
    return { success: true };
  });

  // A renewal discount for one fan. The period is in days (docs/onlyfans-web-api.md §9 does not pin the unit;
  // the simulator's choice). Giving a new one replaces the running one; 0 % removes it.
  app.put<{ Params: { userId: string } }>('/api2/v2/subscriptions/:userId/discount', async (req) => {
    const data = requireAccountData(req, state);
    const relation = data.relationsById.get(Number(req.params.userId));
    if (!relation || relation.role !== 'subscriber') throw userNotFound();
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { discount, period } = body;
    if (typeof discount !== 'number' || discount < 0 || discount > 100) throw badRequest('discount must be a number from 0 to 100');
    if (typeof period !== 'number' || !Number.isInteger(period) || period < 1 || period > 365) throw badRequest('period must be a whole number of days from 1 to 365');
    const now = state.now();
    // 0 % takes the discount away.
    relation.discount = discount === 0 ? null : { percent: discount, periodDays: period, startedAtMs: now, finishedAtMs: now + period * 86_400_000 };
    return { success: true };
  });
}
