import { QuorumQueues } from '@quorumd/queue';
import { Redis } from 'ioredis';
import { Harness, REDIS_URL, type Officer } from './harness';

/**
 * What the outbox dispatcher tests share: a harness with no worker (the test's own dispatcher
 * is the only one reading the outbox), co1 with a webhook, the dispatcher's connection and a
 * queue of the test's own, made as the worker makes them (they wait while Redis is away).
 */
export interface OutboxFixture {
  h: Harness;
  admin: Officer;
  co1: Officer;
  blocking: Redis;
  queues: QuorumQueues;
  close(): Promise<void>;
}

export async function outboxFixture(): Promise<OutboxFixture> {
  const h = await Harness.start({ env: { QUORUM_REQUESTER_MAY_APPROVE: 'false' } });
  const admin = await h.adminOfficer();
  const co1 = await h.addOfficer('co1');
  const set = await h.request('PUT', '/v1/officers/me/webhook', co1.token, { url: 'http://127.0.0.1:9/hook', secret: 'co1-webhook-secret-1' });
  if (set.status !== 200) throw new Error(`webhook: ${JSON.stringify(set.body)}`);
  const blocking = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queueConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queues = new QuorumQueues(queueConnection, h.store.keys.queuePrefix(), { deliveryAttempts: 1, deliveryBackoffMs: 50 });
  return {
    h,
    admin,
    co1,
    blocking,
    queues,
    close: async () => {
      await queues.close();
      blocking.disconnect();
      queueConnection.disconnect();
      await h.close();
    },
  };
}

/** The outbox's dead letters, each as an object of its fields. */
export async function deadLetters(h: Harness): Promise<Record<string, string>[]> {
  return (await h.redis.xrange(h.store.keys.outboxDead(), '-', '+')).map(([, fields]) => {
    const entry: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
    return entry;
  });
}
