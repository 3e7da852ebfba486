import type { FastifyPluginAsync } from 'fastify';

/** Prometheus metrics of this process (text exposition format). */
const metricsRoutes: FastifyPluginAsync = async (app) => {
  const { registry } = app.services.metrics;
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
};
export default metricsRoutes;
