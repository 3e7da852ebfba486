import { TOKEN_STATUSES } from '@quorumd/core';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { openCallerStream } from './event-stream-response';
import { streamTokenStatus } from './token-event-stream';
import { MAX_WAIT_SECONDS } from '../application/tokens-service';
import { Alg, BundleSchema, mediaResponse, Empty, Operation, PasskeyAssertion, Signature, TokenIdParams, TokenReply, TokensReply, WebAuthnOptions } from '../schemas';

/** getToken, listTokens, approveToken, delToken, plus reject, wait, consume and bundle. */
const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { services } = app;
  app.addHook('onRequest', app.authenticate);
  app.post(
    '/tokens',
    {
      config: {
        // The issue script checks a requester's session itself, and counts the user's tokens
        // against its rate limit (QUORUM_RATE_LIMIT_ISSUE): no separate round trip for either.
        sessionCheckedBy: 'issueToken',
      },
      schema: {
        body: Type.Object(
          {
            service: Type.Union([Type.String({ minLength: 1, maxLength: 32 }), Type.Integer()]),
            operation: Operation,
            reason: Type.Optional(Type.String({ maxLength: 500, description: 'why the requester asks: signed into the bytes, shown to approvers' })),
            ticket: Type.Optional(Type.String({ maxLength: 200, description: 'a ticket id or URL: signed into the bytes' })),
            breakGlass: Type.Optional(Type.Boolean({ description: "the service's emergency path (its policy's breakGlass): announced to every officer, APPROVED after the time lock, reviewed after use; needs a reason" })),
            ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
            callbackUrl: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2048 })),
            callbackSecret: Type.Optional(Type.String({ minLength: 16, maxLength: 256 })),
            cloudhsm: Type.Optional(
              Type.Object(
                { tokenFile: Type.Object({}, { additionalProperties: true, description: 'the file `quorum token-sign generate` wrote (version 2.0)' }) },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: TokenReply },
      },
    },
    async (request, reply) => {
      const token = await services.tokens.issue(request.principal, request.body);
      return reply.status(201).send({ token });
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        querystring: Type.Object(
          {
            status: Type.Optional(Type.Union(TOKEN_STATUSES.map((s) => Type.Literal(s)))),
            limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: TokensReply },
      },
    },
    async (request) => {
      const principal = request.principal;
      const limit = Math.min(Number(request.query.limit ?? 100), 500);
      return { tokens: await services.tokens.list(principal, { status: request.query.status, limit }) };
    },
  );

  app.get(
    '/tokens/:id',
    {
      schema: {
        params: TokenIdParams,
        querystring: Type.Object({ wait: Type.Optional(Type.String({ pattern: '^[0-9]{1,2}$' })) }, { additionalProperties: false }),
        response: { 200: TokenReply },
      },
    },
    async (request) => {
      const principal = request.principal;
      const wait = Math.min(Number(request.query.wait ?? 0), MAX_WAIT_SECONDS);
      if (wait === 0) return { token: await services.tokens.read(principal, request.params.id) };
      // One of the caller's few long-poll places first (see StreamSlots): a refused wait costs no read.
      const release = services.polls.take(principal);
      try {
        const aborted = new AbortController();
        request.raw.once('close', () => aborted.abort());
        return { token: await services.tokens.waitFor(principal, request.params.id, wait, aborted.signal) };
      } finally {
        release();
      }
    },
  );

  const EventStream = mediaResponse('text/event-stream', '`event: status` with a TokenView now and on every change, until a terminal state');
  app.get('/tokens/:id/events', { schema: { params: TokenIdParams, response: { 200: EventStream } } }, async (request, reply) =>
    openCallerStream(services, request, reply, (principal) => services.tokens.read(principal, request.params.id), (read, check, first, out) =>
      streamTokenStatus(read, check, services.events, first, out),
    ),
  );

  const TokenBytes = mediaResponse('application/octet-stream', 'the exact bytes to sign', Type.String({ format: 'binary' }));
  app.get('/tokens/:id/bytes', { schema: { params: TokenIdParams, response: { 200: TokenBytes } } }, async (request, reply) => {
    const bytes = await services.tokens.bytes(request.principal, request.params.id);
    // A Buffer is sent as it is; the schema only documents it.
    return reply.type('application/octet-stream').send(bytes as unknown as string);
  });

  app.get('/tokens/:id/passkey-options', { schema: { params: TokenIdParams, response: { 200: WebAuthnOptions } } }, async (request) => ({
    options: (await services.tokens.passkeyOptions(request.principal, request.params.id)) as Record<string, unknown>,
  }));

  app.get('/tokens/:id/bundle', { schema: { params: TokenIdParams, response: { 200: Type.Object({ bundle: BundleSchema }) } } }, async (request) => ({
    bundle: await services.tokens.bundle(request.principal, request.params.id),
  }));

  app.post(
    '/tokens/:id/approvals',
    {
      schema: { params: TokenIdParams, body: Type.Object({ signature: Signature, alg: Alg, passkey: Type.Optional(PasskeyAssertion) }, { additionalProperties: false }), response: { 200: TokenReply } },
      // The approve script checks the session itself: no separate read of it first.
      config: { sessionCheckedBy: 'approveToken' },
    },
    async (request) => ({
      token: await services.tokens.approve(request.principal, request.params.id, request.body),
    }),
  );

  const TokenFile = Type.Object({
    version: Type.Literal('2.0'),
    approval_data: Type.String(),
    token: Type.String(),
    signatures: Type.Array(Type.Object({ username: Type.String(), signature: Type.String() })),
  });
  app.get(
    '/tokens/:id/cloudhsm-token-file',
    {
      schema: {
        params: TokenIdParams,
        response: {
          200: {
            description: 'The token file with the officers’ signatures. Header `Quorum-Log-Proof`: the receipt, base64 of the JSON logProof of the token’s bundle (its token.approved entry in a signed checkpoint, when one covers it)',
            headers: { 'quorum-log-proof': Type.Optional(Type.String()) },
            content: { 'application/json': { schema: TokenFile } },
          },
        },
      },
    },
    async (request, reply) => {
      const file = await services.tokens.cloudHsmTokenFile(request.principal, request.params.id);
      // The receipt: what proves the token's approval was logged, as a bundle carries it (the file's own fields are the HSM's format).
      const receipt = await services.store.audit.logProofOf(request.params.id);
      if (receipt) void reply.header('quorum-log-proof', Buffer.from(JSON.stringify(receipt), 'utf8').toString('base64'));
      return file;
    },
  );

  app.post(
    '/tokens/:id/rejections',
    {
      schema: {
        params: TokenIdParams,
        body: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }),
        response: { 200: TokenReply },
      },
      // The reject script checks the session itself.
      config: { sessionCheckedBy: 'rejectToken' },
    },
    async (request) => ({
      token: await services.tokens.reject(request.principal, request.params.id, request.body.reason ?? ''),
    }),
  );

  app.delete('/tokens/:id', { schema: { params: TokenIdParams, response: { 200: Empty } } }, async (request) => {
    await services.tokens.delete(request.principal, request.params.id);
    return {};
  });

  app.post(
    '/tokens/:id/consume',
    {
      schema: {
        params: TokenIdParams,
        body: Type.Object(
          {
            operation: Operation,
            service: Type.Optional(Type.String({ maxLength: 32, description: 'the service the operation runs for: a token of any other service is refused (name it: a weaker service may hold a token for the same operation)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ bundle: BundleSchema }) },
      },
    },
    async (request) => ({
      bundle: await services.tokens.consume(request.principal, request.params.id, request.body.operation, request.body.service),
    }),
  );
};
export default tokenRoutes;
