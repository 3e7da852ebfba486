import { OutboxDispatcher, type DeliveryJob, type QuorumQueues } from '@quorumd/queue';
import type { Redis } from 'ioredis';
import { until } from '../../../test/support/eventually';
import type { Harness, Officer } from '../../../test/support/harness';
import { deadLetters, outboxFixture, type OutboxFixture } from '../../../test/support/outbox-fixture';

/**
 * Outbox entries the worker cannot turn into jobs (README "Queues, webhooks and waiting"):
 * set aside to `outbox:dead` rather than retried for ever, and never holding up the entries
 * around them. A real dispatcher on real Redis; where an entry must fail, the queue it adds
 * jobs to refuses that entry's jobs (as a receiver-side bug or a broken job would).
 */
describe('outbox dead letters', () => {
  let fixture: OutboxFixture;
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let blocking: Redis;
  let queues: QuorumQueues;
  const logged: { message: string; fields?: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    fixture = await outboxFixture();
    ({ h, admin, co1, blocking, queues } = fixture);
  });
  afterAll(() => fixture.close());

  async function issue(n: number): Promise<string> {
    const res = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: n } } });
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  }

  /** Runs a dispatcher over `queue` until `done` holds. */
  async function dispatchUntil(queue: QuorumQueues, done: () => Promise<boolean>): Promise<void> {
    const dispatcher = new OutboxDispatcher(h.store, queue, blocking, { requesterMayApprove: false, claimIdleMs: 100, log: (message, fields) => logged.push({ message, fields }) });
    await dispatcher.start();
    try {
      await until('the dispatcher has done its part', done, 10_000);
    } finally {
      await dispatcher.stop();
    }
  }

  const job = (id: string) => queues.deliveries.getJob(`approval.requested-${id}-co${co1.id}`);
  const outboxLength = () => h.redis.xlen(h.store.keys.outbox());
  const dead = () => deadLetters(h);

  it('an entry that names no token, or no known status, is set aside at once; the others of its batch go out', async () => {
    const before = await issue(1);
    await h.redis.xadd(h.store.keys.outbox(), '*', 'id', 'not:a-token', 'status', 'APPROVED', 'to', 'callback');
    await h.redis.xadd(h.store.keys.outbox(), '*', 'id', before, 'status', 'MAYBE');
    const after = await issue(2);
    await dispatchUntil(queues, async () => (await outboxLength()) === 0);
    expect(await job(before)).toBeDefined();
    expect(await job(after)).toBeDefined();
    expect(await dead()).toEqual([
      expect.objectContaining({ id: 'not:a-token', status: 'APPROVED', reason: 'no token id' }),
      expect.objectContaining({ id: before, status: 'MAYBE', reason: 'unknown status' }),
    ]);
    expect(logged.filter((l) => l.message === 'outbox entry dead-lettered')).toHaveLength(2);
  });

  it('an entry that keeps failing on its own is set aside after its attempts, and holds up none of the entries around it', async () => {
    await h.redis.del(h.store.keys.outboxDead());
    const first = await issue(3);
    const poison = await issue(4);
    const last = await issue(5);
    let refused = 0;
    // The queue refuses whatever batch holds the poison entry's job.
    const faulty = {
      deliver: async (jobs: DeliveryJob[]) => {
        if (jobs.some((j) => j.tokenId === poison)) {
          refused++;
          throw new Error('refused by the queue');
        }
        return queues.deliver(jobs);
      },
    } as unknown as QuorumQueues;
    await dispatchUntil(faulty, async () => (await outboxLength()) === 0);
    // The entries around it went out at the first pass, one at a time after the batch failed.
    expect(await job(first)).toBeDefined();
    expect(await job(last)).toBeDefined();
    expect(await job(poison)).toBeUndefined();
    // The batch, then the entry alone five times (each after it had waited the claim period).
    expect(refused).toBe(6);
    expect(await dead()).toEqual([expect.objectContaining({ id: poison, status: 'PENDING', reason: 'failed 5 times: refused by the queue' })]);
  });

  it('counts an entry’s failures across dispatcher restarts: a new dispatcher dead-letters it at the attempts left', async () => {
    await h.redis.del(h.store.keys.outboxDead());
    const poison = await issue(10);
    let refused = 0;
    const faulty = {
      deliver: async (jobs: DeliveryJob[]) => {
        if (jobs.some((j) => j.tokenId === poison)) {
          refused++;
          throw new Error('refused by the queue');
        }
        return queues.deliver(jobs);
      },
    } as unknown as QuorumQueues;
    const failures = async () => Number((await h.redis.hget(h.store.keys.outboxFailures(), (await h.redis.xrange(h.store.keys.outbox(), '-', '+')).find(([, f]) => f.includes(poison))?.[0] ?? '')) ?? 0);
    // A first dispatcher sees it fail three times on its own, then stops (a restart).
    await dispatchUntil(faulty, async () => (await failures()) >= 3);
    expect(await dead()).toEqual([]);
    const before = refused;
    // The next one gives it only the attempts left.
    await dispatchUntil(faulty, async () => (await dead()).length === 1);
    expect(await dead()).toEqual([expect.objectContaining({ id: poison, reason: expect.stringMatching(/^failed 5 times: refused by the queue/) })]);
    expect(refused - before).toBeLessThanOrEqual(2);
    expect(await h.redis.hlen(h.store.keys.outboxFailures())).toBe(0);
  });

  it('while an idle entry keeps failing, new entries still go out (a short claim period)', async () => {
    await h.redis.del(h.store.keys.outboxDead());
    const poison = await issue(8);
    let fresh: string | undefined;
    const faulty = {
      deliver: async (jobs: DeliveryJob[]) => {
        if (jobs.some((j) => j.tokenId === poison)) {
          // After its first failure, a new token is issued: it must not wait for the poison entry's five.
          fresh ??= await issue(9);
          throw new Error('refused by the queue');
        }
        return queues.deliver(jobs);
      },
    } as unknown as QuorumQueues;
    await dispatchUntil(faulty, async () => fresh !== undefined && (await job(fresh)) !== undefined);
    expect(await dead()).toEqual([]);
    await dispatchUntil(faulty, async () => (await dead()).length === 1);
    expect(await dead()).toEqual([expect.objectContaining({ id: poison, reason: 'failed 5 times: refused by the queue' })]);
  });

  it('a stream and group gone from under a running dispatcher (Redis restarted without its data) are made again, and new entries go out', async () => {
    const dispatcher = new OutboxDispatcher(h.store, queues, blocking, { requesterMayApprove: false, claimIdleMs: 100, log: (message, fields) => logged.push({ message, fields }) });
    await dispatcher.start();
    try {
      await h.redis.del(h.store.keys.outbox());
      await new Promise((r) => setTimeout(r, 100));
      const id = await issue(7);
      await until('the new token is asked for', async () => (await job(id)) !== undefined, 10_000);
      expect(await h.redis.xinfo('GROUPS', h.store.keys.outbox())).toHaveLength(1);
    } finally {
      await dispatcher.stop();
    }
  });

  it('while Redis does not answer, an entry is never blamed: it stays in the outbox', async () => {
    await h.redis.del(h.store.keys.outboxDead());
    const id = await issue(6);
    let refused = 0;
    const failing = {
      deliver: async () => {
        refused++;
        throw new Error('connection lost');
      },
    } as unknown as QuorumQueues;
    // The dispatcher's own connection answers nothing but the reads it needs: PING fails.
    const ping = blocking.ping.bind(blocking);
    blocking.ping = (async () => {
      throw new Error('Connection is closed.');
    }) as unknown as typeof blocking.ping;
    try {
      await dispatchUntil(failing, async () => refused >= 8);
    } finally {
      blocking.ping = ping;
    }
    expect(await dead()).toEqual([]);
    expect((await h.redis.xrange(h.store.keys.outbox(), '-', '+')).some(([, fields]) => fields.includes(id))).toBe(true);
    // Once Redis answers and the queue takes jobs again, it goes out.
    await dispatchUntil(queues, async () => (await outboxLength()) === 0);
    expect(await job(id)).toBeDefined();
  });
});
