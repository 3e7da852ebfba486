/** Paths pino removes from every log line (API and worker): passwords, bearer tokens, keys, secrets. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'body.password',
  'body.secret',
  'body.signature',
  'password',
  'token',
  'secret',
  'key',
  'privateKey',
  '*.password',
  '*.token',
  '*.secret',
  '*.privateKey',
];
