import { randomUUID } from 'node:crypto';
import { QuorumError, checkJsonText } from '@quorumd/core';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { ERROR_CODES } from '@quorumd/core';
import { ROUTE_ERROR_CODES } from './route-error-codes';
import { ErrorBody } from './schemas';
import type { Principal } from './domain/principal';
import { apiKeyRoutes } from './routes/api-keys';
import { auditRoutes } from './routes/audit';
import { healthRoutes } from './routes/health';
import { officerRoutes } from './routes/officers';
import { quorumRoutes } from './routes/quorum-values';
import { sessionRoutes } from './routes/sessions';
import { tokenRoutes } from './routes/tokens';
import { userRoutes } from './routes/users';
import { buildServices, type AppDeps, type Services } from './services';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, resolved once per request by `authenticate`. */
    principalPromise: Promise<Principal> | null;
    /** `user:<id>` or `apikey:<id>` once authenticated, for the request log line. */
    callerId: string | null;
  }
  interface FastifyInstance {
    /** `METHOD /url` of every documented route, as registered (for the OpenAPI check). */
    routeList: string[];
  }
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Deepest JSON body accepted: operation args may nest 8 levels inside the body's own 2. */
const MAX_BODY_DEPTH = 16;

export interface BuildOptions {
  logger?: FastifyBaseLogger | boolean;
  /** Rate-limit counters live here (shared by replicas); in memory when absent. */
  rateLimitRedis?: Redis;
}

/** The whole HTTP API as one fastify instance; tests build it and call `inject()`. */
export async function buildApp(deps: AppDeps, options: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: typeof options.logger === 'object' ? options.logger : undefined,
    logger: typeof options.logger === 'boolean' ? options.logger : undefined,
    bodyLimit: 64 * 1024,
    requestIdHeader: 'x-request-id',
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // One line per request is written by the onResponse hook below, with the caller.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies are checked as text before they are parsed: no nesting that could reach
  // recursive code, no number the parser would round, no member named twice.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      checkJsonText(body as string, MAX_BODY_DEPTH);
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    parseJson(request, body as string, done);
  });

  const services = buildServices(deps);
  const { metrics } = services;
  app.decorateRequest('principalPromise', null);
  app.decorateRequest('callerId', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, ms / 1000);
    request.log.info({ userId: request.callerId, method: request.method, route, status: reply.statusCode, ms: Math.round(ms * 100) / 100 }, 'request');
  });
  // Every route documents the error body and the codes it may answer with.
  const routes: string[] = [];
  app.decorate('routeList', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD' && !route.schema?.hide) routes.push(`${method} ${route.url}`);
    const schema = (route.schema ??= {});
    schema.response = { ...(schema.response as object | undefined), '4xx': ErrorBody, '5xx': ErrorBody };
    if (route.url.startsWith('/v1/')) schema.tags ??= [route.url.split('/')[2] ?? 'v1'];
    const codes = ROUTE_ERROR_CODES[`${[route.method].flat()[0]} ${route.url}`];
    if (codes) schema.description = `Error codes: ${[...new Set(codes)].join(', ')}`;
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'quorumd', version: '1', description: `M-of-N quorum approvals. Error codes: ${Object.keys(ERROR_CODES).join(', ')}` },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(rateLimit, {
    global: false,
    ...(options.rateLimitRedis ? { redis: options.rateLimitRedis, nameSpace: `${deps.store.keys.base}ratelimit:` } : {}),
    skipOnError: true,
    errorResponseBuilder: (_request, context) => new QuorumError('RET_RATE_LIMITED', `Too many requests; retry in ${context.after}`),
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = errorBody(error);
    if (body.code === 'RET_STORE_UNAVAILABLE') metrics.redisErrors.inc();
    if (body.status >= 500 && body.code !== 'RET_STORE_UNAVAILABLE') request.log.error({ err: error }, 'request failed');
    void reply.status(body.status).send({ code: body.code, message: body.message, requestId: request.id, ...body.details });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ code: 'RET_NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}`, requestId: request.id });
  });

  await app.register(healthRoutes(services));
  await app.register(sessionRoutes(services), { prefix: '/v1' });
  await app.register(userRoutes(services), { prefix: '/v1' });
  await app.register(quorumRoutes(services), { prefix: '/v1' });
  await app.register(tokenRoutes(services), { prefix: '/v1' });
  await app.register(apiKeyRoutes(services), { prefix: '/v1' });
  await app.register(auditRoutes(services), { prefix: '/v1' });
  await app.register(officerRoutes(services), { prefix: '/v1' });
  return app;
}

function errorBody(error: FastifyError): { status: number; code: string; message: string; details?: Record<string, unknown> } {
  if (error instanceof QuorumError) return { status: error.status, code: error.code, message: error.message, details: error.details };
  if (error.validation) {
    return { status: 400, code: 'RET_BAD_REQUEST', message: `Invalid ${error.validationContext ?? 'request'}: ${error.message}` };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { status, code: status === 429 ? 'RET_RATE_LIMITED' : 'RET_BAD_REQUEST', message: error.message };
  return { status: 500, code: 'RET_INTERNAL', message: 'Internal error' };
}

/** The caller of a request (cached), or RET_UNAUTHORIZED. */
export function authenticate(services: Services, request: FastifyRequest): Promise<Principal> {
  request.principalPromise ??= services.auth.principal(request.headers.authorization).then((principal) => {
    request.callerId = principal.kind === 'user' ? `user:${principal.user.id}` : `apikey:${principal.key.id}`;
    return principal;
  });
  return request.principalPromise;
}
