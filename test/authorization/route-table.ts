// The running service's route table, read from Fastify's router (every route, hidden ones included: the Link pages,
// the simulator's control passthrough), so the authorization matrix is generated, never hand-listed. Fastify prints
// one radix tree per method; a route is a line with methods, its path the concatenation of its ancestors' segments.
import type { RunningService } from '../../src/service.ts';

export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

export interface RouteEntry {
  method: RouteMethod;
  /** As registered: `/v2/account/connections/:connectionId`, `/v2/access/proxy/*`. */
  url: string;
}

const TREE_LINE = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/;

export function routeTableOf(service: RunningService): RouteEntry[] {
  const routes: RouteEntry[] = [];
  for (const method of ROUTE_METHODS) {
    const stack: string[] = [];
    for (const line of service.built.app.printRoutes({ method, commonPrefix: true }).split('\n')) {
      const match = TREE_LINE.exec(line);
      if (!match) continue;
      const depth = match[1].length / 4;
      stack.length = depth;
      stack.push(match[2]);
      const methods = match[3]?.split(', ') ?? [];
      if (methods.includes(method)) routes.push({ method, url: stack.join('') });
    }
  }
  return routes;
}

/** A concrete path for a route: every parameter and wildcard filled with a value that names nothing. */
export function concretePath(url: string, fill = 'probe1'): string {
  return url.replace(/:[A-Za-z0-9_]+/g, fill).replace(/\*$/, fill);
}
