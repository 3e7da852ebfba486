import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@quorumd/api';
import { Redis } from 'ioredis';
import { until } from './eventually';
import type { FailoverSet } from './failover-set';
import { RedisProcess } from './redis-process';

const MASTER_NAME = 'quorumd-master';

/** A Redis Sentinel set-up on loopback: a master, a replica and three sentinels, each a real process. */
export class SentinelSet implements FailoverSet {
  private constructor(
    readonly master: RedisProcess,
    readonly replica: RedisProcess,
    private readonly sentinels: { port: number; child: ChildProcess; dir: string }[],
  ) {}

  /** `redis-sentinel://…/<master name>` for quorumd. */
  get url(): string {
    return `redis-sentinel://${this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${MASTER_NAME}`;
  }

  static async start(): Promise<SentinelSet> {
    const set = await SentinelSet.launch(['--appendfsync', 'always']);
    try {
      await set.replica.replicating();
      // Sentinels learn of the replica from the master's INFO (every few seconds): wait for it.
      await until('the sentinels know the replica', async () => {
        const probe = new Redis({ port: set.sentinels[0]!.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        try {
          await probe.connect();
          const replicas = (await probe.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[];
          return replicas.length > 0;
        } catch {
          return false;
        } finally {
          probe.disconnect();
        }
      }, 30_000);
    } catch (err) {
      await set.stop(); // a failed start leaves no redis-server behind
      throw err;
    }
    return set;
  }

  /**
   * Starts the master, the replica and the three sentinels at once and waits for none of them
   * to be in sync (as `docker compose up` does): the replica's first sync is still to come.
   */
  static async launch(extraArgs: string[] = []): Promise<SentinelSet> {
    const master = await RedisProcess.start(extraArgs);
    const replica = await RedisProcess.start([...extraArgs, '--replicaof', '127.0.0.1', String(master.port)]);
    const sentinels: { port: number; child: ChildProcess; dir: string }[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'quorumd-sentinel-'));
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
          `sentinel failover-timeout ${MASTER_NAME} 5000`,
          `sentinel parallel-syncs ${MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
      sentinels.push({ port, child, dir });
    }
    return new SentinelSet(master, replica, sentinels);
  }

  /** The port of the master the sentinels name now. */
  async masterPort(): Promise<number> {
    const probe = new Redis({ port: this.sentinels[0]!.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    try {
      const [, port] = (await probe.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as [string, string];
      return Number(port);
    } finally {
      probe.disconnect();
    }
  }

  async masterFor(): Promise<RedisProcess> {
    const port = await this.masterPort();
    const master = [this.master, this.replica].find((p) => p.port === port);
    if (!master) throw new Error(`the sentinels name an unknown master on port ${port}`);
    return master;
  }

  async promotedFor(_prefix: string, old: RedisProcess, timeoutMs: number): Promise<RedisProcess> {
    await until('the sentinels promote the replica', async () => (await this.masterPort().catch(() => old.port)) !== old.port, timeoutMs);
    return this.masterFor();
  }

  async stop(): Promise<void> {
    for (const s of this.sentinels) {
      if (s.child.exitCode === null) {
        await new Promise<void>((resolve) => {
          s.child.once('exit', () => resolve());
          s.child.kill('SIGKILL');
        });
      }
      rmSync(s.dir, { recursive: true, force: true });
    }
    await Promise.all([this.master.stop(), this.replica.stop()]);
  }
}
