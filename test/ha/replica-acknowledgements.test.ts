import { QuorumError, hashPassword } from '@quorumd/core';
import { buildApp, loadConfig } from '@quorumd/api';
import { QuorumStore, TokenEvents, connectForEvents, connectForRequests, toQuorumError, waitUntilReady } from '@quorumd/store';
import { Harness } from '../support/harness';
import { RedisProcess } from '../support/redis-process';

/**
 * What a replica or a Cluster node that lost the slot answers is "the store is unavailable"
 * (503, retry), never a 500; and readiness means the deployment's slot takes writes here.
 */
describe('Redis that cannot take the deployment’s writes', () => {
  it.each([
    ['MOVED 8634 127.0.0.1:7002'],
    ['ASK 8634 127.0.0.1:7002'],
    ['CLUSTERDOWN The cluster is down'],
    ['TRYAGAIN Multiple keys request during rehashing of slot'],
    ["READONLY You can't write against a read only replica."],
    ['LOADING Redis is loading the dataset in memory'],
    ['NOREPLICAS Not enough good replicas to write.'],
    ['NOSCRIPT No matching script. Please use EVAL.'],
  ])('maps %s to RET_STORE_UNAVAILABLE', (message) => {
    const mapped = toQuorumError(new Error(message));
    expect(mapped).toBeInstanceOf(QuorumError);
    expect((mapped as QuorumError).code).toBe('RET_STORE_UNAVAILABLE');
  });

  it('on a read-only replica: /readyz is 503 (a PING would answer) and a write is 503, not 500', async () => {
    const master = await RedisProcess.start();
    const replica = await RedisProcess.start(['--replicaof', '127.0.0.1', String(master.port)]);
    const redis = connectForRequests(replica.url);
    const subscriber = connectForEvents(replica.url);
    try {
      await waitUntilReady(redis, replica.url);
      expect(await redis.ping()).toBe('PONG');
      const store = new QuorumStore(redis, { prefix: 'replica-test', retentionMs: 60_000 });
      const events = new TokenEvents(subscriber, store.keys.events());
      await events.start();
      const app = await buildApp({ store, events, config: loadConfig({ LOG_LEVEL: 'silent' }), issuer: 'replica-test' });
      try {
        const ready = await app.inject({ method: 'GET', url: '/readyz' });
        expect({ status: ready.statusCode, code: ready.json().code }).toEqual({ status: 503, code: 'RET_STORE_UNAVAILABLE' });
        const login = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { name: 'admin', password: 'whatever-password' } });
        expect(login.statusCode).not.toBe(500);
        expect([401, 503]).toContain(login.statusCode);
      } finally {
        events.close();
        await app.close();
      }
    } finally {
      redis.disconnect();
      subscriber.disconnect();
      await replica.stop();
      await master.stop();
    }
  });

  it('answers a change 2xx only once a replica holds it; with the replica gone, 503 saying the change may have been committed', async () => {
    const master = await RedisProcess.start();
    const replica = await RedisProcess.start(['--replicaof', '127.0.0.1', String(master.port)]);
    await replica.replicating();
    const h = await Harness.start({ redisUrl: master.url, env: { QUORUM_MIN_REPLICAS: '1', QUORUM_REPLICA_ACK_TIMEOUT_MS: '300' } });
    try {
      const ok = await h.request('POST', '/v1/tokens', h.adminToken, { service: 'USER_MGMT', operation: { command: 'deployRelease', args: { n: 1 } } });
      expect(ok.status).toBe(201);
      await replica.kill('SIGKILL');
      const res = await h.request('POST', '/v1/tokens', h.adminToken, { service: 'USER_MGMT', operation: { command: 'deployRelease', args: { n: 2 } } });
      expect({ status: res.status, code: res.body.code, mayHaveCommitted: res.body.mayHaveCommitted }).toEqual({ status: 503, code: 'RET_STORE_UNAVAILABLE', mayHaveCommitted: true });
      expect(res.body.message).toMatch(/may have been committed/);
      // It was: the client reads the state before trying again.
      const listed = (await h.request('GET', '/v1/tokens', h.adminToken)).body.tokens as { operation: { args: { n?: number } } }[];
      expect(listed.some((t) => t.operation.args.n === 2)).toBe(true);
    } finally {
      await h.close();
      await replica.stop();
      await master.stop();
    }
  });

  it('a change whose replication cannot be confirmed (WAIT refused: the node is no longer a master) is 503 saying it may have been committed, not a 500', async () => {
    const master = await RedisProcess.start();
    // A writable replica: the script runs there, as on a master that was demoted under it.
    const replica = await RedisProcess.start(['--replicaof', '127.0.0.1', String(master.port), '--replica-read-only', 'no']);
    const redis = connectForRequests(replica.url);
    try {
      await waitUntilReady(redis, replica.url);
      const store = new QuorumStore(redis, { prefix: 'replica-wait-test', retentionMs: 60_000, replicaAcks: { minReplicas: 1, timeoutMs: 300 } });
      const refused = await store.users.bootstrap('replica-wait-test', await hashPassword('whatever-password')).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(QuorumError);
      expect({ code: (refused as QuorumError).code, details: (refused as QuorumError).details }).toEqual({ code: 'RET_STORE_UNAVAILABLE', details: { mayHaveCommitted: true } });
    } finally {
      redis.disconnect();
      await replica.stop();
      await master.stop();
    }
  });
});
