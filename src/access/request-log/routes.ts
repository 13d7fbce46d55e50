// HTTP for the request log: GET /v2/account/connections/{connectionId}/requests (ofconnect extension, account scope).
import { ConnectionIdParams } from '../../connections/schemas.ts';
import type { ServiceContext } from '../../platform/context.ts';
import type { HttpApp } from '../../platform/http/http-app.ts';
import { listRequestLog } from './list.ts';
import { RequestLogPage, RequestLogQuery } from './schemas.ts';

export function registerRequestLogRoutes(app: HttpApp, ctx: ServiceContext): void {
  app.get('/v2/account/connections/:connectionId/requests', {
    config: { scope: 'account' },
    schema: {
      tags: ['Connections'],
      summary: 'The connection\'s Access request log, newest first (ofconnect extension)',
      description:
        'Every Access call made on the connection (managed endpoints and the raw proxy), written in batches: a call shows ' +
        'here within about a second. Kept for OFCONNECT_REQUEST_LOG_RETENTION_DAYS days.',
      params: ConnectionIdParams,
      querystring: RequestLogQuery,
      response: { 200: RequestLogPage },
    },
  }, async (request) => listRequestLog(ctx, request.auth, request.params.connectionId, request.query));
}
