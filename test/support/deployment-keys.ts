import type { Redis } from 'ioredis';

/** Every key a deployment with this prefix leaves in Redis: `{prefix}:*`, BullMQ's `{prefix}:bull:*` included. */
function deploymentKeyPatterns(prefix: string): string[] {
  return [`{${prefix}}:*`];
}

export async function deploymentKeys(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (const pattern of deploymentKeyPatterns(prefix)) {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys;
}

/** Deletes every key of the deployment (tests share one Redis: each cleans up after itself). */
export async function deleteDeploymentKeys(redis: Redis, prefix: string): Promise<void> {
  const keys = await deploymentKeys(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
}
