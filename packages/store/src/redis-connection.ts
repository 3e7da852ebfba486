import { Cluster, type Redis, type RedisOptions } from 'ioredis';
import { createRedis, type RedisClient } from './redis-url';

/**
 * A connection for request handling: it fails fast when Redis is away (no offline queue,
 * a bounded command time) so that the API answers 503 at once instead of hanging, and
 * reconnects by itself.
 */
export function connectForRequests(url: string, options: RedisOptions = {}): RedisClient {
  return createRedis(url, {
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
export function connectForEvents(url: string, options: RedisOptions = {}): RedisClient {
  return createRedis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (attempt) => Math.min(50 * attempt, 1000),
    lazyConnect: true,
    ...options,
  });
}

/** Redis did not answer at start-up; the message is one line, naming the URL and the last error. */
export class RedisUnreachableError extends Error {
  override name = 'RedisUnreachableError';
  constructor(
    readonly url: string,
    readonly lastError: { error: string; code?: string } | undefined,
    readonly waitedMs: number,
  ) {
    super(`Redis at ${redactUrl(url)} did not answer within ${waitedMs} ms${lastError ? ` (${lastError.error})` : ''}`);
  }
}

/** Errors no retry will cure: a wrong password, an unknown host. */
const HOPELESS = /WRONGPASS|NOAUTH|invalid password|ENOTFOUND|EAI_AGAIN/;

/**
 * Waits until a lazy connection is ready, failing with a RedisUnreachableError (naming the
 * last connection error) after `timeoutMs`, or at once on an error no retry will cure.
 */
export async function waitUntilReady(redis: RedisClient, url: string, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  let lastError: { error: string; code?: string } | undefined;
  let onError: ((err: unknown) => void) | undefined;
  const started = Date.now();
  const failed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisUnreachableError(url, lastError, timeoutMs)), timeoutMs);
    onError = (err: unknown) => {
      lastError = redisErrorFields(err);
      if (HOPELESS.test(`${lastError.error} ${lastError.code ?? ''}`)) reject(new RedisUnreachableError(url, lastError, Date.now() - started));
    };
    redis.on('error', onError);
  });
  try {
    const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    // A refused first attempt is retried by the retry strategy; 'ready' or the timeout decides.
    if (redis.status === 'wait') redis.connect().catch(() => undefined);
    await Promise.race([ready, failed]);
  } finally {
    clearTimeout(timer);
    if (onError) redis.off('error', onError);
  }
}

/** A Redis URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/** What a log line says about a Redis (or socket) error: its message and code, never an empty object. */
export function redisErrorFields(err: unknown): { error: string; code?: string } {
  if (!(err instanceof Error)) return { error: String(err) };
  const rawCode: unknown = (err as Error & { code?: unknown }).code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  // Node reports a refused dual-stack connect as an AggregateError with an empty message.
  const inner = err instanceof AggregateError ? err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).join('; ') : '';
  const error = err.message || inner || code || err.name;
  return code ? { error, code } : { error };
}

type ConnectionChange = 'lost' | 'reconnecting' | 'back';

/**
 * Follows any number of connections to one Redis and reports one line per change of the
 * whole: `lost` when the first of them drops, `reconnecting` at the first retry, `back`
 * when every connection that had been ready is ready again. Retries and their errors in
 * between are counted, never reported one by one.
 */
export class RedisConnectionMonitor {
  private readonly ready = new Map<RedisClient, boolean>();
  private down: { since: number; retries: number; lastError?: { error: string; code?: string }; reconnectingSaid: boolean } | undefined;
  private muted = false;
  /** The last error while up: the cause of the drop that usually follows at once. */
  private recent: { at: number; fields: { error: string; code?: string } } | undefined;

  constructor(private readonly report: (change: ConnectionChange, fields: Record<string, unknown>) => void) {}

  /** Follows `redis` (and gives it the 'error' listener ioredis wants). Returns it. */
  watch<R extends RedisClient>(redis: R): R {
    this.ready.set(redis, redis.status === 'ready');
    redis.on('ready', () => {
      this.ready.set(redis, true);
      this.maybeBack();
    });
    redis.on('error', (err: unknown) => this.noteError(err));
    redis.on('close', () => this.lost(redis));
    redis.on('reconnecting', (delayMs: unknown) => this.retrying({ retryInMs: typeof delayMs === 'number' ? delayMs : undefined }));
    if (redis instanceof Cluster) this.watchNodes(redis);
    return redis;
  }

