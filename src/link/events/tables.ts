// Table owned by link/events/: the named steps of each Link session (opened, consent, credentials, 2FA, error, exit,
// success), timestamped, for the conversion funnel. Never a credential, a code or a client secret: only names, the
// step and a public error code.
import { sql } from 'drizzle-orm';
import { bigint, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { clientApps, orgs } from '../../account/tables.ts';
import { linkSessions } from '../tables.ts';

export const linkEvents = pgTable(
  'link_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    orgId: text('org_id').notNull().references(() => orgs.id, { onDelete: 'cascade' }),
    environment: text('environment').$type<'sandbox' | 'live'>().notNull(),
    clientAppId: text('client_app_id').notNull().references(() => clientApps.id, { onDelete: 'cascade' }),
    linkSessionId: text('link_session_id').notNull().references(() => linkSessions.id, { onDelete: 'cascade' }),
    /** opened | consent_accepted | credentials_submitted | 2fa_requested | 2fa_submitted | error | restarted | exit | success */
    name: text('name').notNull(),
    /** The step the session was at: consent | login | 2fa (for error and exit). */
    step: text('step'),
    /** The public error code (the redirect's error_code), for error events. */
    errorCode: text('error_code'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** When a Link page passed the event on to its embedding host (null: not yet, or never for whitelabel). */
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('link_events_session_idx').on(t.linkSessionId, t.id),
    // Steps that happen once per session are recorded once, however often the page is reloaded.
    uniqueIndex('link_events_once_uq')
      .on(t.linkSessionId, t.name)
      .where(sql`name in ('opened', 'consent_accepted', 'success')`),
  ],
);
