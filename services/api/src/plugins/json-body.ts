import { isUtf8 } from 'node:buffer';
import { QuorumError, checkJsonText } from '@quorumd/core';
import fp from 'fastify-plugin';

/** Deepest JSON body accepted: operation args may nest 8 levels inside the body's own 2. */
const MAX_BODY_DEPTH = 16;

/**
 * External tier: bodies are checked before they are parsed (a text/plain one for UTF-8 only; no
 * route takes one, so it meets the route's schema as a string). JSON bodies — bytes that are not valid
 * UTF-8 are refused (decoding would turn each into U+FFFD, so two different bodies would read
 * as one operation), then as text: no nesting that could reach recursive code, no number the
 * parser would round, no member named twice — then parsed by fastify's own parser
 * (prototype-poisoning checks included).
 */
export default fp(
  async (app) => {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const bytes = body as Buffer;
      let text: string;
      try {
        if (!isUtf8(bytes)) throw new QuorumError('RET_BAD_REQUEST', 'The body is not valid UTF-8');
        text = bytes.toString('utf8');
        checkJsonText(text, MAX_BODY_DEPTH);
      } catch (err) {
        done(err as Error, undefined);
        return;
      }
      parseJson(request, text, done);
    });
    // No route takes a text body (a body-less one ignores it), but no body that is not UTF-8 is taken anywhere.
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (_request, body, done) => {
      const bytes = body as Buffer;
      if (!isUtf8(bytes)) done(new QuorumError('RET_BAD_REQUEST', 'The body is not valid UTF-8'), undefined);
      else done(null, bytes.toString('utf8'));
    });
  },
  { name: 'json-body' },
);