  /**
   * A Cluster stays 'ready' while one of its nodes dies: a lost node is `lost`, the wait for a
   * replica to take its slots over is `reconnecting` (failing over), and `back` comes once
   * every slot has a master the client is connected to again.
   */
  private watchNodes(cluster: Cluster): void {
    // Nodes whose connection ended, until a connection to them is ready again.
    const gone = new Set<string>();
    cluster.on('node error', (err: unknown) => this.noteError(err));
    const keyOf = (node: Redis) => `${node.options.host}:${node.options.port}`;
    cluster.on('-node', (node: Redis) => {
      const key = keyOf(node);
      gone.add(key);
      // A node dropped because the slot map no longer names it (a replaced master, a removed replica) is no loss.
      if (cluster.status === 'ready' && cluster.slots.some((owners) => owners?.[0] === key)) this.lost(cluster);
    });
    cluster.on('+node', (node: Redis) => {
      node.once('ready', () => gone.delete(keyOf(node)));
    });
    cluster.on('refresh', () => {
      if (this.ready.get(cluster) !== false || cluster.status !== 'ready') return;
      if (everySlotServed(cluster, gone)) {
        this.ready.set(cluster, true);
        this.maybeBack();
      } else {
        this.retrying({ failingOver: true });
      }
    });
  }

  private retrying(fields: Record<string, unknown>): void {
    if (!this.down || this.muted) return;
    this.down.retries++;
    if (!this.down.reconnectingSaid) {
      this.down.reconnectingSaid = true;
      this.report('reconnecting', { ...fields, ...this.down.lastError });
    }
  }

  /** An error seen elsewhere (a BullMQ worker's own connection): counted into the current outage. */
  noteError(err: unknown): void {
    if (this.down) this.down.lastError = redisErrorFields(err);
    else this.recent = { at: Date.now(), fields: redisErrorFields(err) };
  }

  /** Whether every followed connection that was ever ready is ready now. */
  get healthy(): boolean {
    return this.down === undefined;
  }

  /** Stops reporting (the process is closing its connections on purpose). */
  mute(): void {
    this.muted = true;
  }

  private lost(redis: RedisClient): void {
    const wasReady = this.ready.get(redis) === true;
    this.ready.set(redis, false);
    if (!wasReady || this.down) return;
    const cause = this.recent && Date.now() - this.recent.at < 1000 ? this.recent.fields : undefined;
    this.down = { since: Date.now(), retries: 0, reconnectingSaid: false, ...(cause ? { lastError: cause } : {}) };
    if (!this.muted) this.report('lost', cause ?? {});
  }

  private maybeBack(): void {
    if (!this.down) return;
    for (const isReady of this.ready.values()) if (!isReady) return;
    const { since, retries, lastError } = this.down;
    this.down = undefined;
    const cause = lastError ? { lastError: lastError.error, ...(lastError.code ? { lastErrorCode: lastError.code } : {}) } : {};
    if (!this.muted) this.report('back', { downMs: Date.now() - since, retries, ...cause });
  }
}

/** Whether the Cluster's slot map names a master for every slot, none of them a node that was lost. */
function everySlotServed(cluster: Cluster, gone: Set<string>): boolean {
  return cluster.slots.length > 0 && cluster.slots.every((owners) => owners?.[0] !== undefined && !gone.has(owners[0]));
}

/** quit() each connection, but never wait on a Redis that is gone: after `timeoutMs`, disconnect(). */
export async function closeConnections(connections: RedisClient[], timeoutMs = 500): Promise<void> {
  await Promise.all(
    connections.map(async (redis) => {
      if (redis.status === 'end') return;
      if (redis.status !== 'ready') return redis.disconnect();
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          redis.disconnect();
          resolve();
        }, timeoutMs);
      });
      await Promise.race([redis.quit().then(() => undefined, () => redis.disconnect()), gaveUp]);
      clearTimeout(timer);
    }),
  );
}
