import { Redis, type RedisOptions } from 'ioredis';

/**
 * Which Redis a deployment uses, from `REDIS_URL`:
 * - `redis://[user:pass@]host:port[/db]`, `rediss://…` (TLS): one server;
 * - `redis-sentinel://[user:pass@]host:port[,host:port…]/<master name>` (`rediss-sentinel://`
 *   for TLS to the master): Redis Sentinel — every connection asks the sentinels for the
 *   current master and follows a failover by itself.
 * Redis Cluster (`redis-cluster://`) is not supported yet (see the README).
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'sentinel'; sentinels: { host: string; port: number }[]; name: string; username?: string; password?: string; tls: boolean };

export function parseRedisUrl(url: string): RedisTarget {
  const sentinel = /^(rediss?)-sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)\/([A-Za-z0-9_.-]+)\/?$/.exec(url);
  if (sentinel) {
    const [, scheme, user, pass, hosts, name] = sentinel as unknown as [string, string, string | undefined, string | undefined, string, string];
    const sentinels = hosts.split(',').map((hostPort) => {
      const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(hostPort.trim());
      if (!match) throw new Error(`REDIS_URL: "${hostPort}" is not host:port`);
      return { host: match[1] as string, port: Number(match[2]) };
    });
    return {
      kind: 'sentinel',
      sentinels,
      name,
      ...(user ? { username: decodeURIComponent(user) } : {}),
      ...(pass ? { password: decodeURIComponent(pass) } : {}),
      tls: scheme === 'rediss',
    };
  }
  if (/^rediss?:\/\//.test(url)) return { kind: 'single', url };
  throw new Error('REDIS_URL must start with redis://, rediss:// or redis-sentinel:// (host:port[,host:port…]/<master name>)');
}

/**
 * A connection to the deployment's Redis, whatever its kind. On Sentinel a connection that
 * meets READONLY (it reached a master that was demoted) reconnects to the current master.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  const target = parseRedisUrl(url);
  if (target.kind === 'single') return new Redis(url, options);
  return new Redis({
    sentinels: target.sentinels,
    name: target.name,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password, sentinelPassword: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
    reconnectOnError: (err) => (/READONLY/.test(err.message) ? 2 : false),
    sentinelRetryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    ...options,
  });
}
