import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Alg, Empty, QuorumTokenId, Signature, UserIdParams, UserViewSchema } from '../schemas';
import { loginSource } from '../application/login-source';
import { withRetryAfter } from './retry-after';

const Password = Type.String({ minLength: 1, maxLength: 128 });

/** listUsers, createUser, deleteUser, changePswd, registerQuorumPubKey. */
const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.addHook('onRequest', app.authenticate);
  app.get('/users', { schema: { response: { 200: Type.Object({ users: Type.Array(UserViewSchema) }) } } }, async (request) => ({ users: await services.users.list(request.principal) }));

  app.post(
    '/users',
    {
      schema: {
        body: Type.Object(
          { type: Type.String({ maxLength: 2 }), name: Type.String({ maxLength: 64 }), password: Password, quorumToken: Type.Optional(QuorumTokenId) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ user: UserViewSchema }) },
      },
    },
    async (request, reply) => {
      const user = await services.users.create(request.principal, request.body);
      return reply.status(201).send({ user });
    },
  );

  app.delete(
    '/users/:id',
    {
      schema: {
        params: UserIdParams,
        body: Type.Optional(
          Type.Object(
            {
              quorumToken: Type.Optional(QuorumTokenId),
              force: Type.Optional(Type.Boolean({ description: 'part of the signed operation (args.force): delete even if a service M is left above the officers who could approve' })),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 200: Empty },
      },
    },
    async (request) => {
      await services.users.delete(request.principal, Number(request.params.id), request.body ?? {});
      return {};
    },
  );

  app.put(
    '/users/:id/password',
    {
      // Changing one's own password checks the current one: limited like logins, per client address (an IPv6 one by its /64).
      // The one route a session with a one-time password may call (besides logout).
      config: { passwordChange: true, rateLimit: { max: services.limits.login, timeWindow: 60_000, keyGenerator: (request) => `password:${loginSource(request.ip)}` } },
      schema: {
        params: UserIdParams,
        body: Type.Object(
          {
            password: Password,
            currentPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'required to change one’s own password' })),
            quorumToken: Type.Optional(QuorumTokenId),
          },
          { additionalProperties: false },
        ),
        response: { 200: Empty },
      },
    },
    async (request, reply) => {
      await withRetryAfter(reply, () => services.users.changePassword(request.principal, Number(request.params.id), request.body, request.ip));
      return {};
    },
  );

  app.put(
    '/users/:id/hsm-username',
    {
      schema: {
        params: UserIdParams,
        body: Type.Object({ hsmUsername: Type.String({ minLength: 1, maxLength: 31 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ user: UserViewSchema }) },
      },
    },
    async (request) => ({ user: await services.users.setHsmUsername(request.principal, Number(request.params.id), request.body.hsmUsername) }),
  );

  app.post(
    '/users/:id/quorum-key/challenge',
    {
      schema: {
        params: UserIdParams,
        response: { 201: Type.Object({ challengeId: Type.String(), challenge: Type.String({ description: 'base64 of the bytes to sign' }), expiresAt: Type.String({ format: 'date-time' }) }) },
      },
    }, async (request, reply) => {
    const challenge = await services.quorumKeys.challenge(request.principal, Number(request.params.id));
    return reply.status(201).send(challenge);
  });

  app.put(
    '/users/:id/quorum-key',
    {
      schema: {
        params: UserIdParams,
        body: Type.Object(
          {
            publicKeyPem: Type.String({ minLength: 1, maxLength: 16384 }),
            challengeId: Type.String({ format: 'uuid' }),
            signature: Signature,
            alg: Alg,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ fingerprint: Type.String() }) },
      },
    },
    async (request) => services.quorumKeys.register(request.principal, Number(request.params.id), request.body),
  );
};
export default userRoutes;
