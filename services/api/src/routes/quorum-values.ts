import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { MValueSchema, QuorumTokenId, ServiceParams } from '../schemas';

/** getMValue / setMValue. */
const quorumRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.addHook('onRequest', app.authenticate);
  app.get('/quorum/values', { schema: { response: { 200: Type.Object({ values: Type.Array(MValueSchema) }) } } }, async (request) => ({ values: await services.mValues.list(request.principal) }));

  app.get('/quorum/values/:service', { schema: { params: ServiceParams, response: { 200: MValueSchema } } }, async (request) =>
    services.mValues.get(request.principal, request.params.service),
  );

  app.put(
    '/quorum/values/:service',
    {
      schema: {
        params: ServiceParams,
        body: Type.Object(
          { m: Type.Integer(), quorumToken: Type.Optional(QuorumTokenId), force: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: { 200: MValueSchema },
      },
    },
    async (request) => services.mValues.set(request.principal, request.params.service, request.body),
  );
};
export default quorumRoutes;
