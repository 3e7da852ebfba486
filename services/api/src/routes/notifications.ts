import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NOTIFICATION_EVENTS } from '@quorumd/core';
import { Type } from '@sinclair/typebox';
import { UserIdParams } from '../schemas';

const Event = Type.Union(NOTIFICATION_EVENTS.map((e) => Type.Literal(e)));
const Chat = Type.Object({ url: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048 }), format: Type.Optional(Type.Literal('slack')) }, { additionalProperties: false });
const Settings = Type.Object(
  {
    email: Type.Optional(Type.Union([Type.String({ maxLength: 254 }), Type.Null()])),
    chat: Type.Optional(Type.Union([Chat, Type.Null()])),
    events: Type.Optional(Type.Union([Type.Array(Event, { maxItems: NOTIFICATION_EVENTS.length }), Type.Null()])),
  },
  { additionalProperties: false },
);
const Delivery = Type.Object({
  at: Type.String(),
  event: Type.String(),
  tokenId: Type.String(),
  channel: Type.Union([Type.Literal('email'), Type.Literal('chat')]),
  deliveryId: Type.String(),
  outcome: Type.Union([Type.Literal('sent'), Type.Literal('failed'), Type.Literal('dropped')]),
  attempt: Type.Optional(Type.Integer()),
  final: Type.Optional(Type.Boolean()),
  detail: Type.Optional(Type.String()),
});
const Reply = Type.Object({
  notifications: Type.Union([
    Type.Object({ email: Type.Optional(Type.String()), chat: Type.Optional(Type.Object({ url: Type.String(), format: Type.Literal('slack') })), events: Type.Optional(Type.Array(Type.String())) }),
    Type.Null(),
  ]),
  deliveries: Type.Array(Delivery),
});

/** A user's notification channels (e-mail, chat) and its latest deliveries. */
const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.addHook('onRequest', app.authenticate);
  app.get('/users/:id/notifications', { schema: { params: UserIdParams, response: { 200: Reply } } }, async (request) => services.notifications.get(request.principal, Number(request.params.id)));
  app.put('/users/:id/notifications', { schema: { params: UserIdParams, body: Settings, response: { 200: Reply } } }, async (request) =>
    services.notifications.set(request.principal, Number(request.params.id), request.body),
  );
};

export default notificationRoutes;
