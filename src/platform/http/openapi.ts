// The OpenAPI 3 document, generated from the routes' TypeBox schemas and served at GET /openapi.json.
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

export const API_VERSION = '1.0.0';

export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ofconnect API',
        version: API_VERSION,
        description:
          'Self-hosted, OFAuth v2 wire-compatible API. Authenticate with the apikey header; the key (sk_sandbox_… or sk_live_…) selects the environment.',
      },
      components: {
        securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'apikey' } },
      },
    },
    // Routes that need a key say so in the document.
    transform: ({ schema, url, route }) => {
      const scope = (route.config as { scope?: string } | undefined)?.scope;
      const transformed = { ...(schema ?? {}) } as Record<string, unknown>;
      if (scope) transformed.security = [{ apiKey: [] }];
      return { schema: transformed as never, url };
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
