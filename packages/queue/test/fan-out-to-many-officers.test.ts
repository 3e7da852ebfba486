import { OutboxDispatcher, type QuorumQueues } from '@quorumd/queue';
import type { Redis } from 'ioredis';
import { until } from '../../../test/support/eventually';
import { type Harness, type Officer } from '../../../test/support/harness';
import { outboxFixture, type OutboxFixture } from '../../../test/support/outbox-fixture';

/**
 * The fan-out of a new token reads the officers asked in bounded chunks: thousands of key
 * holders with webhooks are asked.
 */

describe('the fan-out asks its officers when thousands of key holders have webhooks', () => {
  let fixture: OutboxFixture;
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let blocking: Redis;
  let queues: QuorumQueues;

  beforeAll(async () => {
    fixture = await outboxFixture();
    ({ h, admin, co1, blocking, queues } = fixture);
  });
  afterAll(() => fixture.close());

  it('a new token asks its officers when 4,000 key holders have webhooks (the fan-out reads their votes in bounded chunks)', async () => {
    // Key holders with webhooks, written straight into Redis (the fan-out reads only these keys of theirs).
    const pipeline = h.redis.pipeline();
    for (let uid = 100_000; uid < 104_000; uid++) {
      pipeline.sadd(h.store.keys.keyHolders(), String(uid));
      pipeline.hset(h.store.keys.webhook(uid), 'url', 'http://127.0.0.1:9/hook', 'secret', 'bulk-webhook-secret');
    }
    await pipeline.exec();
    const res = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: 2 } } });
    expect(res.status).toBe(201);
    const id = res.body.token.id as string;
    // Two of them, read in later chunks, have decided already (written as the scripts write a vote and a rejection).
    await h.redis.hset(h.store.keys.token(id), 'v:102500', '|1|1|signature', 'r:103500', '1|no');
    const logged: { message: string; fields?: Record<string, unknown> }[] = [];
    const dispatcher = new OutboxDispatcher(h.store, queues, blocking, { requesterMayApprove: false, claimIdleMs: 100, log: (message, fields) => logged.push({ message, fields }) });
    await dispatcher.start();
    try {
      await until('the outbox is empty', async () => (await h.redis.xlen(h.store.keys.outbox())) === 0, 20_000);
    } finally {
      await dispatcher.stop();
    }
    expect(await h.redis.xlen(h.store.keys.outboxDead())).toBe(0);
    expect(await queues.deliveries.getJob(`approval.requested-${id}-co${co1.id}`)).toBeDefined();
    expect(await queues.deliveries.getJob(`approval.requested-${id}-co103999`)).toBeDefined();
    expect(await queues.deliveries.getJob(`approval.requested-${id}-co102500`)).toBeUndefined();
    expect(await queues.deliveries.getJob(`approval.requested-${id}-co103500`)).toBeUndefined();
    expect(await queues.deliveries.getJobCountByTypes('waiting', 'delayed', 'completed', 'failed', 'active', 'prioritized')).toBe(4_000 + 1 - 2);
    expect(logged).toEqual([]);
  }, 60_000);
});
