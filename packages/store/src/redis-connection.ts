import { Redis, type RedisOptions } from 'ioredis';

/**
 * A connection for request handling: it fails fast when Redis is away (no offline queue,
 * a bounded command time) so that the API answers 503 at once instead of hanging, and
 * reconnects by itself.
 */
export function connectForRequests(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 900,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    lazyConnect: true,
    // Commands issued in the same tick (a page of token reads) go out in one write.
    enableAutoPipelining: true,
    ...options,
  });
}

/** A subscriber connection for status events; it resubscribes after a reconnect. */
export function connectForEvents(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    lazyConnect: true,
    ...options,
  });
}

/** Waits until a lazy connection is ready, failing with a clear message after `timeoutMs`. */
export async function waitUntilReady(redis: Redis, url: string, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis at ${redactUrl(url)} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    // A refused first attempt is retried by the retry strategy; 'ready' or the timeout decides.
    if (redis.status === 'wait') redis.connect().catch(() => undefined);
    await Promise.race([ready, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A Redis URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}
