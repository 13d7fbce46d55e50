// What a family of Access endpoints hands the catalogue: the permissions its routes need, its table entries, and,
// for routes that are not table entries, their registration.
import type { ServiceContext } from '../../platform/context.ts';
import type { HttpApp } from '../../platform/http/http-app.ts';
import type { AccessPipeline } from '../access-pipeline.ts';
import type { ConnectionPermission, ManagedEndpoint } from './define-endpoint.ts';

export interface AccessFamily {
  name: string;
  /** Every permission the family's routes need (the catalogue assembles the Access permission list from these). */
  permissions: readonly ConnectionPermission[];
  /** Managed endpoints: one upstream call (or a few) answered in the SDK's shape; routes.ts registers them all. */
  endpoints: readonly ManagedEndpoint[];
  /**
   * Routes that are not table entries, registered inside their own encapsulated Fastify scope beside the catalogue,
   * so they can change what the rest of the API keeps (content-type parsers, body limits). Uploads (a later issue)
   * go here: they stream request bodies to upstream instead of validating a JSON body. Such routes take the same
   * path as every Access call: `pipeline.run(request, reply, permission, work)`.
   */
  registerRoutes?: (scope: HttpApp, pipeline: AccessPipeline, ctx: ServiceContext) => void | Promise<void>;
}

export function defineFamily(family: AccessFamily): AccessFamily {
  return family;
}
