import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { QuorumError } from '@quorumd/core';
import { Type } from '@sinclair/typebox';

/** Liveness and readiness. */
const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  const Status = Type.Object({ status: Type.String() });
  const Readiness = Type.Object({
    status: Type.Union([Type.Literal('ready'), Type.Literal('degraded')]),
    reason: Type.Optional(Type.Union([Type.Literal('replica-gone'), Type.Literal('acks-timed-out')], { description: 'why the changes are held by fewer replicas than they should be' })),
    replicas: Type.Optional(Type.Object({ required: Type.Integer(), acknowledging: Type.Integer() })),
  });
  app.get('/healthz', { schema: { response: { 200: Status } } }, async () => ({ status: 'ok' }));
  // 200 also when degraded (the changes still commit on the master), unless QUORUM_MIN_REPLICAS is set and unmet.
  app.get('/readyz', { schema: { response: { 200: Readiness } } }, async () => {
    const ready = await services.store.readiness();
    if (!ready.degraded) return { status: 'ready' as const };
    const body = { status: 'degraded' as const, reason: ready.degraded, replicas: { required: ready.required, acknowledging: ready.acknowledging } };
    if (ready.belowMinimum) {
      throw new QuorumError('RET_STORE_UNAVAILABLE', `QUORUM_MIN_REPLICAS is ${ready.required} but ${ready.acknowledging} replica(s) acknowledge the changes: they answer 503 with mayHaveCommitted`, body);
    }
    return body;
  });
};
export default healthRoutes;
