import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '@quorumd/store';

/** Every key a deployment with this prefix leaves in Redis: `{prefix}:*`, BullMQ's `{prefix}:bull:*` included. */
function deploymentKeyPatterns(prefix: string): string[] {
  return [`{${prefix}}:*`];
}

export async function deploymentKeys(client: RedisClient, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  // On a Cluster the keys live on the master that owns the deployment's slot: scan every master.
  const servers: Redis[] = client instanceof Cluster ? client.nodes('master') : [client];
  for (const redis of servers) {
    for (const pattern of deploymentKeyPatterns(prefix)) {
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
    }
  }
  return keys;
}

/** Deletes every key of the deployment (tests share one Redis: each cleans up after itself). */
export async function deleteDeploymentKeys(redis: RedisClient, prefix: string): Promise<void> {
  const keys = await deploymentKeys(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}
