// Path routing for the one-page app: every /dashboard path is served the same page (src/dashboard/routes.ts), and this
// picks the view. Filters live in the query string, so a filtered list can be reloaded, shared and gone back to.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/dashboard';
const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of listeners) listener();
}

window.addEventListener('popstate', notify);

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
}

export interface Location {
  path: string;
  query: URLSearchParams;
}

export function currentLocation(): Location {
  return { path: location.pathname.replace(/\/+$/, '') || '/', query: new URLSearchParams(location.search) };
}

export function useLocation(): Location {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((tick) => tick + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return currentLocation();
}

/** The query string with some values changed (empty values removed), for filter links and forms. */
export function withQuery(path: string, query: URLSearchParams, changes: Record<string, string | null>): string {
  const next = new URLSearchParams(query);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === '') next.delete(name);
    else next.set(name, value);
  }
  const text = next.toString();
  return text ? `${path}?${text}` : path;
}

/** A list page's filter callback: a filter's new value replaces the URL (no history entry per choice) and goes back to the first page. */
export function filterInQuery(path: string, query: URLSearchParams): (name: string, value: string) => void {
  return (name, value) => navigate(withQuery(path, query, { [name]: value, offset: null }), { replace: true });
}

/** A list page's pager callback: the new offset goes into the URL (none for the first page), so Back and reload keep it. */
export function pageInQuery(path: string, query: URLSearchParams): (offset: number) => void {
  return (offset) => navigate(withQuery(path, query, { offset: offset ? String(offset) : null }));
}

type AnchorProps = JSX.HTMLAttributes<HTMLAnchorElement> & { href: string; children?: ComponentChildren };

/** An ordinary link (open in a new tab works) that navigates in place on a plain click. */
export function Link({ href, children, ...rest }: AnchorProps) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
