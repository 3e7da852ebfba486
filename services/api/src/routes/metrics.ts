import type { FastifyPluginAsync } from 'fastify';
import { mediaResponse } from '../schemas';

/** Prometheus metrics of this process (text exposition format). */
const metricsRoutes: FastifyPluginAsync = async (app) => {
  const { registry } = app.services.metrics;
  app.get('/metrics', { schema: { response: { 200: mediaResponse('text/plain', 'Prometheus text exposition format') } } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
};
export default metricsRoutes;
