// Account and session endpoints: /init, /users/me, /users/{id|username}, /users/list, sessions, logout,
// blocked and restricted users.
import type { FastifyInstance } from 'fastify';
import { formatClearCookie } from '../cookies.ts';
import { isoTime } from '../data/formats.ts';
import type { Person } from '../data/people.ts';
import { AccountData } from '../data/world.ts';
import { guestFor } from '../login.ts';
import { badRequest, userNotFound } from '../onlyfans-error.ts';
import { identityOf, requireAccountData, requireSession, type SandboxState } from '../sandbox-state.ts';
import { realtimeCredentials } from '../realtime/hub.ts';
import { offsetPage, pageOf, queryList, queryOf } from './paging.ts';
import { meView, personOfAccount, userView } from './user-view.ts';

const EDITABLE_PROFILE_FIELDS = ['about', 'name', 'location', 'website', 'replyOnSubscribe'] as const;
const MAX_USERS_PER_LIST_LOOKUP = 50;

function resolvePerson(found: Person | AccountData | undefined): Person | undefined {
  if (!found) return undefined;
  return found instanceof AccountData ? personOfAccount(found) : found;
}

export function registerAccountRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/api2/v2/init', async (req, reply) => {
    const session = identityOf(req).session;
    if (!session) {
      const guest = guestFor(req, reply, state);
      return { isAuth: false, userId: 0, csrf: guest.csrf, isShowCookiesPopup: false, isRequestFromBot: false };
    }
    const me = meView(state.world.dataFor(session.account));
    return { isAuth: true, userId: me.id, isShowCookiesPopup: false, isRequestFromBot: false, counters: { chatMessagesCount: me.chatMessagesCount, notificationsCount: me.notificationsCount } };
  });

  app.get('/api2/v2/users/me', async (req, reply) => {
    const session = identityOf(req).session;
    if (!session) {
      guestFor(req, reply, state);
      return { isAuth: false, id: 0, name: 'Guest', username: '' };
    }
    // The realtime channel's URL and token (docs/onlyfans-realtime.md §1.1), fresh on every read as upstream's are.
    return { ...meView(state.world.dataFor(session.account)), ...realtimeCredentials(state, session.account, session.sessHash, req.headers.host) };
  });

  app.patch('/api2/v2/users/me', async (req) => {
    const data = requireAccountData(req, state);
    const body = (req.body ?? {}) as Record<string, unknown>;
    for (const field of EDITABLE_PROFILE_FIELDS) {
      const value = body[field];
      if (value === undefined) continue;
      if (field === 'replyOnSubscribe') {
        if (typeof value !== 'boolean') throw badRequest('replyOnSubscribe must be a boolean');
        data.profile.replyOnSubscribe = value;
      } else {
        if (typeof value !== 'string') throw badRequest(`${field} must be a string`);
        data.profile[field] = value;
      }
    }
    return { success: true };
  });

  app.get('/api2/v2/users/list', async (req) => {
    const data = requireAccountData(req, state);
    const ids = queryList(queryOf(req), 'm[]').slice(0, MAX_USERS_PER_LIST_LOOKUP);
    void data.relations;
    const out: Record<string, unknown> = {};
    for (const id of ids) {
      const person = resolvePerson(state.world.directory.find(id));
      if (person) out[String(person.id)] = userView(person, data);
    }
    return out;
  });

  app.get<{ Params: { user: string } }>('/api2/v2/users/:user', async (req) => {
    const data = requireAccountData(req, state);
    void data.relations;
    if (req.params.user === String(data.profile.id) || req.params.user === data.profile.username) return meView(data);
    const person = resolvePerson(state.world.directory.find(req.params.user));
    if (!person) throw userNotFound();
    return userView(person, data);
  });

  app.get('/api2/v2/sessions', async (req) => {
    const current = requireSession(req);
    return {
      list: (await state.sessions.sessionsOf(current.account.userId)).map((session) => ({
        id: session.authUid.slice(0, 12),
        createdAt: isoTime(session.createdAt),
        userAgent: session.userAgent,
        ip: session.sessHash === current.sessHash ? (current.ip ?? session.ip) : session.ip,
        isCurrent: session.sessHash === current.sessHash,
      })),
    };
  });

  // Logs out every other browser; the caller's own session stays (the web app's "close other sessions").
  app.delete('/api2/v2/sessions', async (req) => {
    const current = requireSession(req);
    await state.sessions.revokeUser(current.account.userId, current.sess);
    return { success: true };
  });

  app.post('/api2/v2/users/logout', async (req, reply) => {
    const session = requireSession(req);
    await state.sessions.revoke(session.sess);
    reply.header('set-cookie', ['sess', 'auth_id', `auth_uid_${session.account.userId}`].map(formatClearCookie));
    return { success: true };
  });

  for (const [path, flag] of [
    ['blocked', 'isBlocked'],
    ['restrict', 'isRestricted'],
  ] as const) {
    app.get(`/api2/v2/users/${path}`, async (req) => {
      const data = requireAccountData(req, state);
      const { limit, offset } = pageOf(queryOf(req), 10);
      const rows = data.relations.filter((r) => r[flag]).map((r) => userView(r.person, data));
      return offsetPage(rows, limit, offset);
    });
    const action = path === 'blocked' ? 'block' : 'restrict';
    app.post<{ Params: { id: string } }>(`/api2/v2/users/:id/${action}`, async (req) => {
      const relation = requireAccountData(req, state).relationsById.get(Number(req.params.id));
      if (!relation) throw userNotFound();
      relation[flag] = true;
      return { success: true };
    });
    app.delete<{ Params: { id: string } }>(`/api2/v2/users/:id/${action}`, async (req) => {
      const relation = requireAccountData(req, state).relationsById.get(Number(req.params.id));
      if (!relation) throw userNotFound();
      relation[flag] = false;
      return { success: true };
    });
  }
}
