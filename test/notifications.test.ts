import { verifyWebhookSignature } from '@quorumd/core';
import { until } from './support/eventually';
import { Harness, type Officer } from './support/harness';
import { Receiver } from './support/receiver';

const SECRET = 'officer-webhook-secret-1';

/** Queues, webhooks and waiting (README) with a real worker, real Redis and real HTTP receivers on loopback. */
describe('queues and notifications', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let hook: Receiver;

  beforeAll(async () => {
    const env = { QUORUM_DELIVERY_ATTEMPTS: '3', QUORUM_DELIVERY_BACKOFF_MS: '50', QUORUM_DELIVERY_TIMEOUT_MS: '2000' };
    h = await Harness.start({ env, worker: true });
    admin = await h.adminOfficer();
    co1 = await h.addOfficer('co1');
    co2 = await h.addOfficer('co2');
    hook = await Receiver.start();
  });
  afterAll(async () => {
    await hook.close();
    await h.close();
  });

  async function issue(operation: object, extra: object = {}, as = admin): Promise<string> {
    const res = await h.request('POST', '/v1/tokens', as.token, { service: 'USER_MGMT', operation, ...extra });
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  }

  it('a CO’s webhook receives approval.requested, signed with HMAC-SHA256', async () => {
    expect((await h.request('PUT', '/v1/officers/me/webhook', co1.token, { url: hook.url, secret: SECRET })).status).toBe(200);
    expect((await h.request('GET', '/v1/officers/me/webhook', co1.token)).body).toEqual({ webhook: { url: hook.url } });
    const id = await issue({ command: 'deleteUser', args: { id: 500 } });
    await hook.until((r) => r.some((x) => x.body.includes(id)));
    const got = hook.received.find((x) => x.body.includes(id))!;
    expect(JSON.parse(got.body)).toMatchObject({ event: 'approval.requested', token: { id, status: 'PENDING' } });
    expect(got.headers['x-quorum-delivery']).toBe(`approval.requested-${id}-co${co1.id}`);
    expect(verifyWebhookSignature(SECRET, got.body, got.headers['x-quorum-signature'] as string)).toBe(true);
    expect(verifyWebhookSignature('wrong-secret-wrong', got.body, got.headers['x-quorum-signature'] as string)).toBe(false);
  });

  it('the pending list shows a token at once and drops it once the CO decided', async () => {
    const id = await issue({ command: 'deleteUser', args: { id: 501 } });
    const pending = async (o: Officer) => (await h.request('GET', '/v1/officers/me/pending', o.token)).body.tokens.map((t: { id: string }) => t.id);
    expect(await pending(co1)).toContain(id);
    expect(await pending(co2)).toContain(id);
    await h.request('POST', `/v1/tokens/${id}/rejections`, co2.token, { reason: 'not today' });
    expect(await pending(co2)).not.toContain(id);
    expect(await pending(co1)).toContain(id);
    await h.approve(id, co1);
    expect(await pending(co1)).not.toContain(id);
    expect(await pending(admin)).not.toContain(id);
  });

  it('retries a failing receiver, dead-letters it after the last attempt, and replays it', async () => {
    const failing = await Receiver.start();
    failing.respond = () => 500;
    try {
      await h.request('PUT', '/v1/officers/me/webhook', co2.token, { url: failing.url, secret: SECRET });
      const id = await issue({ command: 'deleteUser', args: { id: 502 } });
      const deliveryId = `approval.requested-${id}-co${co2.id}`;
      await failing.until((r) => r.filter((x) => x.body.includes(id)).length >= 3);
      let dead: { deliveryId: string; attempts: number }[] = [];
      for (let i = 0; i < 50 && !dead.some((d) => d.deliveryId === deliveryId); i++) {
        dead = (await h.request('GET', '/v1/admin/deliveries?state=failed', admin.token)).body.deliveries;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(dead.find((d) => d.deliveryId === deliveryId)).toMatchObject({ attempts: 3, event: 'approval.requested', tokenId: id });
      expect(failing.received.filter((x) => x.body.includes(id))).toHaveLength(3);

      failing.respond = () => 204;
      expect((await h.request('POST', `/v1/admin/deliveries/${deliveryId}/replay`, admin.token)).status).toBe(202);
      await failing.until((r) => r.some((x) => x.status === 204 && x.body.includes(id)));
      expect(failing.accepted().filter((d) => d.deliveryId === deliveryId)).toHaveLength(1);
      expect((await h.request('POST', '/v1/admin/deliveries/nope/replay', admin.token)).body.code).toBe('RET_NOT_FOUND');
    } finally {
      await h.request('DELETE', '/v1/officers/me/webhook', co2.token);
      await failing.close();
    }
  });

  it('a dead receiver does not delay the API or other COs', async () => {
    try {
      await h.request('PUT', '/v1/officers/me/webhook', co2.token, { url: 'http://127.0.0.1:9/unreachable', secret: SECRET });
      const started = Date.now();
      const id = await issue({ command: 'deleteUser', args: { id: 503 } });
      expect(Date.now() - started).toBeLessThan(1000);
      await hook.until((r) => r.some((x) => x.body.includes(id)), 5000);
    } finally {
      await h.request('DELETE', '/v1/officers/me/webhook', co2.token);
    }
  });

  it('the requester’s callback hears token.approved, signed with its callbackSecret', async () => {
    const callback = await Receiver.start();
    try {
      const callbackSecret = 'requester-callback-secret';
      const id = await issue({ command: 'deleteUser', args: { id: 504 } }, { callbackUrl: callback.url, callbackSecret });
      await h.approve(id, co1);
      await callback.until((r) => r.some((x) => x.body.includes('token.approved')));
      const got = callback.received.find((x) => x.body.includes('token.approved'))!;
      expect(JSON.parse(got.body)).toMatchObject({ event: 'token.approved', token: { id, status: 'APPROVED' } });
      expect(got.headers['x-quorum-delivery']).toBe(`token.approved-${id}-callback`);
      expect(verifyWebhookSignature(callbackSecret, got.body, got.headers['x-quorum-signature'] as string)).toBe(true);
      const noSecret = await h.request('POST', '/v1/tokens', admin.token, { service: 'USER_MGMT', operation: { command: 'x' }, callbackUrl: callback.url });
      expect(noSecret.body.code).toBe('RET_BAD_REQUEST');
    } finally {
      await callback.close();
    }
  });

  it('an SSE client sees PENDING, then APPROVED, then CONSUMED, and the stream ends', async () => {
    const operation = { command: 'rotateKey', args: { slot: 505 } };
    const id = await issue(operation);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const res = await fetch(`http://127.0.0.1:${port}/v1/tokens/${id}/events`, { headers: { authorization: `Bearer ${admin.token}` } });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const events: { status: string }[] = [];
    let buffer = '';
    const readAll = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += Buffer.from(value).toString('utf8');
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const data = /^data: (.*)$/m.exec(block);
          if (/^event: status$/m.test(block) && data) events.push(JSON.parse(data[1]!));
        }
      }
    })();
    while (events.length === 0) await new Promise((r) => setTimeout(r, 20));
    await h.approve(id, co1);
    while (events.length < 2) await new Promise((r) => setTimeout(r, 20));
    await h.request('POST', `/v1/tokens/${id}/consume`, admin.token, { operation });
    await readAll;
    expect(events.map((e) => e.status)).toEqual(['PENDING', 'APPROVED', 'CONSUMED']);
  });

  it('a token with a 1-second TTL becomes EXPIRED in the store, its callback fires, and approvals are refused', async () => {
    const callback = await Receiver.start();
    try {
      const id = await issue({ command: 'deleteUser', args: { id: 506 } }, { ttlSeconds: 1, callbackUrl: callback.url, callbackSecret: 'requester-callback-secret' });
      const bytes = await h.tokenBytes(id, co1.token);
      await callback.until((r) => r.some((x) => x.body.includes('token.expired')), 5000);
      expect(await h.redis.hget(h.store.keys.token(id), 'status')).toBe('EXPIRED');
      const got = callback.received.find((x) => x.body.includes('token.expired'))!;
      expect(JSON.parse(got.body)).toMatchObject({ event: 'token.expired', token: { id, status: 'EXPIRED' } });
      const late = await h.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature: h.openssl.sign(co1.key!.privatePath, bytes) });
      expect(late.body.code).toBe('RET_TOKEN_EXPIRED');
      expect((await h.store.audit.page(1, 10_000)).filter((e) => e.includes('"type":"token.expired"') && e.includes(id))).toHaveLength(1);
    } finally {
      await callback.close();
    }
  });

  it('ids left in the expiry indexes by tokens whose hash is gone are dropped, and do not hold up a real expiry behind them', async () => {
    const k = h.store.keys;
    // 600 ids with old scores and no token hash (evicted, or deleted by hand): more than one sweep's batch (500).
    const gone = Array.from({ length: 600 }, (_, i) => `gone-${i}`);
    await h.redis.zadd(k.openTokens(), ...gone.flatMap((id, i) => [i + 1, id]));
    await h.redis.zadd(k.approvedTokens(), ...gone.flatMap((id, i) => [i + 1, id]));
    const id = await issue({ command: 'deleteUser', args: { id: 507 } }, { ttlSeconds: 1 });
    await until('the token written EXPIRED', async () => (await h.redis.hget(k.token(id), 'status')) === 'EXPIRED', 5000);
    expect(await h.redis.zrangebyscore(k.openTokens(), '-inf', 600)).toEqual([]);
    expect(await h.redis.zrangebyscore(k.approvedTokens(), '-inf', 600)).toEqual([]);
  });
});
