// Notifications: type filters are singular past tense (subscribed, tipped…); anything else is a 400.
import type { FastifyInstance } from 'fastify';
import { htmlText, isoTime } from '../data/formats.ts';
import { NOTIFICATION_TYPES, type NotificationType } from '../data/notifications.ts';
import { badRequest, notFound } from '../onlyfans-error.ts';
import { requireAccountData, type SandboxState } from '../sandbox-state.ts';
import { offsetPage, pageOf, queryOf, queryString } from './paging.ts';
import { slimUser } from './user-view.ts';

export function registerNotificationRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/api2/v2/users/notifications', async (req) => {
    const data = requireAccountData(req, state);
    const query = queryOf(req);
    const type = queryString(query, 'type');
    if (type !== undefined && !NOTIFICATION_TYPES.includes(type as NotificationType)) throw badRequest('Invalid notification type');
    const { limit, offset } = pageOf(query, 10);
    const rows = type === undefined ? data.notifications : data.notifications.filter((n) => n.type === type);
    const page = offsetPage(rows, limit, offset);
    return {
      list: page.list.map((n) => ({ id: n.id, type: n.type, createdAt: isoTime(n.createdAtMs), isRead: n.isRead, canGoToProfile: true, text: htmlText(n.text), user: slimUser(n.userId) })),
      hasMore: page.hasMore,
    };
  });

  app.get('/api2/v2/users/notifications/count', async (req) => {
    const data = requireAccountData(req, state);
    const unread = data.notifications.filter((n) => !n.isRead);
    const byType = Object.fromEntries(NOTIFICATION_TYPES.map((t) => [t, unread.filter((n) => n.type === t).length]));
    return { total: unread.length, ...byType };
  });

  app.post<{ Params: { id: string } }>('/api2/v2/users/notifications/:id/read', async (req) => {
    const notification = requireAccountData(req, state).notifications.find((n) => n.id === Number(req.params.id));
    if (!notification) throw notFound('Notification not found');
    notification.isRead = true;
    return { success: true };
  });
}
