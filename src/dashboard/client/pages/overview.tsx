// Overview: connections by status, new and expired in the last 7 days, webhook delivery success, requests per day.
import { api, fetchAllPages, type Page as ApiPage } from '../api.ts';
import { BarChart, Empty, Loaded, Page, useLoad } from '../components.tsx';
import { BASE, Link } from '../router.tsx';
import type { SessionInfo } from '../session.ts';
import type { Connection, Usage, WebhookMessage } from '../types.ts';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

interface Overview {
  connections: Connection[];
  truncated: boolean;
  messages: WebhookMessage[];
  usage: Usage;
}

async function loadOverview(): Promise<Overview> {
  const [connections, messages, usage] = await Promise.all([
    fetchAllPages<Connection>('/v2/account/connections', {}),
    api<ApiPage<WebhookMessage>>('GET', '/v2/webhooks/messages?limit=250'),
    api<Usage>('GET', '/v2/account/usage'),
  ]);
  return { connections: connections.list, truncated: connections.truncated, messages: messages.list, usage };
}

function Stat({ label, value, href }: { label: string; value: string | number; href?: string }) {
  return (
    <div class="stat">
      <span class="stat-value">{href ? <Link href={href}>{value}</Link> : value}</span>
      <span class="stat-label">{label}</span>
    </div>
  );
}

function requestsPerDay(usage: Usage): Array<{ label: string; value: number }> {
  const byDay = new Map<string, number>();
  for (const row of usage.list) byDay.set(row.day, (byDay.get(row.day) ?? 0) + row.requests);
  return [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, value]) => ({ label, value }));
}

export function OverviewPage({ session }: { session: SessionInfo }) {
  const state = useLoad(loadOverview, 'overview');
  return (
    <Page title="Overview">
      <p class="muted">
        Organization {session.orgName ?? session.orgId}, {session.environment} environment.
      </p>
      <Loaded state={state} what="the overview">
        {(data) => {
          const since = Date.now() - WEEK_MS;
          const count = (status: string) => data.connections.filter((c) => c.status === status).length;
          const created = data.connections.filter((c) => Date.parse(c.createdAt) >= since).length;
          const expired = data.connections.filter((c) => c.expiredAt && Date.parse(c.expiredAt) >= since).length;
          const finished = data.messages.filter((m) => m.status === 'succeeded' || m.status === 'failed');
          const succeeded = finished.filter((m) => m.status === 'succeeded').length;
          const failed = finished.length - succeeded;
          const days = requestsPerDay(data.usage);
          const plus = data.truncated ? '+' : '';
          return (
            <>
              <h2>Connections</h2>
              {data.connections.length === 0 ? (
                <Empty>
                  No connections yet. Connect an account with Link (<code>POST /v2/link/init</code>) or import a session.
                </Empty>
              ) : (
                <div class="stats">
                  <Stat label="all" value={`${data.connections.length}${plus}`} href={`${BASE}/connections`} />
                  <Stat label="active" value={count('active')} href={`${BASE}/connections?status=active`} />
                  <Stat label="expired" value={count('expired')} href={`${BASE}/connections?status=expired`} />
                  <Stat label="awaiting 2FA" value={count('awaiting_2fa')} href={`${BASE}/connections?status=awaiting_2fa`} />
                  <Stat label="new in the last 7 days" value={created} />
                  <Stat label="expired in the last 7 days" value={expired} />
                </div>
              )}
              <h2>Webhook deliveries</h2>
              {finished.length === 0 ? (
                <Empty>No finished webhook deliveries yet.</Empty>
              ) : (
                <div class="stats">
                  <Stat label={`delivered, of the last ${finished.length} finished messages`} value={`${Math.round((succeeded / finished.length) * 100)}%`} />
                  <Stat label="failed" value={failed} href={`${BASE}/webhooks/messages?status=failed`} />
                </div>
              )}
              <h2>Access requests per day</h2>
              {days.length === 0 ? (
                <Empty>No Access API requests from {data.usage.from} to {data.usage.to}.</Empty>
              ) : (
                <BarChart title={`Requests per day, ${data.usage.from} to ${data.usage.to} (${data.usage.totalRequests} in all)`} rows={days} />
              )}
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
