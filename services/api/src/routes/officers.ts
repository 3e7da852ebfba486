import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authenticate } from '../app';
import type { Services } from '../services';

/** A CO's queue and webhook; and, for operators, the dead letters of deliveries. */
export const officerRoutes = (services: Services): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/officers/me/pending',
    { schema: { querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })) }, { additionalProperties: false }) } },
    async (request) => ({
      tokens: await services.officers.pending(await authenticate(services, request), Math.min(Number(request.query.limit ?? 100), 500)),
    }),
  );

  app.get('/officers/me/webhook', async (request) => ({ webhook: (await services.officers.webhook(await authenticate(services, request))) ?? null }));

  app.put(
    '/officers/me/webhook',
    {
      schema: {
        body: Type.Object(
          { url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048 }), secret: Type.String({ minLength: 16, maxLength: 256 }) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({ webhook: await services.officers.setWebhook(await authenticate(services, request), request.body) }),
  );

  app.delete('/officers/me/webhook', async (request) => {
    await services.officers.removeWebhook(await authenticate(services, request));
    return {};
  });

  app.get(
    '/admin/deliveries',
    {
      schema: {
        querystring: Type.Object(
          { state: Type.Literal('failed'), limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => ({
      deliveries: await services.deliveries.failed(await authenticate(services, request), Math.min(Number(request.query.limit ?? 100), 500)),
    }),
  );

  app.post(
    '/admin/deliveries/:id/replay',
    { schema: { params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9._-]{1,120}$' }) }, { additionalProperties: false }) } },
    async (request, reply) => {
      await services.deliveries.replay(await authenticate(services, request), request.params.id);
      return reply.status(202).send({});
    },
  );
};
