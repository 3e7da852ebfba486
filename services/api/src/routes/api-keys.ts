import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ApiKeyViewSchema, Empty } from '../schemas';

/** API keys for automation. The key is shown once, at creation. */
const apiKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.addHook('onRequest', app.authenticate);
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
    async (request, reply) => reply.status(201).send(await services.apiKeys.create(request.principal, request.body)),
  );

  app.get('/api-keys', { schema: { response: { 200: Type.Object({ apiKeys: Type.Array(ApiKeyViewSchema) }) } } }, async (request) => ({ apiKeys: await services.apiKeys.list(request.principal) }));

  app.delete(
    '/api-keys/:id',
    { schema: { params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{12}$' }) }, { additionalProperties: false }), response: { 200: Empty } } },
    async (request) => {
      await services.apiKeys.delete(request.principal, request.params.id);
      return {};
    },
  );
};
export default apiKeyRoutes;
