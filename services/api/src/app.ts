import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { QuorumError, visibleText } from '@quorumd/core';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { RedisClient } from '@quorumd/store';
import authPlugin, { callerId } from './plugins/auth';
import jsonBodyPlugin from './plugins/json-body';
import openApiPlugin from './plugins/openapi';
import servicesPlugin, { type AppDeps } from './plugins/services';
import apiKeyRoutes from './routes/api-keys';
import auditRoutes from './routes/audit';
import auditTlogRoutes from './routes/audit-tlog';
import consoleRoutes from './routes/console';
import healthRoutes from './routes/health';
import metricsRoutes from './routes/metrics';
import officerRoutes from './routes/officers';
import passkeyRoutes from './routes/passkeys';
import notificationRoutes from './routes/notifications';
import quorumValueRoutes from './routes/quorum-values';
import policyRoutes from './routes/policies';
import sessionRoutes from './routes/sessions';
import tokenRoutes from './routes/tokens';
import userRoutes from './routes/users';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface BuildOptions {
  logger?: FastifyBaseLogger | boolean;
  /** Rate-limit counters live here (shared by replicas); in memory when absent. */
  rateLimitRedis?: RedisClient;
}

/**
 * The whole HTTP API as one fastify instance; tests build it and call `inject()`.
 * Plugins in three tiers: external (body parsing, OpenAPI, rate limits, errors) → app
 * (services, authentication) → routes (each its own plugin; authenticated ones add
 * `app.authenticate` as their onRequest hook).
 */
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
    // The router's own refusals (a URL that does not decode, a parameter past its length) answer
    // in the project's error shape, without echoing the URL.
    frameworkErrors: (error, request, reply) => {
      const known = FRAMEWORK_ERRORS[error.code];
      reply.header('x-request-id', request.id);
      // The reply type fastify gives this hook has no route schema, so its status/send are typed for none.
      void (reply as unknown as { status(n: number): { send(body: unknown): unknown } }).status(known?.status ?? 500).send({ code: known ? 'RET_BAD_REQUEST' : 'RET_INTERNAL', message: known?.message ?? 'Internal error', requestId: request.id });
    },
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // External tier.
  await app.register(jsonBodyPlugin);
  await app.register(openApiPlugin);
  await app.register(rateLimit, {
    global: false,
    ...(options.rateLimitRedis ? { redis: options.rateLimitRedis, nameSpace: deps.store.keys.rateLimits() } : {}),
    skipOnError: true,
    errorResponseBuilder: (_request, context) => new QuorumError('RET_RATE_LIMITED', `Too many requests; retry in ${context.after}`),
  });

  // App tier.
  await app.register(servicesPlugin, deps);
  await app.register(authPlugin);
  const { metrics } = app.services;
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, ms / 1000);
    request.log.info({ userId: callerId(request), method: request.method, route, status: reply.statusCode, ms: Math.round(ms * 100) / 100 }, 'request');
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const body = errorBody(error);
    if (body.code === 'RET_STORE_UNAVAILABLE') metrics.redisErrors.inc();
    if (body.status >= 500 && body.code !== 'RET_STORE_UNAVAILABLE') request.log.error({ err: error }, 'request failed');
    void reply.status(body.status).send({ code: body.code, message: body.message, requestId: request.id, ...body.details });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ code: 'RET_NOT_FOUND', message: `No route ${request.method} ${shownPath(request.url)}`, requestId: request.id });
  });

  // Routes.
  await app.register(healthRoutes);
  await app.register(metricsRoutes);
  await app.register(consoleRoutes);
  for (const routes of [sessionRoutes, userRoutes, passkeyRoutes, quorumValueRoutes, policyRoutes, tokenRoutes, apiKeyRoutes, auditRoutes, auditTlogRoutes, officerRoutes, notificationRoutes]) {
    await app.register(routes, { prefix: '/v1' });
  }
  return app;
}

/** The router's refusals: a status and a message that names no part of the URL. */
const FRAMEWORK_ERRORS: Partial<Record<string, { status: number; message: string }>> = {
  FST_ERR_BAD_URL: { status: 400, message: 'The URL is not valid (a percent-escape that does not decode)' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, message: 'A URL parameter is too long' },
};

/** A path as a 404 names it: without its query, at most 64 characters, controls escaped. */
function shownPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return visibleText(path.length > 64 ? `${path.slice(0, 64)}…` : path);
}

/**
 * A request Node's HTTP parser refused (a malformed request line or header, headers too large,
 * a time-out) gets the project's error shape too, with a request id of its own, then the
 * connection closes.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'Request Timeout', 'RET_BAD_REQUEST'] : error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large', 'RET_BAD_REQUEST'] : [400, 'Bad Request', 'RET_BAD_REQUEST'];
  const requestId = randomUUID();
  const body = JSON.stringify({ code, message: `The HTTP request is malformed (${reason.toLowerCase()})`, requestId });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`);
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
