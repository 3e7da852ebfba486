import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * A connection to the deployment's Redis: one server (or a Sentinel-managed master), or a
 * Redis Cluster. Both speak the same commands; the store keeps every key of a deployment in
 * one hash slot, so on a Cluster they all live on one shard.
 */
export type RedisClient = Redis | Cluster;

interface HostPort {
  host: string;
  port: number;
}

interface Credentials {
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * Which Redis a deployment uses, from `REDIS_URL`:
 * - `redis://[user:pass@]host:port[/db]`, `rediss://…` (TLS): one server;
 * - `redis-sentinel://[user:pass@]host:port[,host:port…]/<master name>` (`rediss-sentinel://`
 *   for TLS to the master): Redis Sentinel — every connection asks the sentinels for the
 *   current master and follows a failover by itself;
 * - `redis-cluster://[user:pass@]host:port[,host:port…]` (`rediss-cluster://` for TLS): Redis
 *   Cluster — the nodes given are seeds; the client learns the slots and follows MOVED,
 *   ASK and a failover by itself.
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | ({ kind: 'sentinel'; sentinels: HostPort[]; name: string } & Credentials)
  | ({ kind: 'cluster'; nodes: HostPort[] } & Credentials);

const SCHEMES = 'REDIS_URL must start with redis://, rediss://, redis-sentinel:// (host:port[,host:port…]/<master name>) or redis-cluster:// (host:port[,host:port…])';

function hostPorts(list: string): HostPort[] {
  return list.split(',').map((hostPort) => {
    const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(hostPort.trim());
    // The text is not echoed: with an unencoded '@' or '/' in a password, it holds part of it.
    if (!match) throw new Error('REDIS_URL: a node is not host:port (percent-encode any @, : or / in the user name or password)');
    return { host: (match[1] ?? match[2]) as string, port: Number(match[3]) };
  });
}

function credentials(scheme: string, user: string | undefined, pass: string | undefined): Credentials {
  return {
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(pass ? { password: decodeURIComponent(pass) } : {}),
    tls: scheme === 'rediss',
  };
}

export function parseRedisUrl(url: string): RedisTarget {
  const sentinel = /^(rediss?)-sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)\/([A-Za-z0-9_.-]+)\/?$/.exec(url);
  if (sentinel) {
    const [, scheme, user, pass, hosts, name] = sentinel as unknown as [string, string, string | undefined, string | undefined, string, string];
    return { kind: 'sentinel', sentinels: hostPorts(hosts), name, ...credentials(scheme, user, pass) };
  }
  const cluster = /^(rediss?)-cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]+)\/?$/.exec(url);
  if (cluster) {
    const [, scheme, user, pass, hosts] = cluster as unknown as [string, string, string | undefined, string | undefined, string];
    return { kind: 'cluster', nodes: hostPorts(hosts), ...credentials(scheme, user, pass) };
  }
  if (/^rediss?:\/\//.test(url)) return { kind: 'single', url };
  throw new Error(SCHEMES);
}

/** The options that belong to the Cluster client itself; the rest go to each node's connection. */
function clusterOptions(target: Credentials, options: RedisOptions): ClusterOptions {
  const { lazyConnect, enableOfflineQueue, enableAutoPipelining, retryStrategy, ...perNode } = options;
  return {
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...(enableAutoPipelining !== undefined ? { enableAutoPipelining } : {}),
    // Retried while the whole cluster is unreachable; a node that is lost is followed by MOVED and a slot refresh.
    clusterRetryStrategy: (attempt) => (retryStrategy ? retryStrategy(attempt) : Math.min(100 * attempt, 1000)),
    // During a failover the slot's master is gone for a few seconds: keep trying the refreshed map.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    retryDelayOnMoved: 50,
    maxRedirections: 8,
    slotsRefreshTimeout: 2000,
    slotsRefreshInterval: 2000,
    redisOptions: {
      ...perNode,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  };
}

/**
 * A connection to the deployment's Redis, whatever its kind. On Sentinel a connection that
 * meets READONLY (it reached a master that was demoted) reconnects to the current master.
 */
export function createRedis(url: string, options: RedisOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  if (target.kind === 'single') return new Redis(url, options);
  if (target.kind === 'cluster') return new Cluster(target.nodes, clusterOptions(target, options));
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
