import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Empty, PasskeyAssertion, PasskeyRegistration, PasskeyViewSchema, UserIdParams, WebAuthnOptions } from '../schemas';
import { loginSource } from '../application/login-source';
import { withRetryAfter } from './retry-after';

/** An assertion by one of the officer's passkeys over the challenge of POST .../passkeys/confirmation-options: required once it holds one. */
const Confirmation = { ...PasskeyAssertion, description: 'an assertion by one of your passkeys over the challenge of POST /v1/users/{id}/passkeys/confirmation-options (required once you hold a passkey)' };
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
    '/users/:id/passkeys/confirmation-options',
    {
      config: passwordChecked,
      schema: { params: UserIdParams, body: Type.Object({ currentPassword: CurrentPassword }, { additionalProperties: false }), response: { 200: WebAuthnOptions } },
    },
    async (request, reply) => ({
      options: (await withRetryAfter(reply, () => services.passkeys.confirmationOptions(request.principal, Number(request.params.id), request.body.currentPassword, request.ip))) as unknown as Record<string, unknown>,
    }),
  );

  app.post(
    '/users/:id/passkeys',
    {
      schema: {
        params: UserIdParams,
        body: Type.Object({ response: PasskeyRegistration, name: Type.String({ minLength: 1, maxLength: 64 }), confirmation: Type.Optional(Confirmation) }, { additionalProperties: false }),
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
        body: Type.Object({ currentPassword: CurrentPassword, confirmation: Type.Optional(Confirmation) }, { additionalProperties: false }),
        response: { 200: Empty },
      },
    },
    async (request, reply) => {
      await withRetryAfter(reply, () => services.passkeys.delete(request.principal, Number(request.params.id), request.params.passkeyId, request.body, request.ip));
      return {};
    },
  );
};
export default passkeyRoutes;
