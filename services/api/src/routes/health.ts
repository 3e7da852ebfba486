import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../services';

/** Liveness and readiness. */
export const healthRoutes = (services: Services): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => {
    await services.store.ping();
    return { status: 'ready' };
  });
};
