import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { authenticate } from '../app';
import { MValueSchema, QuorumTokenId, ServiceParams } from '../schemas';
import type { Services } from '../services';

/** getMValue / setMValue. */
export const quorumRoutes = (services: Services): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/quorum/values', { schema: { response: { 200: Type.Object({ values: Type.Array(MValueSchema) }) } } }, async (request) => ({ values: await services.users.mValues(await authenticate(services, request)) }));

  app.get('/quorum/values/:service', { schema: { params: ServiceParams, response: { 200: MValueSchema } } }, async (request) =>
    services.users.mValue(await authenticate(services, request), request.params.service),
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
    async (request) => services.users.setMValue(await authenticate(services, request), request.params.service, request.body),
  );
};
