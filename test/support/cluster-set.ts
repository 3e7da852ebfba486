import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import keySlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { until } from './eventually';
import type { FailoverSet } from './failover-set';
import { RedisProcess } from './redis-process';

const run = promisify(execFile);

/** One node's view of who serves which slots: `CLUSTER SHARDS`, reduced to what the tests ask. */
async function slotOwnerPort(port: number, slot: number): Promise<number | undefined> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await probe.connect();
    const slots = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string]][];
    const range = slots.find(([from, to]) => slot >= from && slot <= to);
    return range ? Number(range[2][1]) : undefined;
  } catch {
    return undefined;
  } finally {
    probe.disconnect();
  }
}

/**
 * A Redis Cluster on loopback: three masters and three replicas, each a real redis-server
 * with its own dir (AOF, `appendfsync always`, a 1 s node timeout), joined by
 * `redis-cli --cluster create`.
 */
export class ClusterSet implements FailoverSet {
  private constructor(readonly nodes: RedisProcess[]) {}

  get url(): string {
    return `redis-cluster://${this.nodes
      .slice(0, 3)
      .map((n) => `127.0.0.1:${n.port}`)
      .join(',')}`;
  }

  static async start(): Promise<ClusterSet> {
    const { set, created } = await ClusterSet.launch(['--appendfsync', 'always', '--cluster-node-timeout', '1000']);
    try {
      await created;
      await until(
        'every node says cluster_state:ok and every replica is in sync',
        async () => {
          for (const node of set.nodes) {
            const probe = new Redis({ port: node.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
            try {
              await probe.connect();
              if (!/cluster_state:ok/.test((await probe.call('CLUSTER', 'INFO')) as string)) return false;
              const replication = await probe.info('replication');
              if (/role:slave/.test(replication) && !/master_link_status:up/.test(replication)) return false;
            } catch {
              return false;
            } finally {
              probe.disconnect();
            }
          }
          return true;
        },
        30_000,
      );
    } catch (err) {
      await set.stop(); // a failed start leaves no redis-server behind
      throw err;
    }
    return set;
  }

  /**
   * Starts six nodes and has `redis-cli --cluster create` join them (three masters, a replica
   * each) without waiting for it: `created` settles when the command is done; the replicas'
   * first syncs are still to come then.
   */
  static async launch(extraArgs: string[] = []): Promise<{ set: ClusterSet; created: Promise<void> }> {
    const nodes: RedisProcess[] = [];
    const set = new ClusterSet(nodes);
    try {
      for (let i = 0; i < 6; i++) nodes.push(await RedisProcess.start(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', ...extraArgs]));
    } catch (err) {
      await set.stop();
      throw err;
    }
    const created = run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']).then(() => undefined);
    return { set, created };
  }

  /** The slot of a deployment's keys (`{prefix}:…`). */
  private static slotOf(prefix: string): number {
    return keySlot(`{${prefix}}:`);
  }

  async masterFor(prefix: string): Promise<RedisProcess> {
    const slot = ClusterSet.slotOf(prefix);
    for (const node of this.nodes) {
      const port = await slotOwnerPort(node.port, slot);
      const owner = this.nodes.find((n) => n.port === port);
      if (owner) return owner;
    }
    throw new Error(`no node serves slot ${slot}`);
  }

  async promotedFor(prefix: string, old: RedisProcess, timeoutMs: number): Promise<RedisProcess> {
    const slot = ClusterSet.slotOf(prefix);
    let promoted: RedisProcess | undefined;
    await until(
      `a replica is promoted for slot ${slot}`,
      async () => {
        for (const node of this.nodes.filter((n) => n !== old)) {
          const port = await slotOwnerPort(node.port, slot);
          if (port !== undefined && port !== old.port) {
            promoted = this.nodes.find((n) => n.port === port);
            return promoted !== undefined;
          }
        }
        return false;
      },
      timeoutMs,
    );
    return promoted!;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
