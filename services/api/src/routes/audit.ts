import { QuorumError, parseAuditEntry } from '@quorumd/core';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireOfficer } from '../application/principal';

/**
 * Pages the audit chain. `format=raw` answers the stored entries as text, one per line,
 * which `quorum audit verify --file` checks offline. `/audit/hashes` pages the sealed hashes
 * (read-only), so that a verifier outside Redis reports what is sealed as the npm script does.
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

  app.get(
    '/audit/hashes',
    {
      schema: {
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,11}$' })),
            limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,3}$' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            hashes: Type.Array(Type.String({ pattern: '^[0-9a-f]{64}$' }), { description: 'the chain’s hash (hex) at each sealed entry from `from`; fewer than `limit` where sealing stops' }),
            next: Type.Union([Type.Integer(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      requireOfficer(request.principal);
      const from = Number(request.query.from ?? 1);
      const limit = Math.min(Number(request.query.limit ?? 1000), 1000);
      const hashes = await services.store.audit.hashes(from, limit);
      return { hashes, next: hashes.length === limit ? from + limit : null };
    },
  );

  const Checkpoint = Type.Object({
    seq: Type.Integer(),
    hash: Type.String({ description: 'the chain’s hash at seq, hex' }),
    at: Type.String({ format: 'date-time' }),
    signature: Type.String({ description: 'Ed25519 over the five checkpoint lines, base64' }),
    note: Type.Optional(Type.String({ description: 'the same head as a C2SP signed note over the Merkle tree of the first seq entries (GET /v1/audit/checkpoint serves the latest)' })),
  });
  app.get(
    '/audit/checkpoints',
    {
      schema: {
        querystring: Type.Object({ after: Type.Optional(Type.String({ pattern: '^[0-9]{1,12}$' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ checkpoints: Type.Array(Checkpoint) }) },
      },
    },
    async (request) => {
      requireOfficer(request.principal);
      return { checkpoints: await services.store.audit.checkpoints(Number(request.query.after ?? 0)) };
    },
  );

  app.get('/audit/public-key', { schema: { response: { 200: Type.Object({ publicKeyPem: Type.String() }) } } }, async (request) => {
    requireOfficer(request.principal);
    const publicKeyPem = await services.store.audit.publicKeyPem();
    if (!publicKeyPem) throw new QuorumError('RET_NOT_FOUND', 'No audit key published yet: no sealer has started');
    return { publicKeyPem };
  });

  app.get(
    '/audit/head',
    {
      schema: {
        response: {
          200: Type.Object({
            seq: Type.Integer({ description: 'the last entry appended' }),
            sealedSeq: Type.Integer({ description: 'the last entry sealed (hashed)' }),
            sealedHash: Type.Union([Type.String(), Type.Null()]),
            issuer: Type.String(),
            checkpointIntervalMs: Type.Integer({ description: 'how often, at most, the head is signed (QUORUM_CHECKPOINT_INTERVAL_MS): a verifier’s default --max-checkpoint-age is 5 of these, at least 10 s' }),
          }),
        },
      },
    },
    async (request) => {
      requireOfficer(request.principal);
      const { audit } = services.store;
      const [seq, sealed] = await Promise.all([audit.headSeq(), audit.sealed()]);
      return { seq, sealedSeq: sealed.seq, sealedHash: sealed.hash ?? null, issuer: services.issuer, checkpointIntervalMs: services.checkpointIntervalMs };
    },
  );
};
export default auditRoutes;
