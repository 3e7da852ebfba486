import { spawn } from 'node:child_process';
import { freePort } from '@quorumd/api';
import { Redis } from 'ioredis';
import { deleteDeploymentKeys } from '../support/deployment-keys';
import { RedisProcess } from '../support/redis-process';
import { SERVER_JS, ServerProcess } from '../support/server-process';
import { exitOf, stopChild } from '../support/child-exit';

const login = (url: string, password: string) =>
  fetch(`${url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin', password }) }).then((r) => r.status);

/**
 * A master and its replica started at the same moment as quorumd, with Redis's default
 * `repl-diskless-sync-delay` (5 s): the master counts the replica from its first contact
 * but it acknowledges nothing until its first sync is done.
 */
describe('a start against a replica still in its first sync', () => {
  it('waits for the replica to finish its first sync (one line per change), then bootstraps and is ready', async () => {
    const master = await RedisProcess.start();
    const replica = await RedisProcess.start(['--replicaof', '127.0.0.1', String(master.port)]);
    const prefix = `start-sync-${process.pid}`;
    let server: ServerProcess | undefined;
    try {
      server = await ServerProcess.start({ REDIS_URL: master.url, QUORUM_REDIS_PREFIX: prefix, QUORUM_ADMIN_PASSWORD: 'synced-password', LOG_LEVEL: 'info' });
      const lines = server.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { msg: string });
      const waiting = lines.filter((l) => l.msg === `waiting for replica 127.0.0.1:${replica.port} to finish its first sync`);
      expect(waiting).toHaveLength(1);
      expect(lines.map((l) => l.msg)).toContain('redis replicas in sync');
      expect(server.output).not.toMatch(/failed to start/);
      expect(await login(server.url, 'synced-password')).toBe(201);
      // The bootstrap reached the replica.
      const onReplica = new Redis(replica.url);
      try {
        expect(await onReplica.hget(`{${prefix}}:user:1`, 'name')).toBe('admin');
      } finally {
        onReplica.disconnect();
      }
    } finally {
      await server?.stop();
      const redis = new Redis(master.url);
      await deleteDeploymentKeys(redis, prefix);
      redis.disconnect();
      await replica.stop();
      await master.stop();
    }
  }, 60_000);

  it('past QUORUM_START_TIMEOUT_SECONDS fails in one line naming the replica and its state, having written nothing', async () => {
    const master = await RedisProcess.start();
    const replica = await RedisProcess.start(['--replicaof', '127.0.0.1', String(master.port), '--repl-diskless-sync-delay', '30']);
    const prefix = `start-sync-late-${process.pid}`;
    try {
      const child = spawn(process.execPath, [SERVER_JS], {
        env: { PATH: process.env.PATH ?? '', REDIS_URL: master.url, QUORUM_REDIS_PREFIX: prefix, QUORUM_START_TIMEOUT_SECONDS: '1', PORT: String(await freePort()) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exit = await Promise.race([exitOf(child), new Promise((r) => setTimeout(r, 20_000)).then(() => stopChild(child, 'SIGKILL'))]);
      expect(exit.code).toBe(1);
      expect(stderr.trimEnd().split('\n')).toEqual([
        `quorumd: replica 127.0.0.1:${replica.port} is not in sync with the Redis master after 1 s (QUORUM_START_TIMEOUT_SECONDS) (state wait_bgsave): ` +
          'changes could not be acknowledged by it; wait for it, raise QUORUM_START_TIMEOUT_SECONDS, or see that replica’s log',
      ]);
      const redis = new Redis(master.url);
      try {
        expect(await redis.keys(`{${prefix}}:*`)).toEqual([]);
      } finally {
        redis.disconnect();
      }
    } finally {
      await replica.stop();
      await master.stop();
    }
  }, 60_000);
});
