import { checkJsonText } from '@quorumd/core';
import fp from 'fastify-plugin';

/** Deepest JSON body accepted: operation args may nest 8 levels inside the body's own 2. */
const MAX_BODY_DEPTH = 16;

/**
 * External tier: JSON bodies are checked as text before they are parsed — no nesting that
 * could reach recursive code, no number the parser would round, no member named twice —
 * then parsed by fastify's own parser (prototype-poisoning checks included).
 */
export default fp(
  async (app) => {
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
  },
  { name: 'json-body' },
);
