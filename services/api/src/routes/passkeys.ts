import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Empty, PasskeyRegistration, PasskeyViewSchema, UserIdParams, WebAuthnOptions } from '../schemas';
import { loginSource } from '../application/login-source';
import { withRetryAfter } from './retry-after';

const CurrentPassword = Type.String({ minLength: 1, maxLength: 128, description: 'the officer’s password: passkeys are managed with it' });

/** An officer's own passkeys (docs/passkeys.md): registration options, registration, list, deletion. */
const passkeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.addHook('onRequest', app.authenticate);
  // The password is checked as a login is: limited per client address.
  const passwordChecked = { rateLimit: { max: services.limits.login, timeWindow: 60_000, keyGenerator: (request: { ip: string }) => `password:${loginSource(request.ip)}` } };

  app.post(
    '/users/:id/passkeys/options',
    {
      config: passwordChecked,
      schema: { params: UserIdParams, body: Type.Object({ currentPassword: CurrentPassword }, { additionalProperties: false }), response: { 200: WebAuthnOptions } },
    },
    async (request, reply) => ({
      options: (await withRetryAfter(reply, () => services.passkeys.registrationOptions(request.principal, Number(request.params.id), request.body.currentPassword, request.ip))) as unknown as Record<string, unknown>,
    }),
  );

  app.post(
    '/users/:id/passkeys',
    {
      schema: {
        params: UserIdParams,
        body: Type.Object({ response: PasskeyRegistration, name: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ passkey: PasskeyViewSchema }) },
      },
    },
    async (request, reply) => reply.status(201).send({ passkey: await services.passkeys.register(request.principal, Number(request.params.id), request.body) }),
  );

  app.get('/users/:id/passkeys', { schema: { params: UserIdParams, response: { 200: Type.Object({ passkeys: Type.Array(PasskeyViewSchema) }) } } }, async (request) => ({
    passkeys: await services.passkeys.list(request.principal, Number(request.params.id)),
  }));

  app.delete(
    '/users/:id/passkeys/:passkeyId',
    {
      config: passwordChecked,
      schema: {
        params: Type.Object({ id: UserIdParams.properties.id, passkeyId: Type.String({ format: 'uuid' }) }),
        body: Type.Object({ currentPassword: CurrentPassword }, { additionalProperties: false }),
        response: { 200: Empty },
      },
    },
    async (request, reply) => {
      await withRetryAfter(reply, () => services.passkeys.delete(request.principal, Number(request.params.id), request.params.passkeyId, request.body.currentPassword, request.ip));
      return {};
    },
  );
};
export default passkeyRoutes;
