import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@quorumd/api';
import { Redis } from 'ioredis';

/** A private redis-server on a free port with its own data dir: kill it, restart it on the same port and dir. */
export class RedisProcess {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'quorumd-redis-'));

  private constructor(readonly port: number, private readonly extraArgs: string[]) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(extraArgs: string[] = []): Promise<RedisProcess> {
    const redis = new RedisProcess(await freePort(), extraArgs);
    await redis.restart();
    return redis;
  }

  async restart(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'yes', ...this.extraArgs], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch {
        // not up yet
      } finally {
        probe.disconnect();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('redis-server did not start');
  }

  /** For a replica: waits until its link to the master is up (the initial sync is done). */
  async replicating(timeoutMs = 15_000): Promise<void> {
    const probe = new Redis(this.url, { maxRetriesPerRequest: 1 });
    try {
      const deadline = Date.now() + timeoutMs;
      while (!/master_link_status:up/.test(await probe.info('replication'))) {
        if (Date.now() > deadline) throw new Error('the replica did not sync with its master');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      probe.disconnect();
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    return new Promise((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** SIGSTOP: the process is frozen (its connections stay open, it answers nothing) until thaw(). */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  /** SIGCONT after freeze(). */
  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    this.thaw(); // a frozen server would not act on the SIGTERM
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
