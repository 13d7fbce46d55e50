// The dashboard's browser app: checks for a session, shows sign-in or the console, and routes by path.
import './styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, onSessionEnded, setCsrfToken } from './api.ts';
import { Page } from './components.tsx';
import { ApiKeysPage } from './pages/api-keys.tsx';
import { AuditLogPage } from './pages/audit-log.tsx';
import { ClientAppsPage } from './pages/client-apps.tsx';
import { LinkSessionsPage } from './pages/link-sessions.tsx';
import { ConnectionPage } from './pages/connection.tsx';
import { ConnectionsPage } from './pages/connections.tsx';
import { OverviewPage } from './pages/overview.tsx';
import { SandboxPage } from './pages/sandbox.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { UsagePage } from './pages/usage.tsx';
import { EndpointPage, EndpointsPage } from './pages/webhook-endpoints.tsx';
import { MessagePage, MessagesPage } from './pages/webhook-messages.tsx';
import { BASE, Link, navigate, useLocation, type Location } from './router.tsx';
import type { SessionInfo } from './session.ts';

interface NavItem {
  href: string;
  label: string;
  /** Paths under it that keep it marked current. */
  prefix: string;
  sandboxOnly?: boolean;
}

const NAV: NavItem[] = [
  { href: BASE, label: 'Overview', prefix: `${BASE}/overview` },
  { href: `${BASE}/connections`, label: 'Connections', prefix: `${BASE}/connections` },
  { href: `${BASE}/api-keys`, label: 'API keys', prefix: `${BASE}/api-keys` },
  { href: `${BASE}/webhooks`, label: 'Webhooks', prefix: `${BASE}/webhooks/endpoints` },
  { href: `${BASE}/webhooks/messages`, label: 'Deliveries', prefix: `${BASE}/webhooks/messages` },
  { href: `${BASE}/link`, label: 'Link', prefix: `${BASE}/link` },
  { href: `${BASE}/usage`, label: 'Usage', prefix: `${BASE}/usage` },
  { href: `${BASE}/audit-log`, label: 'Audit log', prefix: `${BASE}/audit-log` },
  { href: `${BASE}/sandbox`, label: 'Sandbox tools', prefix: `${BASE}/sandbox`, sandboxOnly: true },
];

function isCurrent(item: NavItem, path: string): boolean {
  return path === item.href || path.startsWith(`${item.prefix}/`) || path === item.prefix;
}

function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no dashboard page here. <Link href={BASE}>Go to the overview</Link>.
      </p>
    </Page>
  );
}

function route(location: Location, session: SessionInfo) {
  const path = location.path;
  const param = (prefix: string) => (path.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length)) : null);
  if (path === BASE) return <OverviewPage session={session} />;
  if (path === `${BASE}/connections`) return <ConnectionsPage query={location.query} />;
  const connectionId = param(`${BASE}/connections/`);
  if (connectionId && !connectionId.includes('/')) return <ConnectionPage connectionId={connectionId} />;
  if (path === `${BASE}/api-keys`) return <ApiKeysPage session={session} />;
  if (path === `${BASE}/webhooks`) return <EndpointsPage />;
  const endpointId = param(`${BASE}/webhooks/endpoints/`);
  if (endpointId && !endpointId.includes('/')) return <EndpointPage endpointId={endpointId} />;
  if (path === `${BASE}/webhooks/messages`) return <MessagesPage query={location.query} />;
  const messageId = param(`${BASE}/webhooks/messages/`);
  if (messageId && !messageId.includes('/')) return <MessagePage messageId={messageId} />;
  if (path === `${BASE}/link`) return <ClientAppsPage session={session} />;
  if (path === `${BASE}/link/sessions`) return <LinkSessionsPage query={location.query} />;
  if (path === `${BASE}/usage`) return <UsagePage />;
  if (path === `${BASE}/audit-log`) return <AuditLogPage query={location.query} />;
  if (path === `${BASE}/sandbox`) return <SandboxPage session={session} />;
  return <NotFound />;
}

function Console({ session, onSignOut }: { session: SessionInfo; onSignOut(): void }) {
  const location = useLocation();
  const signOut = async () => {
    try {
      await api('DELETE', '/dashboard/session');
    } finally {
      onSignOut();
    }
  };
  return (
    <div class="layout">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href={BASE} class="brand">
          ofconnect
        </Link>
        <span class={`env env-${session.environment}`} title="The environment this session shows and acts in">
          {session.environment}
        </span>
        <span class="org" title={session.orgId}>
          {session.orgName ?? session.orgId}
        </span>
        <button type="button" class="sign-out" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav class="side" aria-label="Dashboard">
        <ul>
          {NAV.filter((item) => !item.sandboxOnly || session.environment === 'sandbox').map((item) => (
            <li key={item.href}>
              <Link href={item.href} aria-current={isCurrent(item, location.path) ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main">{route(location, session)}</main>
    </div>
  );
}

function App() {
  /** undefined while the session is being checked; null when signed out. */
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const signedIn = (info: SessionInfo) => {
    setCsrfToken(info.csrfToken);
    setSession(info);
  };
  const signedOut = () => {
    setCsrfToken(null);
    setSession(null);
  };
  useEffect(() => {
    onSessionEnded(signedOut);
    api<SessionInfo>('GET', '/dashboard/session').then(signedIn, signedOut);
  }, []);
  if (session === undefined) return <p class="boot">Loading the dashboard…</p>;
  if (session === null) return <SignInPage onSignedIn={signedIn} />;
  return <Console session={session} onSignOut={() => {
    signedOut();
    navigate(BASE, { replace: true });
  }} />;
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
