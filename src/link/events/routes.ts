// HTTP for link/events/: GET /v2/link/analytics (ofconnect extension), the Link conversion funnel of the key's org
// and environment.
import type { ServiceContext } from '../../platform/context.ts';
import type { HttpApp } from '../../platform/http/http-app.ts';
import { reportLinkFunnel } from './funnel.ts';
import { LinkAnalyticsQuery, LinkAnalyticsReply } from './schemas.ts';

export function registerLinkAnalyticsRoutes(app: HttpApp, ctx: ServiceContext): void {
  app.get('/v2/link/analytics', {
    config: { scope: 'link' },
    schema: {
      tags: ['Link'],
      summary: 'Link conversion funnel per client app and day (ofconnect extension)',
      description:
        'Sessions started → page opened → consent → credentials → 2FA → connected, per client app and UTC day the sessions started, with where the others stopped and the errors and exits seen at each step. Ranges of at most 92 days.',
      querystring: LinkAnalyticsQuery,
      response: { 200: LinkAnalyticsReply },
    },
  }, async (request) => reportLinkFunnel(ctx, request.auth, request.query));
}
