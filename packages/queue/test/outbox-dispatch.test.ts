import { startWorker } from '@quorumd/queue';
import pino from 'pino';
import { Harness, REDIS_URL, type Officer } from '../../../test/support/harness';
import { until } from '../../../test/support/eventually';
import { Receiver } from '../../../test/support/receiver';

/**
 * The outbox dispatcher's batches (README "Queues and notifications"): many new tokens' fan-outs
 * in one go, endings whose entries name who hears of them, and entries written before entries
 * named them (the worker reads the token then).
 */
describe('outbox dispatch', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let hook1: Receiver;
  let hook2: Receiver;

  beforeAll(async () => {
    h = await Harness.start({ env: { QUORUM_DELIVERY_BACKOFF_MS: '50', QUORUM_REQUESTER_MAY_APPROVE: 'false' } });
    admin = await h.adminOfficer();
    co1 = await h.addOfficer('co1');
    co2 = await h.addOfficer('co2');
    [hook1, hook2] = await Promise.all([Receiver.start(), Receiver.start()]);
    expect((await h.request('PUT', '/v1/officers/me/webhook', co1.token, { url: hook1.url, secret: 'co1-webhook-secret-1' })).status).toBe(200);
    expect((await h.request('PUT', '/v1/officers/me/webhook', co2.token, { url: hook2.url, secret: 'co2-webhook-secret-1' })).status).toBe(200);
  });
  afterAll(async () => {
    await Promise.all([hook1.close(), hook2.close()]);
    await h.close();
  });

  async function issue(as: Officer, n: number, extra: object = {}): Promise<string> {
    const res = await h.request('POST', '/v1/tokens', as.token, { service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id: n } }, ...extra });
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  }

  it('fans out tokens written while no worker ran, many to a batch, never to their requester', async () => {
    const byCo1 = await Promise.all(Array.from({ length: 20 }, (_, i) => issue(co1, 100 + i)));
    const byCo2 = await Promise.all(Array.from({ length: 20 }, (_, i) => issue(co2, 200 + i)));
    expect(await h.redis.xlen(h.store.keys.outbox())).toBeGreaterThanOrEqual(40);
    h.worker = await startWorker(h.config, REDIS_URL, pino({ level: 'silent' }));
    await hook2.until((r) => r.length >= 20);
    await hook1.until((r) => r.length >= 20);
    // Whatever could still arrive has: the outbox and the deliveries queue are empty.
    await until('the outbox and the deliveries queue are empty', async () => (await h.redis.xlen(h.store.keys.outbox())) === 0 && (await h.redis.llen(`${h.store.keys.queuePrefix()}:deliveries:wait`)) === 0, 10_000);
    const asked = (hook: Receiver) => hook.accepted().filter((d) => d.event === 'approval.requested').map((d) => d.token.id).sort();
    expect(asked(hook2)).toEqual([...byCo1].sort());
    expect(asked(hook1)).toEqual([...byCo2].sort());
  });

  it('an officer who asked hears how its token ended at its webhook, its callback too', async () => {
    const callback = await Receiver.start();
    try {
      const id = await issue(co1, 300, { callbackUrl: callback.url, callbackSecret: 'requester-callback-secret' });
      // The two officers who could approve it (the requester may not) both reject it: it ends.
      for (const o of [co2, admin]) expect((await h.request('POST', `/v1/tokens/${id}/rejections`, o.token, { reason: 'not today' })).status).toBe(200);
      expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.status).toBe('REJECTED');
      await hook1.until((r) => r.some((x) => x.body.includes('token.rejected') && x.body.includes(id)));
      await callback.until((r) => r.some((x) => x.body.includes('token.rejected')));
      expect(hook1.accepted().filter((d) => d.token.id === id && d.event === 'token.rejected').map((d) => d.deliveryId)).toEqual([`token.rejected-${id}-co${co1.id}`]);
      expect(callback.accepted().map((d) => d.deliveryId)).toEqual([`token.rejected-${id}-callback`]);
      // The officer who only approved or rejected hears nothing of the ending.
      expect(hook2.accepted().filter((d) => d.token.id === id && d.event !== 'approval.requested')).toEqual([]);
    } finally {
      await callback.close();
    }
  });

  it('an entry without its recipients (written by an older version) still reaches them', async () => {
    const callback = await Receiver.start();
    try {
      await h.worker!.close();
      h.worker = undefined;
      const id = await issue(admin, 400, { callbackUrl: callback.url, callbackSecret: 'requester-callback-secret' });
      expect((await h.approve(id, co1)).status).toBe(200);
      expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.status).toBe('APPROVED');
      // The entries as an older version wrote them: no `to`.
      await h.redis.del(h.store.keys.outbox());
      await h.redis.xgroup('CREATE', h.store.keys.outbox(), 'dispatch', '0', 'MKSTREAM');
      await h.redis.xadd(h.store.keys.outbox(), '*', 'id', id, 'status', 'APPROVED');
      h.worker = await startWorker(h.config, REDIS_URL, pino({ level: 'silent' }));
      await callback.until((r) => r.some((x) => x.body.includes('token.approved')));
      expect(callback.accepted().map((d) => d.deliveryId)).toEqual([`token.approved-${id}-callback`]);
    } finally {
      await callback.close();
    }
  });
  it('a token approved, reopened and approved again: its requester hears both approvals, the officers who had not decided are asked again', async () => {
    const callback = await Receiver.start();
    const approvedIds = () => callback.accepted().filter((d) => d.event === 'token.approved').map((d) => d.deliveryId);
    const askedIds = (hook: Receiver, id: string) => hook.accepted().filter((d) => d.token.id === id && d.event === 'approval.requested').map((d) => d.deliveryId);
    try {
      const id = await issue(admin, 600, { callbackUrl: callback.url, callbackSecret: 'requester-callback-secret' });
      await hook1.until(() => askedIds(hook1, id).length === 1);
      await hook2.until(() => askedIds(hook2, id).length === 1);
      // USER_MGMT's M is 1: co1's approval carries it.
      expect((await h.approve(id, co1)).body.token.status).toBe('APPROVED');
      await callback.until(() => approvedIds().length === 1);
      // M raised to 2: the token is PENDING again (its first reopening). co2, who had not
      // decided, is asked again, with an id of its own; co1, whose vote still counts, is not.
      await h.setM(admin, 'USER_MGMT', 2, [co1, co2]);
      expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.status).toBe('PENDING');
      await hook2.until(() => askedIds(hook2, id).length === 2);
      expect(askedIds(hook2, id)).toEqual([`approval.requested-${id}-co${co2.id}`, `approval.requested-${id}-co${co2.id}-r1`]);
      expect((await h.approve(id, co2)).body.token.status).toBe('APPROVED');
      // The second approval is news to the requester: a delivery of its own, not dropped as a repeat of the first.
      await callback.until(() => approvedIds().length === 2);
      expect(approvedIds()).toEqual([`token.approved-${id}-callback`, `token.approved-${id}-callback-r1`]);
      await until('the outbox is empty', async () => (await h.redis.xlen(h.store.keys.outbox())) === 0, 10_000);
      await new Promise((r) => setTimeout(r, 200));
      expect(askedIds(hook1, id)).toEqual([`approval.requested-${id}-co${co1.id}`]);
      expect(approvedIds()).toHaveLength(2);
    } finally {
      await h.setM(admin, 'USER_MGMT', 1, [co1, co2]);
      await callback.close();
    }
  });

  it('a token decided before its fan-out ran asks nobody', async () => {
    await h.worker!.close();
    h.worker = undefined;
    const id = await issue(admin, 700);
    expect((await h.approve(id, co1)).body.token.status).toBe('APPROVED');
    const later = await issue(admin, 701);
    h.worker = await startWorker(h.config, REDIS_URL, pino({ level: 'silent' }));
    // The token issued after it is asked for: the batch has been worked once that arrives.
    await hook1.until((r) => r.some((x) => x.body.includes(later)));
    await until('the outbox is empty', async () => (await h.redis.xlen(h.store.keys.outbox())) === 0, 10_000);
    expect([...hook1.received, ...hook2.received].filter((r) => r.body.includes(id))).toEqual([]);
  });

  it('a deleted officer hears nothing more, not even how the tokens it asked for end', async () => {
    const co3 = await h.addOfficer('co3');
    const hook3 = await Receiver.start();
    try {
      expect((await h.request('PUT', '/v1/officers/me/webhook', co3.token, { url: hook3.url, secret: 'co3-webhook-secret-1' })).status).toBe(200);
      const id = await issue(co3, 500);
      expect((await h.request('DELETE', `/v1/users/${co3.id}`, admin.token, {})).status).toBe(200);
      expect(await h.redis.exists(h.store.keys.webhook(co3.id))).toBe(0);
      expect((await h.approve(id, co1)).status).toBe(200);
      const ending = (await h.redis.xrange(h.store.keys.outbox(), '-', '+')).find(([, f]) => f.includes(id) && f.includes('APPROVED'));
      // Read before or after the worker took it: either way the entry named nobody, or it is gone and no job was made.
      if (ending) expect(ending[1][ending[1].indexOf('to') + 1]).toBe('');
      await new Promise((r) => setTimeout(r, 300));
      expect(hook3.received.filter((r) => r.body.includes('token.approved'))).toEqual([]);
    } finally {
      await hook3.close();
    }
  });
});
