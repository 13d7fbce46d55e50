// The Link section's two views: its client apps and its recent sessions.
import { BASE, Link } from '../router.tsx';

export function LinkTabs({ current }: { current: 'apps' | 'sessions' }) {
  const tabs = [
    ['apps', `${BASE}/link`, 'Client apps'],
    ['sessions', `${BASE}/link/sessions`, 'Recent sessions'],
  ] as const;
  return (
    <nav class="tabs" aria-label="Link">
      {tabs.map(([name, href, label]) => (
        <Link key={name} href={href} aria-current={name === current ? 'page' : undefined}>
          {label}
        </Link>
      ))}
    </nav>
  );
}
