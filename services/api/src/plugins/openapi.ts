import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ERROR_CODES } from '@quorumd/core';
import fp from 'fastify-plugin';
import { ROUTE_DOCS } from '../route-docs';
import { ErrorBody } from '../schemas';

declare module 'fastify' {
  interface FastifyInstance {
    /** `METHOD /url` of every documented route, as registered (for the OpenAPI check). */
    routeList: string[];
  }
}

/**
 * Swagger UI's policy: its own scripts and styles only (no inline script, one known inline style), images of
 * its own or data: URLs, requests to this origin only, never framed, no plugins or <base>.
 */
const DOCS_CSP = {
  'default-src': "'self'",
  'script-src': "'self'",
  'script-src-attr': "'none'",
  // Swagger UI's bundle adds one fixed <style> element (its SVG icon sizes); only that one is allowed.
  'style-src': "'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  'img-src': "'self' data:",
  'font-src': "'self' data:",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'self'",
  'frame-ancestors': "'none'",
};

const DOCS_HEADERS = { 'x-frame-options': 'DENY', 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

/**
 * External tier: the OpenAPI document (`/docs/json`) and Swagger UI (`/docs`). Every
 * route documents the error body and the RET_ codes it may answer with.
 */
export default fp(
  async (app) => {
    const routes: string[] = [];
    app.decorate('routeList', routes);
    app.addHook('onRoute', (route) => {
      const method = [route.method].flat()[0];
      if (method === 'HEAD' || route.schema?.hide || route.url.startsWith('/docs')) return;
      const key = `${method} ${route.url}`;
      const doc = ROUTE_DOCS[key];
      if (!doc) throw new Error(`route ${key} has no entry in ROUTE_DOCS (services/api/src/route-docs.ts)`);
      routes.push(key);
      const schema = (route.schema ??= {});
      schema.response = { ...(schema.response as object | undefined), '4xx': ErrorBody, '5xx': ErrorBody };
      if (route.url.startsWith('/v1/')) schema.tags ??= [route.url.split('/')[2] ?? 'v1'];
      schema.operationId = doc.operationId;
      schema.summary = doc.summary;
      schema.description = doc.errors.length > 0 ? `Error codes: ${[...new Set(doc.errors)].join(', ')}` : 'Answers no error of its own.';
      if (doc.public) schema.security = [];
    });
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'quorumd',
          version: '1',
          description: `M-of-N quorum approvals. Error codes: ${Object.keys(ERROR_CODES).join(', ')}`,
          license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
        },
        servers: [{ url: '/', description: 'this quorumd' }],
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      staticCSP: DOCS_CSP,
      uiHooks: {
        onRequest: (_request, reply, done) => {
          void reply.headers(DOCS_HEADERS);
          done();
        },
      },
    });
  },
  { name: 'openapi' },
);
