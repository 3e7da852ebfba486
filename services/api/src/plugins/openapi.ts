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
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'openapi' },
);
