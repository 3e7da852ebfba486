import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ERROR_CODES } from '@quorumd/core';
import fp from 'fastify-plugin';
import { ROUTE_ERROR_CODES } from '../route-error-codes';
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
  },
  { name: 'openapi' },
);
