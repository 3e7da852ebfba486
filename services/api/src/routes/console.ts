import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QuorumError } from '@quorumd/core';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';

/** Where `npm run build` puts the console (services/console/dist), from src/routes and dist/routes alike. */
const CONSOLE_DIR = join(__dirname, '..', '..', '..', 'console', 'dist');

/** The console's whole surface: its page, its one script, its one style sheet and its icon. */
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/**
 * The strictest policy the console runs under: its own script and styles only (no inline
 * script or style, no eval), requests to this origin only, never framed, no plugins, no
 * <base> and no form posts elsewhere. Downloads (a generated key) are blob: links the page makes.
 */
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-cache',
};

interface ConsoleFile {
  body: Buffer;
  type: string;
  etag: string;
}

/** The files as built, read once at start; none when the console was not built (then every console URL says so). */
function loadFiles(dir: string): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  for (const [name, type] of Object.entries(FILES)) {
    const path = join(dir, name);
    if (!existsSync(path)) return new Map();
    const body = readFileSync(path);
    files.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  return files;
}

/**
 * The approver console at `/console` (services/console, built by `npm run build`): a few
 * static files, served with a strict Content-Security-Policy. They are not API routes and
 * stay out of the OpenAPI document.
 */
const consoleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const files = loadFiles(CONSOLE_DIR);
  const serve = (name: string, ifNoneMatch: string | undefined) => {
    const file = files.get(name);
    if (!file) {
      throw new QuorumError('RET_NOT_FOUND', files.size === 0 ? 'The console is not built here: run npm run build' : `No console file ${name}`);
    }
    return { file, fresh: ifNoneMatch === file.etag };
  };
  const page = async (request: { headers: Record<string, unknown> }, reply: import('fastify').FastifyReply, name: string) => {
    const { file, fresh } = serve(name, typeof request.headers['if-none-match'] === 'string' ? request.headers['if-none-match'] : undefined);
    void reply.headers(SECURITY_HEADERS).header('etag', file.etag);
    if (fresh) return reply.status(304).send();
    return reply.type(file.type).send(file.body);
  };
  const hide = { hide: true } as const;
  app.get('/console', { schema: hide }, (request, reply) => page(request, reply, 'index.html'));
  app.get('/console/', { schema: hide }, (request, reply) => page(request, reply, 'index.html'));
  app.get(
    '/console/:file',
    { schema: { ...hide, params: Type.Object({ file: Type.String({ maxLength: 64 }) }, { additionalProperties: false }) } },
    (request, reply) => page(request, reply, request.params.file),
  );
};
export default consoleRoutes;
