import { parseAuditEntry } from '@quorumd/core';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireOfficer } from '../application/principal';

/**
 * Pages the audit chain. `format=raw` answers the stored entries as text, one per line,
 * which `npm run audit:verify -- --file` checks offline.
 */
const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.addHook('onRequest', app.authenticate);
  app.get(
    '/audit',
    {
      schema: {
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,11}$' })),
            limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })),
            format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('raw')])),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'A page of entries; with format=raw, the stored entries as text, one per line',
            content: {
              'application/json': {
                schema: Type.Object({ entries: Type.Array(Type.Object({}, { additionalProperties: true })), next: Type.Union([Type.Integer(), Type.Null()]) }),
              },
              'text/plain': { schema: Type.String() },
            },
          },
        },
      },
    },
    async (request, reply) => {
      requireOfficer(request.principal);
      const from = Number(request.query.from ?? 1);
      const limit = Math.min(Number(request.query.limit ?? 100), 1000);
      const raw = await services.store.audit.page(from, limit);
      if (request.query.format === 'raw') {
        return reply.type('text/plain; charset=utf-8').send(raw.map((line) => `${line}\n`).join(''));
      }
      return { entries: raw.map(parseAuditEntry), next: raw.length === limit ? from + limit : null };
    },
  );
};
export default auditRoutes;
