import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker } from '@quorumd/queue';
import pino from 'pino';
import { Harness, REDIS_URL, type Officer } from './support/harness';
import { until } from './support/eventually';
import { Receiver } from './support/receiver';

/**
 * A fifth round of insider attacks, on the second speed work: what an approval signs kept in
 * memory per token (filled at issue), the approve script answering from the token it holds,
 * the issue rate limit counted per user by the issue script, and the outbox dispatcher that
 * works a batch at a time with endings that name who hears of them. The attacker holds one
 * account. One `describe` per attack, over HTTP on a real Redis, asserting what must happen now.
 */

const deleteUser = (id: number) => ({ service: 'USER_MGMT', operation: { command: 'deleteUser', args: { id } } });

describe('one user asks for more tokens than its limit through many sessions, API keys and replicas at once', () => {
  let h: Harness;
  let other: Harness;
  let co1: Officer;
  let co2: Officer;
  beforeAll(async () => {
    ({ h, officers: [co1, co2] } = await Harness.withOfficers(['co1', 'co2'], { env: { QUORUM_RATE_LIMIT_ISSUE: '7' } }));
    other = await Harness.start({ prefix: h.prefix, issuer: h.issuer, env: { QUORUM_RATE_LIMIT_ISSUE: '7' } });
  });
  afterAll(async () => {
    await other.close({ keepKeys: true });
    await h.close();
  });

  it('gets exactly the limit, the rest 429 with nothing written; another user draws on its own count (held)', async () => {
    const credentials = [co1.token, await h.login('co1', 'co1-password'), await other.login('co1', 'co1-password')];
    for (const name of ['ci-1', 'ci-2', 'ci-3']) {
      credentials.push((await h.request('POST', '/v1/api-keys', co1.token, { name, scopes: ['tokens:issue'] })).body.key as string);
    }
    const before = await h.snapshot();
    const replies = await Promise.all(
      Array.from({ length: 48 }, (_, i) => (i % 2 === 0 ? h : other).request('POST', '/v1/tokens', credentials[i % credentials.length], deleteUser(500 + i))),
    );
    const issued = replies.filter((r) => r.status === 201);
    expect(issued).toHaveLength(7);
    for (const r of replies.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(429);
      expect(r.body.code).toBe('RET_RATE_LIMITED');
      expect(r.body.message).toMatch(/retry in \d+ s$/);
    }
    // The refusals wrote nothing: what changed is the seven tokens and the one counter.
    const after = await h.snapshot();
    const counter = h.store.keys.issueCount(co1.id);
    expect(after[counter]).toBe('7');
    const ttl = await h.redis.pttl(counter);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const changed = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
    expect(changed.filter((k) => k.includes(':token:'))).toHaveLength(7);
    // co2 is not held back by co1, and counts in its own key.
    expect((await h.request('POST', '/v1/tokens', co2.token, deleteUser(600))).status).toBe(201);
    expect(await h.redis.get(h.store.keys.issueCount(co2.id))).toBe('1');
  });
});

describe('the approve script answers the token from the table it holds', () => {
  let h: Harness;
  let admin: Officer;
  let co1: Officer;
  let co2: Officer;
  let co3: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1, co2, co3] } = await Harness.withOfficers(['co1', 'co2', 'co3'], { env: { QUORUM_REQUESTER_MAY_APPROVE: 'false' } }));
    await h.setM(admin, 'USER_MGMT', 2, []);
  });
  afterAll(() => h.close());

  const fresh = async (id: string) => (await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token;

  it('says what a fresh read says: short of the bar, carried to it, the same approval again, a voter whose key changed, M raised (held)', async () => {
    const id = (await h.request('POST', '/v1/tokens', admin.token, deleteUser(700))).body.token.id as string;
    // co1's vote, then co1 registers a new key: that vote stops counting.
    const first = await h.approve(id, co1);
    expect(first.body.token).toEqual(await fresh(id));
    await h.registerKey(co1);
    const short = await h.approve(id, co2);
    expect(short.body.token.status).toBe('PENDING');
    expect(short.body.token).toEqual(await fresh(id));
    // M raised to 3 while it waits: the answer names the new bar.
    await h.setM(admin, 'USER_MGMT', 3, [co2, co3]);
    const raised = await h.approve(id, co3);
    expect(raised.body.token).toMatchObject({ status: 'PENDING', required: 3 });
    expect(raised.body.token).toEqual(await fresh(id));
    // Back to 2: the same approval again carries it now, answered as read afterwards.
    await h.setM(admin, 'USER_MGMT', 2, [co1, co2, co3]);
    const again = await h.request('POST', `/v1/tokens/${id}/approvals`, co3.token, { signature: h.openssl.sign(co3.key!.privatePath, await h.tokenBytes(id, co3.token)) });
    expect(again.status).toBe(200);
    expect(again.body.token.status).toBe('APPROVED');
    expect(again.body.token.approvedExpiresAt).toEqual(expect.any(String));
    expect(again.body.token).toEqual(await fresh(id));
  });
});

