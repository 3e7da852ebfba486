import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authenticate } from '../app';
import { ApiKeyViewSchema, Empty } from '../schemas';
import type { Services } from '../services';

/** API keys for automation. The key is shown once, at creation. */
export const apiKeyRoutes = (services: Services): FastifyPluginAsyncTypebox => async (app) => {
  app.post(
    '/api-keys',
    {
      schema: {
        body: Type.Object(
          {
            name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
            scopes: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { minItems: 1, maxItems: 8 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ apiKey: ApiKeyViewSchema, key: Type.String({ description: 'shown once' }) }) },
      },
    },
    async (request, reply) => reply.status(201).send(await services.apiKeys.create(await authenticate(services, request), request.body)),
  );

  app.get('/api-keys', { schema: { response: { 200: Type.Object({ apiKeys: Type.Array(ApiKeyViewSchema) }) } } }, async (request) => ({ apiKeys: await services.apiKeys.list(await authenticate(services, request)) }));

  app.delete(
    '/api-keys/:id',
    { schema: { params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{12}$' }) }, { additionalProperties: false }), response: { 200: Empty } } },
    async (request) => {
      await services.apiKeys.delete(await authenticate(services, request), request.params.id);
      return {};
    },
  );
};
