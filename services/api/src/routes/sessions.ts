import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Empty, UserViewSchema } from '../schemas';
import { withRetryAfter } from './retry-after';

/** loginHSM / logoutHSM. */
const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.post(
    '/sessions',
    {
      config: { rateLimit: { max: services.limits.login, timeWindow: 60_000, keyGenerator: (request) => `login:${request.ip}` } },
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 31 }), password: Type.String({ minLength: 1, maxLength: 128 }) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ token: Type.String(), user: Type.Pick(UserViewSchema, ['id', 'name', 'type']), expiresAt: Type.String({ format: 'date-time' }) }),
        },
      },
    },
    async (request, reply) => {
      const session = await withRetryAfter(reply, () => services.auth.login(request.body.name, request.body.password, request.ip));
      return reply.status(201).send({
        token: session.token,
        user: { id: session.user.id, name: session.user.name, type: session.user.type },
        expiresAt: new Date(session.expiresAt).toISOString(),
      });
    },
  );

  app.delete('/sessions/current', { onRequest: app.authenticate, schema: { response: { 200: Empty } } }, async (request) => {
    await services.auth.logout(request.principal);
    return {};
  });
};
export default sessionRoutes;
