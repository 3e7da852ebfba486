import pino from 'pino';
import { startWorker } from '@quorumd/queue';
import { Harness, REDIS_URL, type Officer } from '../../../test/support/harness';
import { until } from '../../../test/support/eventually';
import { Receiver } from '../../../test/support/receiver';

/**
 * The batch dispatcher tells every ending to its own callback once, and no one else.
 */

const deleteUser = (id: number) => ({ service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id } } });

describe('endings handled by the batch dispatcher reach exactly who hears of them', () => {
  let h: Harness;
  let co1: Officer;
  let co2: Officer;
  let hook1: Receiver;
  let hook2: Receiver;
  let callback: Receiver;
  beforeAll(async () => {
    h = await Harness.start({ env: { QUORUM_DELIVERY_BACKOFF_MS: '50', QUORUM_REQUESTER_MAY_APPROVE: 'false' } });
    await h.adminOfficer();
    co1 = await h.addOfficer('co1');
    co2 = await h.addOfficer('co2');
    [hook1, hook2, callback] = await Promise.all([Receiver.start(), Receiver.start(), Receiver.start()]);
    expect((await h.request('PUT', '/v1/officers/me/webhook', co2.token, { url: hook2.url, secret: 'co2-webhook-secret-1' })).status).toBe(200);
  });
  afterAll(async () => {
    await Promise.all([hook1.close(), hook2.close(), callback.close()]);
    await h.close();
  });

  it('more than a batch of endings, each told to its own callback once; the officer who only approved hears none; nothing left unsent (held)', async () => {
    // co1 asks (no worker runs): 130 tokens, each with a callback; co2 approves each (M = 1).
    const ids: string[] = [];
    for (let i = 0; i < 130; i++) {
      const res = await h.request('POST', '/v1/tokens', co1.token, { ...deleteUser(1000 + i), callbackUrl: `${callback.url}?t=${i}`, callbackSecret: 'requester-callback-secret' });
      ids.push(res.body.token.id as string);
    }
    const bytes = await Promise.all(ids.map((id) => h.tokenBytes(id, co2.token)));
    for (const [i, id] of ids.entries()) {
      const res = await h.request('POST', `/v1/tokens/${id}/approvals`, co2.token, { signature: h.openssl.sign(co2.key!.privatePath, bytes[i]!) });
      expect(res.body.token.status).toBe('APPROVED');
    }
    // co1 sets a webhook after the endings were written: they named no webhook of co1's.
    expect((await h.request('PUT', '/v1/officers/me/webhook', co1.token, { url: hook1.url, secret: 'co1-webhook-secret-1' })).status).toBe(200);
    h.worker = await startWorker(h.config, REDIS_URL, pino({ level: 'silent' }));
    await callback.until((r) => r.length >= 130, 20_000);
    await until('the outbox and the deliveries queue are empty', async () => (await h.redis.xlen(h.store.keys.outbox())) === 0 && (await h.redis.llen(`${h.store.keys.queuePrefix()}:deliveries:wait`)) === 0, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const told = callback.accepted();
    expect(told.map((d) => d.deliveryId).sort()).toEqual(ids.map((id) => `token.approved-${id}-callback`).sort());
    for (const d of told) expect(d.token.status).toBe('APPROVED');
    // Each callback went to its own token's URL.
    for (const r of callback.received) {
      const body = JSON.parse(r.body) as { token: { id: string } };
      expect(r.headers['x-quorum-delivery']).toBe(`token.approved-${body.token.id}-callback`);
    }
    // co2 heard of no ending, and was not asked to approve tokens it had approved before the
    // worker got to their fan-out (nor was anyone: they were APPROVED); co1 heard nothing.
    expect(hook2.received).toEqual([]);
    expect(hook1.received).toEqual([]);
  });
});
