import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { loginSource } from '../application/login-source';
import { Empty, UserViewSchema } from '../schemas';
import { withRetryAfter } from './retry-after';

/** loginHSM / logoutHSM. */
const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.post(
    '/sessions',
    {
      config: { rateLimit: { max: services.limits.login, timeWindow: 60_000, keyGenerator: (request) => `login:${loginSource(request.ip)}` } },
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 31 }), password: Type.String({ minLength: 1, maxLength: 128 }) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({
            token: Type.String(),
            user: Type.Object({
              id: UserViewSchema.properties.id,
              name: UserViewSchema.properties.name,
              type: UserViewSchema.properties.type,
              passwordChangeRequired: Type.Boolean({ description: 'the password was chosen by someone else and works once: this session may only set the user’s own (PUT /v1/users/{id}/password) or log out' }),
            }),
            expiresAt: Type.String({ format: 'date-time' }),
          }),
        },
      },
    },
    async (request, reply) => {
      const session = await withRetryAfter(reply, () => services.auth.login(request.body.name, request.body.password, request.ip));
      return reply.status(201).send({
        token: session.token,
        user: { id: session.user.id, name: session.user.name, type: session.user.type, passwordChangeRequired: session.user.passwordChangeRequired },
        expiresAt: new Date(session.expiresAt).toISOString(),
      });
    },
  );

  app.delete('/sessions/current', { onRequest: app.authenticate, config: { passwordChange: true }, schema: { response: { 200: Empty } } }, async (request) => {
    await services.auth.logout(request.principal);
    return {};
  });
};
export default sessionRoutes;
