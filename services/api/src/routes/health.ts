import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Services } from '../services';

/** Liveness and readiness. */
export const healthRoutes = (services: Services): FastifyPluginAsyncTypebox => async (app) => {
  const Status = Type.Object({ status: Type.String() });
  app.get('/healthz', { schema: { response: { 200: Status } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { response: { 200: Status } } }, async () => {
    await services.store.ping();
    return { status: 'ready' };
  });
};