describe('an approval signed over other bytes than the token’s, checked against what memory holds', () => {
  const example = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'aws-admin.token'), 'utf8')) as { approval_data: string; token: string };
  const hsm = {
    service: 'USER_MGMT',
    operation: { command: 'cloudhsm', args: { service: 'user', description: 'user create --username user1 --role crypto-user' } },
    cloudhsm: { tokenFile: { ...example, version: '2.0', signatures: [] } },
  };
  let h: Harness;
  let other: Harness;
  let admin: Officer;
  let co1: Officer;
  beforeAll(async () => {
    ({ h, admin, officers: [co1] } = await Harness.withOfficers(['co1', 'co2']));
    other = await Harness.start({ prefix: h.prefix, issuer: h.issuer });
  });
  afterAll(async () => {
    await other.close({ keepKeys: true });
    await h.close();
  });

  const post = (via: Harness, id: string, signature: string, alg?: string) =>
    via.request('POST', `/v1/tokens/${id}/approvals`, co1.token, { signature, ...(alg ? { alg } : {}) });

  it('a CloudHSM token takes only a signature over its approval data, on the replica that issued it and on another (held)', async () => {
    const issued = await h.request('POST', '/v1/tokens', admin.token, hsm);
    expect(issued.status).toBe(201);
    const id = issued.body.token.id as string;
    const docBytes = Buffer.from(JSON.stringify(issued.body.token));
    const approvalData = Buffer.from(example.approval_data, 'base64');
    for (const via of [h, other]) {
      const before = await h.snapshot();
      // Over something else (here: the token's JSON), or PS256: refused, nothing written.
      expect((await post(via, id, h.openssl.sign(co1.key!.privatePath, docBytes))).body.code).toBe('RET_SIGNATURE_INVALID');
      expect((await post(via, id, h.openssl.sign(co1.key!.privatePath, approvalData, 'PS256'), 'PS256')).body.code).toBe('RET_BAD_REQUEST');
      expect(await h.snapshot()).toEqual(before);
    }
    // Over the approval data, through the replica that never read it: counted once.
    expect((await post(other, id, h.openssl.sign(co1.key!.privatePath, approvalData))).status).toBe(200);
    expect((await h.request('GET', `/v1/tokens/${id}`, admin.token)).body.token.approvals.map((a: { userId: number }) => a.userId)).toEqual([co1.id]);
  });

  it('a signature over another token’s bytes, or on a deleted token still in memory, counts for nothing (held)', async () => {
    const a = (await h.request('POST', '/v1/tokens', admin.token, deleteUser(801))).body.token.id as string;
    const b = (await h.request('POST', '/v1/tokens', admin.token, deleteUser(802))).body.token.id as string;
    // h holds what a and b sign from their issue; other reads it at the first try, then holds it.
    const overA = h.openssl.sign(co1.key!.privatePath, await h.tokenBytes(a, admin.token));
    for (const via of [other, other, h]) expect((await post(via, b, overA)).body.code).toBe('RET_SIGNATURE_INVALID');
    expect((await h.request('DELETE', `/v1/tokens/${a}`, admin.token)).status).toBe(200);
    const before = await h.snapshot();
    for (const via of [h, other]) expect((await post(via, a, overA)).body.code).toBe('RET_TOKEN_NOT_PENDING');
    expect(await h.snapshot()).toEqual(before);
  });
});

describe('endings handled by the batch dispatcher: who hears of them', () => {
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
