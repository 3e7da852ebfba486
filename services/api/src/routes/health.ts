import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

/** Liveness and readiness. */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  const Status = Type.Object({ status: Type.String() });
  app.get('/healthz', { schema: { response: { 200: Status } } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { response: { 200: Status } } }, async () => {
    await services.store.ping();
    return { status: 'ready' };
  });
};
export default healthRoutes;
