import { connect, createServer, type Server, type Socket } from 'node:net';
import { OutboxDispatcher, type QuorumQueues } from '@quorumd/queue';
import { QuorumStore, connectForRequests, waitUntilReady, type RedisClient } from '@quorumd/store';
import type { Redis } from 'ioredis';
import { until } from '../../../test/support/eventually';
import { REDIS_URL, type Harness, type Officer } from '../../../test/support/harness';
import { deadLetters, outboxFixture, type OutboxFixture } from '../../../test/support/outbox-fixture';

/**
 * An outbox entry is dead-lettered only for a fault of its own: Redis away or slow is no
 * fault of the entry. A real dispatcher on real Redis.
 */

/**
 * A TCP relay to the test Redis that can stop passing on what its clients send (and pass it
 * on later): a connection through it sees a Redis that does not answer, as a connection with a
 * command timeout sees a Redis that is busy or a network that stalls, while every other
 * connection to the same Redis is answered.
 */
class StallingRelay {
  private stalled = false;
  private held: (() => void)[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<StallingRelay> {
    const { hostname, port } = new URL(target);
    let relay: StallingRelay | undefined;
    const server = createServer((client) => {
      const upstream = connect(Number(port || 6379), hostname);
      relay!.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => {
        if (relay!.stalled) relay!.held.push(() => upstream.write(chunk));
        else upstream.write(chunk);
      });
      upstream.pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      for (const s of [client, upstream]) {
        s.on('error', end);
        s.on('close', end);
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    relay = new StallingRelay(server, `redis://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
    return relay;
  }

  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const write of this.held.splice(0)) write();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('outbox dead letters: a store that does not answer is no fault of the entry', () => {
  let fixture: OutboxFixture;
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let blocking: Redis;
  let queues: QuorumQueues;
  let relay: StallingRelay;
  let storeRedis: RedisClient;
  let store: QuorumStore;

  beforeAll(async () => {
    fixture = await outboxFixture();
    ({ h, admin, co1, blocking, queues } = fixture);
    relay = await StallingRelay.start(REDIS_URL);
    // The worker's store connection, made as notification-worker.ts makes it (a 900 ms command timeout, one retry).
    storeRedis = connectForRequests(relay.url, { enableOfflineQueue: true, lazyConnect: false });
    storeRedis.on('error', () => undefined);
    await waitUntilReady(storeRedis, relay.url);
    store = new QuorumStore(storeRedis, { prefix: h.prefix, retentionMs: h.config.tokenRetentionSeconds * 1000 });
  });
  afterAll(async () => {
    relay.resume();
    storeRedis.disconnect();
    await relay.close();
    await fixture.close();
  });

  it("a new token's entry is not dead-lettered while the worker's store connection times out and the dispatcher's own connection answers PING", async () => {
    const res = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 1 } } });
    expect(res.status).toBe(201);
    const id = res.body.token.id as string;
    const logged: { message: string; fields?: Record<string, unknown> }[] = [];
    const dead = () => deadLetters(h);
    const outboxLength = () => h.redis.xlen(h.store.keys.outbox());
    const job = () => queues.deliveries.getJob(`approval.requested-${id}-co${co1.id}`);

    // Redis is busy (or the network stalls) as the store's connection sees it: its commands time out.
    relay.stall();
    const stalled = new OutboxDispatcher(store, queues, blocking, { requesterMayApprove: false, claimIdleMs: 100, log: (message, fields) => logged.push({ message, fields }) });
    await stalled.start();
    try {
      // Six failed passes are more than the five attempts an entry that is at fault gets.
      await until('a dead letter or six failed passes', async () => (await dead()).length > 0 || logged.filter((l) => l.message === 'outbox dispatch failed; retrying').length >= 6, 30_000);
    } finally {
      await stalled.stop();
    }
    expect(await dead()).toEqual([]);
    expect((await h.redis.xrange(h.store.keys.outbox(), '-', '+')).some(([, fields]) => fields.includes(id))).toBe(true);

    // Once the store answers again, the officer is asked.
    relay.resume();
    const resumed = new OutboxDispatcher(store, queues, blocking, { requesterMayApprove: false, claimIdleMs: 100, log: () => undefined });
    await resumed.start();
    try {
      await until('the outbox is empty', async () => (await outboxLength()) === 0, 15_000);
    } finally {
      await resumed.stop();
    }
    expect(await job()).toBeDefined();
  }, 60_000);
});
