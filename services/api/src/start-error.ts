import { ConfigError, type Config } from '@quorumd/config';
import { RedisUnreachableError, ReplicasNotInSyncError, redactUrl, redisErrorFields } from '@quorumd/store';
import { LocalRedisError } from './local-redis';

/** A start-up failure whose message is already the one line to show: the cause and what to do. */
export class StartError extends Error {
  override name = 'StartError';
}

/**
 * The one line `quorumd: ...` that a failed start prints: it names the setting or the
 * cause and what to do. Unknown errors keep their message (the stack only at LOG_LEVEL=debug).
 */
export function startFailureLine(err: unknown, config: Config | undefined): string {
  if (err instanceof StartError || err instanceof ConfigError || err instanceof LocalRedisError || err instanceof ReplicasNotInSyncError) return err.message;
  if (err instanceof RedisUnreachableError) {
    const given = config?.redisUrl !== undefined;
    return (
      `cannot reach Redis at ${redactUrl(err.url)}${given ? ' (REDIS_URL)' : ''}: ${err.lastError?.error ?? `no answer within ${err.waitedMs} ms`}; ` +
      (given ? 'start Redis there, fix REDIS_URL, or unset REDIS_URL to have quorumd start its own redis-server' : 'see the redis-server log in the data dir')
    );
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (config && (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')) {
    const where = `${config.host}:${config.port}`;
    if (code === 'EADDRINUSE') return `port ${config.port} on ${config.host} is already in use by another program; stop it or set PORT to a free port (e.g. PORT=${config.port === 8080 ? 8081 : 8080})`;
    if (code === 'EACCES') return `not allowed to listen on ${where}; set PORT to 1024 or above`;
    return `cannot listen on ${where}: HOST ${config.host} is not an address of this machine; set HOST (e.g. HOST=127.0.0.1, or 0.0.0.0 for every interface)`;
  }
  return `failed to start: ${redisErrorFields(err).error}`;
}
