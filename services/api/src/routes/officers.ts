import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Empty, TokensReply, mediaResponse } from '../schemas';
import { openCallerStream } from './event-stream-response';
import { streamPendingTokens } from './pending-event-stream';

const QUEUE_LIMIT = 100;

/** A CO's queue and webhook; and, for operators, the dead letters of deliveries. */
const officerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.addHook('onRequest', app.authenticate);
  app.get(
    '/officers/me/pending',
    {
      schema: {
        querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })) }, { additionalProperties: false }),
        response: { 200: TokensReply },
      },
    },
    async (request) => ({
      tokens: await services.officers.pending(request.principal, Math.min(Number(request.query.limit ?? QUEUE_LIMIT), 500)),
    }),
  );

  const QueueStream = mediaResponse('text/event-stream', '`event: pending` with `{"tokens": [TokenView]}` (the queue, as GET /v1/officers/me/pending answers it) now and on every change');
  app.get('/officers/me/pending/events', { schema: { response: { 200: QueueStream } } }, async (request, reply) =>
    openCallerStream(services, request, reply, (principal) => services.officers.pending(principal, QUEUE_LIMIT), (read, check, first, out) =>
      streamPendingTokens(read, check, services.events, first, out),
    ),
  );

  const WebhookReply = Type.Object({ webhook: Type.Union([Type.Object({ url: Type.String() }), Type.Null()]) });
  app.get('/officers/me/webhook', { schema: { response: { 200: WebhookReply } } }, async (request) => ({ webhook: (await services.officers.webhook(request.principal)) ?? null }));

  app.put(
    '/officers/me/webhook',
    {
      schema: {
        body: Type.Object(
          { url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048 }), secret: Type.String({ minLength: 16, maxLength: 256 }) },
          { additionalProperties: false },
        ),
        response: { 200: WebhookReply },
      },
    },
    async (request) => ({ webhook: await services.officers.setWebhook(request.principal, request.body) }),
  );

  app.delete('/officers/me/webhook', { schema: { response: { 200: Empty } } }, async (request) => {
    await services.officers.removeWebhook(request.principal);
    return {};
  });

  app.get(
    '/admin/deliveries',
    {
      schema: {
        querystring: Type.Object(
          { state: Type.Literal('failed'), limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            deliveries: Type.Array(
              Type.Object({
                deliveryId: Type.String(),
                event: Type.String(),
                tokenId: Type.String(),
                target: Type.Object({ kind: Type.String(), userId: Type.Optional(Type.Integer()) }),
                attempts: Type.Integer(),
                failedReason: Type.String(),
                failedAt: Type.Union([Type.String(), Type.Null()]),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({
      deliveries: await services.deliveries.failed(request.principal, Math.min(Number(request.query.limit ?? 100), 500)),
    }),
  );

  app.post(
    '/admin/deliveries/:id/replay',
    { schema: { params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9._-]{1,120}$' }) }, { additionalProperties: false }), response: { 202: Empty } } },
    async (request, reply) => {
      await services.deliveries.replay(request.principal, request.params.id);
      return reply.status(202).send({});
    },
  );
};
export default officerRoutes;
