import { GroupViewSchema, PolicySchema, ServiceViewSchema } from '@quorumd/core';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { QuorumTokenId } from '../schemas';

const ServiceName = Type.Object({ service: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false });
const GroupName = Type.Object({ group: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false });
const Force = Type.Optional(Type.Boolean({ description: 'part of the signed operation (args.force): change even if a policy is left unsatisfiable by the officers holding keys' }));
const ServiceReply = Type.Object({ service: ServiceViewSchema });

/** Quorum services with their policies, and groups of officers (docs/policies.md). */
const policyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.addHook('onRequest', app.authenticate);

  app.get('/quorum/services', { schema: { response: { 200: Type.Object({ services: Type.Array(ServiceViewSchema) }) } } }, async (request) => ({
    services: await services.policies.services(request.principal),
  }));

  app.get('/quorum/services/:service', { schema: { params: ServiceName, response: { 200: ServiceReply } } }, async (request) => ({
    service: await services.policies.service(request.principal, request.params.service),
  }));

  app.put(
    '/quorum/services/:service',
    {
      schema: {
        params: ServiceName,
        body: Type.Object({ policy: PolicySchema, quorumToken: Type.Optional(QuorumTokenId), force: Force }, { additionalProperties: false }),
        response: { 200: ServiceReply, 201: ServiceReply },
      },
    },
    async (request, reply) => {
      const done = await services.policies.setPolicy(request.principal, request.params.service, request.body);
      return reply.status(done.created ? 201 : 200).send({ service: done.service });
    },
  );

  app.delete(
    '/quorum/services/:service',
    {
      schema: {
        params: ServiceName,
        body: Type.Optional(Type.Object({ quorumToken: Type.Optional(QuorumTokenId) }, { additionalProperties: false })),
        response: { 200: Type.Object({}) },
      },
    },
    async (request) => {
      await services.policies.deleteService(request.principal, request.params.service, request.body ?? {});
      return {};
    },
  );

  app.get('/groups', { schema: { response: { 200: Type.Object({ groups: Type.Array(GroupViewSchema) }) } } }, async (request) => ({
    groups: await services.policies.groups(request.principal),
  }));

  app.put(
    '/groups/:group',
    {
      schema: {
        params: GroupName,
        body: Type.Object({ members: Type.Array(Type.Integer(), { maxItems: 256 }), quorumToken: Type.Optional(QuorumTokenId), force: Force }, { additionalProperties: false }),
        response: { 200: Type.Object({ group: GroupViewSchema }) },
      },
    },
    async (request) => ({ group: await services.policies.setGroup(request.principal, request.params.group, request.body) }),
  );
};
export default policyRoutes;
