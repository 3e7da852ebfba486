import { Readable } from 'node:stream';
import { QuorumError, noteVerifierKey, parseCheckpointBody, rawEd25519PublicKey, splitNote } from '@quorumd/core';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { requireOfficer } from '../application/principal';

/**
 * The audit log as a transparency log (RFC 9162, C2SP): the latest signed checkpoint as a
 * note, the verifier key, inclusion and consistency proofs over the Merkle tree the sealer
 * keeps, the leaves, and an NDJSON export for a SIEM. Leaf index = seq − 1.
 */
const SEQ = '^(0|[1-9][0-9]{0,11})$';
const PAGE = 1000;

const auditTlogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  const { audit } = services.store;
  app.addHook('onRequest', app.authenticate);

  const latestNoted = () => audit.latestNotedCheckpoint();

  /** A size a proof may be asked for: 1 .. the tree's size. */
  const treeSizeAtLeast = async (size: number, what: string): Promise<void> => {
    const treeSize = await audit.treeSize();
    if (size < 1 || size > treeSize) throw new QuorumError('RET_BAD_REQUEST', `${what} ${size} is not a size of the audit tree (1 to ${treeSize})`);
  };

  app.get(
    '/audit/checkpoint',
    {
      schema: {
        response: {
          200: { description: 'The latest signed checkpoint: a C2SP tlog-checkpoint wrapped as a signed note, with the witnesses’ cosignatures (QUORUM_WITNESS_URLS) after its own signature', content: { 'text/plain': { schema: Type.String() } } },
        },
      },
    },
    async (request, reply) => {
      requireOfficer(request.principal);
      const latest = await audit.cosignedCheckpoint();
      if (!latest) throw new QuorumError('RET_NOT_FOUND', 'No checkpoint of the audit tree signed yet');
      return reply.type('text/plain; charset=utf-8').send(latest.note);
    },
  );

  app.get(
    '/audit/verifier-key',
    {
      schema: {
        response: {
          200: Type.Object({
            verifierKey: Type.String({ description: 'the note verifier key `<name>+<hex key hash>+<base64(0x01 || Ed25519 public key)>`: pin it (quorum verify --audit-key)' }),
            origin: Type.String(),
          }),
        },
      },
    },
    async (request) => {
      requireOfficer(request.principal);
      const [pem, latest] = await Promise.all([audit.publicKeyPem(), latestNoted()]);
      if (!pem || !latest) throw new QuorumError('RET_NOT_FOUND', 'No checkpoint of the audit tree signed yet');
      const origin = parseCheckpointBody(splitNote(latest.note).text).origin;
      return { verifierKey: noteVerifierKey(origin, rawEd25519PublicKey(pem)), origin };
    },
  );

  const Hashes = Type.Array(Type.String({ description: 'SHA-256, base64' }));
  app.get(
    '/audit/proof/inclusion',
    {
      schema: {
        querystring: Type.Object({ index: Type.String({ pattern: SEQ }), size: Type.String({ pattern: SEQ }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ index: Type.Integer(), size: Type.Integer(), hashes: Hashes }) },
      },
    },
    async (request) => {
      requireOfficer(request.principal);
      const index = Number(request.query.index);
      const size = Number(request.query.size);
      await treeSizeAtLeast(size, 'size');
      if (index >= size) throw new QuorumError('RET_BAD_REQUEST', `index ${index} is not a leaf of the tree of size ${size} (0 to ${size - 1})`);
      const hashes = await audit.inclusionProof(index, size);
      return { index, size, hashes: hashes.map((h) => h.toString('base64')) };
    },
  );

  app.get(
    '/audit/proof/consistency',
    {
      schema: {
        querystring: Type.Object({ from: Type.String({ pattern: SEQ }), to: Type.String({ pattern: SEQ }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ from: Type.Integer(), to: Type.Integer(), hashes: Hashes }) },
      },
    },
    async (request) => {
      requireOfficer(request.principal);
      const from = Number(request.query.from);
      const to = Number(request.query.to);
      await treeSizeAtLeast(to, 'to');
      if (from < 1 || from > to) throw new QuorumError('RET_BAD_REQUEST', `from ${from} must be 1 to ${to}`);
      const hashes = await audit.consistencyProof(from, to);
      return { from, to, hashes: hashes.map((h) => h.toString('base64')) };
    },
  );

  app.get(
    '/audit/entries',
    {
      schema: {
        querystring: Type.Object({ from: Type.String({ pattern: SEQ }), to: Type.String({ pattern: SEQ }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            from: Type.Integer(),
            to: Type.Integer({ description: 'one past the last leaf answered (at most 1000 after from)' }),
            entries: Type.Array(Type.String(), { description: 'the leaves [from, to): each entry’s text as stored, whose leaf hash is SHA-256(0x00 || text)' }),
          }),
        },
      },
    },
    async (request) => {
      requireOfficer(request.principal);
      const from = Number(request.query.from);
      const to = Math.min(Number(request.query.to), from + PAGE, await audit.treeSize());
      if (Number(request.query.to) <= from) throw new QuorumError('RET_BAD_REQUEST', `to (${request.query.to}) must be above from (${from})`);
      const entries = to > from ? await audit.page(from + 1, to - from) : [];
      return { from, to: from + entries.length, entries };
    },
  );

  app.get(
    '/audit/export',
    {
      schema: {
        querystring: Type.Object({ after: Type.Optional(Type.String({ pattern: SEQ })) }, { additionalProperties: false }),
        response: {
          200: {
            description:
              'Newline-delimited JSON, one line per entry after `after` up to the tree’s size: {"seq","leafHash" (base64),"checkpointSize" (the newest signed checkpoint’s size),"entry"}. Resume with after=<the last seq read>.',
            content: { 'application/x-ndjson': { schema: Type.String() } },
          },
        },
      },
    },
    async (request, reply) => {
      requireOfficer(request.principal);
      const after = Number(request.query.after ?? 0);
      const [size, latest] = await Promise.all([audit.treeSize(), latestNoted()]);
      const checkpointSize = latest?.seq ?? 0;
      async function* lines(): AsyncGenerator<string> {
        for (let from = after + 1; from <= size; from += PAGE) {
          const count = Math.min(PAGE, size - from + 1);
          const [texts, leaves] = await Promise.all([audit.page(from, count), audit.leafHashes(from, count)]);
          let chunk = '';
          texts.forEach((text, i) => {
            chunk += `{"seq":${from + i},"leafHash":"${(leaves[i] as Buffer).toString('base64')}","checkpointSize":${checkpointSize},"entry":${text}}\n`;
          });
          yield chunk;
        }
      }
      // A stream, not the schema's string: fastify sends it as it comes (the schema only documents the lines).
      return reply.type('application/x-ndjson').send(Readable.from(lines()) as unknown as string);
    },
  );
};
export default auditTlogRoutes;
