import { verifyPassword, type QuorumError } from '@quorumd/core';
import { bootstrapAdmin } from '@quorumd/api';
import { QuorumStore, connectForRequests, waitUntilReady } from '@quorumd/store';
import { Redis } from 'ioredis';
import { RedisProcess } from '../support/redis-process';

/**
 * The bootstrap's WAIT may fall short (a replica frozen, resyncing): the admin write is on the
 * master all the same. It is read back and completed on the same start, and a random password
 * is handed out only once the admin is known to exist with it.
 */
describe('the bootstrap is never half-done', () => {
  let master: RedisProcess;
  let replica: RedisProcess;
  beforeAll(async () => {
    master = await RedisProcess.start();
    replica = await RedisProcess.start(['--replicaof', '127.0.0.1', String(master.port)]);
    await replica.replicating(30_000);
  }, 40_000);
  afterAll(async () => {
    await replica?.stop();
    await master?.stop();
  });

  const storeOn = async (prefix: string) => {
    const redis = connectForRequests(master.url);
    await waitUntilReady(redis, master.url);
    return { redis, store: new QuorumStore(redis, { prefix, retentionMs: 60_000, replicaAcks: { minReplicas: 'auto', timeoutMs: 200 } }) };
  };

  it('completes a bootstrap answered mayHaveCommitted on the same start, and hands out the random password it holds', async () => {
    const { redis, store } = await storeOn('boot-retry');
    const retries: QuorumError[] = [];
    replica.freeze();
    try {
      const boot = await bootstrapAdmin(store, {
        issuer: 'boot-retry',
        adminPassword: undefined,
        timeoutMs: 30_000,
        onRetry: (err) => {
          retries.push(err);
          replica.thaw();
        },
      });
      expect(retries.map((e) => e.details)).toEqual([{ mayHaveCommitted: true }]);
      expect(boot.admin.kind).toBe('created');
      const password = boot.admin.kind === 'created' ? boot.admin.password : undefined;
      expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
      const admin = await store.users.get(1);
      expect(await verifyPassword(password!, admin!.passwordHash)).toBe(true);
      // The replica holds it: a failover now would keep the admin that password opens.
      const onReplica = new Redis(replica.url);
      try {
        expect(await onReplica.hget('{boot-retry}:user:1', 'pw')).toBe(admin!.passwordHash);
      } finally {
        onReplica.disconnect();
      }
      // A later start says what it found, never "created" again.
      expect((await bootstrapAdmin(store, { issuer: 'boot-retry', adminPassword: undefined, timeoutMs: 1000, onRetry: () => undefined })).admin).toEqual({ kind: 'existing', createdAt: admin!.createdAt, adminPassword: 'unset' });
    } finally {
      replica.thaw();
      await redis.flushall();
      redis.disconnect();
    }
  }, 40_000);

  it('with QUORUM_ADMIN_PASSWORD: the password that was used is recognised on a later start, a different one is not', async () => {
    const { redis, store } = await storeOn('boot-env');
    replica.freeze();
    try {
      const boot = await bootstrapAdmin(store, { issuer: undefined, adminPassword: 'chosen-password', timeoutMs: 30_000, onRetry: () => replica.thaw() });
      expect(boot.admin).toMatchObject({ kind: 'created' });
      expect(boot.admin).not.toHaveProperty('password');
      const later = (adminPassword: string | undefined) => bootstrapAdmin(store, { issuer: boot.issuer, adminPassword, timeoutMs: 1000, onRetry: () => undefined });
      expect((await later('chosen-password')).admin).toMatchObject({ kind: 'existing', adminPassword: 'matches' });
      expect((await later('another-password')).admin).toMatchObject({ kind: 'existing', adminPassword: 'differs' });
    } finally {
      replica.thaw();
      await redis.flushall();
      redis.disconnect();
    }
  }, 40_000);

  it('past the bound, the start fails saying the admin exists on the master with its random password', async () => {
    const { redis, store } = await storeOn('boot-late');
    replica.freeze();
    try {
      const failed = await bootstrapAdmin(store, { issuer: 'boot-late', adminPassword: undefined, timeoutMs: 1000, onRetry: () => undefined }).catch((err: unknown) => err as Error);
      expect(failed).toBeInstanceOf(Error);
      const password = /with password (\S+) \(keep it: it is not shown again\)$/.exec((failed as Error).message)?.[1];
      expect((failed as Error).message).toMatch(/^the bootstrap was made on the Redis master but its replication was not confirmed within 1 s \(QUORUM_START_TIMEOUT_SECONDS\)/);
      replica.thaw();
      expect(await verifyPassword(password!, (await store.users.get(1))!.passwordHash)).toBe(true);
    } finally {
      replica.thaw();
      await redis.flushall();
      redis.disconnect();
    }
  }, 40_000);
});
